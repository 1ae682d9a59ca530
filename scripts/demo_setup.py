# Run by scripts/demo.sh through `odoo shell`, once, on the database that
# `make demo` creates: choices that only the demo makes, which the addons'
# demo data must not make (demo data is also loaded on databases where
# Odoo's own test suites run, and Odoo must behave there as without us).
# `env` is given by `odoo shell`.
# ruff: noqa: F821
import logging
from datetime import datetime, timedelta

# The web opt-out below is the one the banner's test records: one set-up.
# Odoo logs an error when its test framework is imported outside tests;
# this script does so on purpose.
logging.getLogger("odoo.tests.common").setLevel(logging.CRITICAL)
from odoo.addons.callflow_odoo.tests.common import record_web_opt_out

params = env["ir.config_parameter"].sudo()
if not params.get_param("callflow_sms.provider"):
    # Store SMS in the outbox rather than spend IAP credit on demo numbers.
    params.set_param("callflow_sms.provider", "outbox")
# The Contact us form asks how the person may be contacted.
env.ref("callflow_optout.contactus_form_contact_choice").active = True
# A contact who opted out of all contact on the web twelve days ago: the red
# banner, the blocked number in the dialer and in phone.blacklist.
Event = env["callflow.preference.event"]
partner = env.ref("base.res_partner_2")
if not Event.search_count([("partner_id", "=", partner.id), ("source", "=", "web")]):
    record_web_opt_out(
        env,
        partner,
        number="(603)-996-3829",
        evidence="Opt-out page, personal link from an SMS.",
        event_date=datetime.now().replace(hour=9, minute=30, second=0)
        - timedelta(days=12),
    )
env.cr.commit()
print("demo settings: SMS outbox, Contact us question, a web opt-out")
