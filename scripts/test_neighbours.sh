#!/usr/bin/env bash
# Odoo's own test suites of the modules Callflow extends, run as Odoo's
# runbot runs them: a fresh database, demo data, every module installed in
# one go with the three Callflow addons, at_install and post_install tests.
# Callflow must leave them green (README "Good neighbour").  Called by
# scripts/test.sh; runnable on its own after `make test` set things up.
source "$(dirname "$0")/common.sh"

DB="${CALLFLOW_NEIGHBOURS_DB:-callflow_neighbours}"
CONF="$LOCAL/test-$DB.conf"
ODOO_MODULES="sms,phone_validation,mass_mailing_sms,website_crm,test_mail_sms,website_event"
# Two website_event tests fail on a plain website_event install on this
# machine too (no Callflow addon installed: the UTM cookie test, and the
# admin editor tour timing out at "save"); they are left out, every other
# website_event test (registration tours, attendee form parsing) runs.
TEST_TAGS="/sms,/phone_validation,/mass_mailing_sms,/website_crm,/crm,/test_mail_sms,/website_event"
TEST_TAGS="$TEST_TAGS,-/website_event:TestEventRegisterUTM.test_event_registration_utm_values"
TEST_TAGS="$TEST_TAGS,-/website_event:TestUi.test_website_event_tour_admin"
LOG="$LOCAL/$DB.log"

ensure_postgres
trap stop_postgres_if_started EXIT
ensure_python
write_config "$CONF" 0 0

log "Odoo's own suites ($TEST_TAGS) with $ADDONS installed, demo data, fresh database $DB"
dropdb --if-exists --force "$DB"
rm -rf "$DATA_DIR/filestore/$DB"
start=$(date +%s)
set +e
odoo_bin -c "$CONF" -d "$DB" -i "$ODOO_MODULES,$ADDONS" --test-enable \
    --test-tags "$TEST_TAGS" --stop-after-init --log-level=test >"$LOG" 2>&1
rc=$?
set -e
summary=$(grep -aoE '[0-9]+ failed, [0-9]+ error\(s\) of [0-9]+ tests' "$LOG" | tail -n 1)
log "Odoo's suites: ${summary:-no test summary} in $(( $(date +%s) - start )) s (log: $LOG)"
if [ $rc -ne 0 ] || [ -z "$summary" ] || ! grep -qE '^0 failed, 0 error' <<<"$summary"; then
    grep -aE ' (ERROR|CRITICAL) ' "$LOG" | grep -av 'werkzeug' | head -n 40 >&2 || true
    die "Odoo's own test suites fail with Callflow installed (exit $rc); see $LOG"
fi
[ "${CALLFLOW_KEEP_NEIGHBOURS_DB:-0}" = 1 ] || dropdb --if-exists --force "$DB"
