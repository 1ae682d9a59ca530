# Run by scripts/demo.sh through `odoo shell`, once, on the database that
# `make demo` creates: choices that only the demo makes, which the addons'
# demo data must not make (demo data is also loaded on databases where
# Odoo's own test suites run, and Odoo must behave there as without us).
# `env` is given by `odoo shell`; the tests import this file and call
# setup_demo() on their own database.
# CALLFLOW_DEMO_LANG=ja_JP makes a Japanese company, admin and operator;
# CALLFLOW_DEMO_BASE_URL is the address the demo is served on (the SMS
# links point there).
import os
import re
from datetime import datetime, timedelta

from odoo.addons.callflow_odoo.tools.examples import web_opt_out

LINK_RE = re.compile(r"https?://\S+/o/[A-Za-z0-9_-]+")

JAPANESE_COMPANY = {
    "street": "丸の内1-1-1",
    "street2": "丸の内ビル10階",
    "city": "千代田区",
    "zip": "100-0005",
    "phone": "+81 3-5555-0100",
}


def setup_demo(env, lang="en_US", base_url=None):
    """Apply the demo's own settings; return the outbox's personal links."""
    params = env["ir.config_parameter"].sudo()
    if base_url:
        params.set_param("web.base.url", base_url.rstrip("/"))
    if not params.get_param("callflow_sms.provider"):
        # Store SMS in the outbox rather than spend IAP credit on demo numbers.
        params.set_param("callflow_sms.provider", "outbox")
    # The Contact us form asks how the person may be contacted.
    env.ref("callflow_optout.contactus_form_contact_choice").active = True
    _web_optout(env)
    if lang == "ja_JP":
        _japanese(env)
    return _outbox_sms(env)


def _web_optout(env):
    """A contact who opted out of all contact on the web twelve days ago:
    the red banner, the blocked number in the dialer and in phone.blacklist."""
    Event = env["callflow.preference.event"]
    partner = env.ref("base.res_partner_2")
    if Event.search_count([("partner_id", "=", partner.id), ("source", "=", "web")]):
        return
    Event._record(
        web_opt_out(
            "(603)-996-3829",
            partner.id,
            evidence="Opt-out page, personal link from an SMS.",
            event_date=datetime.now().replace(hour=9, minute=30, second=0)
            - timedelta(days=12),
        )
    )


def _japanese(env):
    """日本語: the language, a company in Tokyo, and a Japanese admin and
    operator (demo.sh loads the translations with --load-language; this
    also installs them on a database created without it)."""
    Lang = env["res.lang"].with_context(active_test=False)
    lang = Lang.search([("code", "=", "ja_JP")])
    if not lang.active:
        env["base.language.install"].create(
            {"lang_ids": [(6, 0, lang.ids)], "overwrite": False}
        ).lang_install()
    company = env.ref("base.main_company")
    company.write(
        dict(
            JAPANESE_COMPANY,
            country_id=env.ref("base.jp").id,
            state_id=env.ref("base.state_jp_jp-13").id,
        )
    )
    users = env.ref("base.user_admin") | env.ref("callflow_odoo.user_operator_demo")
    users.write({"lang": "ja_JP", "tz": "Asia/Tokyo"})
    # The company's website speaks Japanese first: the directory and the
    # opt-out page open in Japanese.
    lang = Lang.search([("code", "=", "ja_JP")])
    for website in env["website"].search([]):
        website.language_ids |= lang
        website.default_lang_id = lang
    # The Japanese lists send the Japanese texts.
    for suffix in ("before", "after"):
        template = env.ref(
            f"callflow_sms.callflow_sms_template_{suffix}_ja_demo",
            raise_if_not_found=False,
        )
        call_list = env.ref("callflow_odoo.call_list_demo_leads")
        if template:
            call_list[f"sms_{suffix}_template_id"] = template


def _outbox_sms(env):
    """After-call SMS to two people of the spring campaign, sent by the
    operator through the real code, with working personal links.

    Elsewhere the outbox keeps links masked (it hands nothing to anybody);
    here the links are made as a real provider's would be, and written into
    the demo's outbox so that one can be followed. Returns the links.
    """
    SMS = env["sms.sms"].sudo()
    existing = SMS.search([("callflow_token_id", "!=", False)], order="id")
    if existing:
        return [m.group(0) for m in map(LINK_RE.search, existing.mapped("body")) if m]
    operator = env.ref("callflow_odoo.user_operator_demo")
    call_list = env.ref("callflow_odoo.call_list_demo_leads")
    entries = call_list.entry_ids.filtered(lambda e: e.state == "pending")[:2]
    sms = (
        env["callflow.sms.sender"]
        .with_user(operator)
        ._callflow_send(entries, call_list.sms_after_template_id, "after")
        .sudo()
    )
    clear = sms._callflow_clear_bodies()
    for message in sms:
        message.body = clear.get(message.id, message.body)
    # Into the outbox now, not at the recipient's morning.
    sms.write({"callflow_send_after": False})
    sms._send(unlink_failed=False, unlink_sent=False)
    return [m.group(0) for m in map(LINK_RE.search, sms.mapped("body")) if m]


if "env" in globals():
    _links = setup_demo(
        env,  # noqa: F821 (given by odoo shell)
        lang=os.environ.get("CALLFLOW_DEMO_LANG") or "en_US",
        base_url=os.environ.get("CALLFLOW_DEMO_BASE_URL"),
    )
    env.cr.commit()  # noqa: F821
    print("demo settings: SMS outbox, Contact us question, a web opt-out")
    for _link in _links:
        print(f"demo SMS link in the outbox: {_link}")
