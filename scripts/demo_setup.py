# Run by scripts/demo.sh through `odoo shell`, once, on the database that
# `make demo` creates: choices that only the demo makes, which the addons'
# demo data must not make (demo data is also loaded on databases where
# Odoo's own test suites run, and Odoo must behave there as without us).
# `env` is given by `odoo shell`.
# ruff: noqa: F821
params = env["ir.config_parameter"].sudo()
if not params.get_param("callflow_sms.provider"):
    # Store SMS in the outbox rather than spend IAP credit on demo numbers.
    params.set_param("callflow_sms.provider", "outbox")
# The Contact us form asks how the person may be contacted.
env.ref("callflow_optout.contactus_form_contact_choice").active = True
env.cr.commit()
print("demo settings: SMS outbox, contact-preference question on Contact us")
