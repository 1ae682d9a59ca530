#!/usr/bin/env bash
# make demo: PostgreSQL, Python + Odoo 18.0, database callflow_demo with the
# three addons and demo data, then Odoo on http://localhost:8069.
# CALLFLOW_DEMO_DETACH=1 serves in the background and returns.
source "$(dirname "$0")/common.sh"

DB="${CALLFLOW_DEMO_DB:-callflow_demo}"
PORT="${CALLFLOW_DEMO_PORT:-8069}"
CONF="$LOCAL/demo.conf"

ensure_postgres
ensure_python
write_config "$CONF" "$PORT"

if curl -fsS -o /dev/null "http://localhost:$PORT/web/login" 2>/dev/null; then
    log "an Odoo server already answers on http://localhost:$PORT"
    echo "Open http://localhost:$PORT/web/login  (login: admin, password: admin)"
    exit 0
fi

digest=$(addons_digest)
stamp="$LOCAL/demo-$DB.digest"
if ! db_exists "$DB"; then
    log "creating database $DB with the Callflow addons and demo data (a few minutes)"
    odoo_bin -c "$CONF" -d "$DB" -i "$ADDONS" --stop-after-init --log-level=warn
    echo "$digest" > "$stamp"
elif [ "$(cat "$stamp" 2>/dev/null)" != "$digest" ]; then
    log "updating the Callflow addons in $DB"
    odoo_bin -c "$CONF" -d "$DB" -u "$ADDONS" -i "$ADDONS" --stop-after-init --log-level=warn
    echo "$digest" > "$stamp"
else
    log "database $DB is up to date"
fi

echo
echo "Callflow demo: http://localhost:$PORT/web/login   login: admin   password: admin"
echo "Operator:      login: operator   password: operator"
echo "Website:       http://localhost:$PORT/callflow/numbers"
echo
# -d alone (no --db-filter) serves that one database without listing the
# server's databases on every anonymous request (a new PostgreSQL connection
# each time).
if [ "${CALLFLOW_DEMO_DETACH:-0}" = 1 ]; then
    nohup "$PY" -m odoo -c "$CONF" -d "$DB" >"$LOCAL/demo.log" 2>&1 &
    for _ in $(seq 60); do
        curl -fsS -o /dev/null "http://localhost:$PORT/web/login" 2>/dev/null && { log "serving in the background (log: $LOCAL/demo.log)"; exit 0; }
        sleep 1
    done
    die "Odoo did not answer on port $PORT; see $LOCAL/demo.log"
fi
exec "$PY" -m odoo -c "$CONF" -d "$DB"
