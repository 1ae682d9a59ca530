#!/usr/bin/env bash
# make test: the same set-up as the demo, then lint, then a fresh throwaway
# database with the three addons installed, then every test with pytest-odoo
# (HttpCase browser tours included).  Extra arguments go to pytest, e.g.
#   scripts/test.sh callflow_odoo/tests/test_install.py -k menu
source "$(dirname "$0")/common.sh"

DB="${CALLFLOW_TEST_DB:-callflow_test}"
CONF="$LOCAL/test-$DB.conf"

ensure_postgres
trap stop_postgres_if_started EXIT
ensure_python
# HttpCase tours drive a real headless browser.
command -v chromium >/dev/null || command -v google-chrome >/dev/null || apt_install chromium
write_config "$CONF" 0 0

if [ "${CALLFLOW_SKIP_LINT:-0}" != 1 ]; then
    log "lint: ruff"
    "$PY" -m ruff check "$ROOT"
    "$PY" -m ruff format --check --quiet "$ROOT"
    log "lint: pylint-odoo (mandatory checks)"
    (cd "$ROOT" && "$PY" -m pylint --rcfile=.pylintrc-mandatory --score=n callflow_odoo callflow_optout callflow_sms callflow_event)
    log "lint: OCA module checks (manifests, XML)"
    (cd "$ROOT" && "$VENV/bin/oca-checks-odoo-module" callflow_odoo callflow_optout callflow_sms callflow_event)
fi
[ "${CALLFLOW_LINT_ONLY:-0}" = 1 ] && exit 0

# The Odoo modules we depend on are installed once into a template database;
# each run copies it, then installs the Callflow addons fresh.
odoo_version=$("$PY" -c "import odoo.release as r; print(r.serie)")
tmpl="callflow_tmpl_$(printf '%s %s' "$BASE_MODULES" "$odoo_version" | md5sum | cut -c1-8)"
if ! db_exists "$tmpl"; then
    log "building template database $tmpl ($BASE_MODULES); done once"
    dropdb --if-exists "$tmpl.tmp" 2>/dev/null || true
    odoo_bin -c "$CONF" -d "$tmpl.tmp" -i "$BASE_MODULES" --stop-after-init --log-level=warn
    psql -q -c "alter database \"$tmpl.tmp\" rename to \"$tmpl\"" postgres
    mv "$DATA_DIR/filestore/$tmpl.tmp" "$DATA_DIR/filestore/$tmpl" 2>/dev/null || true
fi
log "fresh database $DB from $tmpl"
dropdb --if-exists --force "$DB"
createdb -T "$tmpl" "$DB"
rm -rf "$DATA_DIR/filestore/$DB"
[ -d "$DATA_DIR/filestore/$tmpl" ] && cp -a "$DATA_DIR/filestore/$tmpl" "$DATA_DIR/filestore/$DB"
log "installing $ADDONS"
odoo_bin -c "$CONF" -d "$DB" -i "$ADDONS" --stop-after-init --log-level=warn

# Odoo's own suites of the modules Callflow extends stay green with it
# installed (scripts/test_neighbours.sh); before pytest, so that pytest's
# summary is the run's last word.  CALLFLOW_SKIP_NEIGHBOURS=1 skips them
# while iterating locally; CI always runs them.
neighbours_rc=0
if [ "${CALLFLOW_SKIP_NEIGHBOURS:-0}" != 1 ] && [ $# -eq 0 ]; then
    CALLFLOW_FRESH_KEEP=1 "$ROOT/scripts/test_neighbours.sh" || neighbours_rc=$?
fi

log "pytest"
cd "$ROOT"
set +e
"$PY" -m pytest --odoo-config="$CONF" --odoo-database="$DB" --odoo-http \
    --odoo-log-level="${CALLFLOW_TEST_LOG_LEVEL:-critical}" "$@"
rc=$?
set -e
# pytest's 5 means no test ran: that is a failure here, not a pass.
[ $rc -eq 0 ] && [ $neighbours_rc -ne 0 ] && { log "Odoo's own suites failed (above)"; rc=$neighbours_rc; }
exit $rc
