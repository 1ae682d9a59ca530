#!/usr/bin/env bash
# make bench: a fresh database callflow_bench with the three addons, then each
# benchmark in bench/ (or the ones named as arguments).  Figures are printed.
source "$(dirname "$0")/common.sh"

DB="${CALLFLOW_BENCH_DB:-callflow_bench}"
CONF="$LOCAL/bench-$DB.conf"
ensure_postgres
trap stop_postgres_if_started EXIT
ensure_python
CALLFLOW_LOG_LEVEL=error write_config "$CONF" "${CALLFLOW_BENCH_PORT:-8079}"

dropdb --if-exists --force "$DB"
log "creating $DB with the Callflow addons (no demo data)"
odoo_bin -c "$CONF" -d "$DB" -i "$ADDONS" --without-demo=all --stop-after-init --log-level=warn

cd "$ROOT"
benches=("$@")
[ ${#benches[@]} -eq 0 ] && benches=(bench/bench_*.py)
for bench in "${benches[@]}"; do
    [ -f "$bench" ] || continue
    log "$bench"
    PYTHONPATH="$ROOT" "$PY" "$bench" -c "$CONF" -d "$DB"
done
