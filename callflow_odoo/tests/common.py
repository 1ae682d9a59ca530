"""The Callflow test base, shared by every addon's tests (and the benches).

One chain, as Odoo's ``sms`` tests have ``MockSMS -> SMSCase -> SMSCommon``:

- ``CallflowCase``: domain asserts (``assertBlocked``, ``assertNotBlocked``,
  ``assertEntryState``); no data.
- ``CallflowCommon(CallflowCase)``: fixtures (a Japanese company, its
  directory, the dialer's operators, lists and entries).
- per addon: ``callflow_optout.tests.common.OptoutCase``,
  ``callflow_sms.tests.common.CallflowSMSCase`` (``assertSMSQueued``).

Mixins: combine with ``TransactionCase`` or ``HttpCase``.
"""

import base64
import contextlib
import importlib.util
import io
import random
import time
from urllib.parse import urlsplit

from PIL import Image
from psycopg2.errors import SerializationFailure

from odoo import SUPERUSER_ID, api, sql_db
from odoo.tests import BaseCase, common, new_test_user

from odoo.addons.callflow_odoo.tools.examples import web_opt_out
from odoo.addons.callflow_odoo.tools.signatures import twilio_signature

TOKYO = "+81312345678"
MOBILE = "+819012345678"
NEW_YORK = "+12125550123"
EVERY_DAY = {
    f"window_{day}": True for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
}


def load_file(path, name):
    """The Python file at ``path`` (a script ``odoo shell`` runs, a
    migration), which is no importable module, as the module ``name``."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def noisy_png(size=1200):
    """A big, hard-to-compress logo: the vCard must scale it down."""
    image = Image.effect_noise((size, size), 80).convert("RGB")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue())


# ----------------------------------------------------------------------
# Operators on cursors of their own (concurrency tests, benches)
# ----------------------------------------------------------------------
@contextlib.contextmanager
def operator_session(dbname, uid):
    """One request of an operator: an environment on a cursor of its own,
    closed when the block ends (commit or roll back inside)."""
    cr = sql_db.db_connect(dbname).cursor()
    try:
        yield api.Environment(cr, uid, {})
    finally:
        cr.close()


def work_the_list(
    dbname,
    uid,
    list_ids,
    result_id,
    limit=None,
    taken=None,
    on_call=None,
    retries=None,
    start=None,
):
    """What one operator does at the dialer: pick the next entry (one
    request), log a final result (another), until the lists are empty or
    ``limit`` entries are taken. Returns the ids taken, in order.

    ``on_call(entry)`` runs while the entry is held (committed), before the
    result is logged; ``retries`` collects a ``uid`` per retried
    transaction; ``start``: a barrier the operators wait at, to begin
    together. Serialization failures are retried as Odoo's RPC layer does.
    """
    taken = [] if taken is None else taken
    attempts = 0
    if start is not None:
        start.wait()
    while limit is None or len(taken) < limit:
        with operator_session(dbname, uid) as env:
            try:
                if not _take_one(env, list_ids, result_id, taken, on_call):
                    break
                attempts = 0
            except SerializationFailure:
                # another operator committed a row this transaction had
                # seen: retry with a fresh snapshot
                env.cr.rollback()
                attempts += 1
                if retries is not None:
                    retries.append(uid)
                if attempts > 30:
                    raise
                time.sleep(random.uniform(0, 0.01 * attempts))
    return taken


def _take_one(env, list_ids, result_id, taken, on_call):
    """Pick, commit, log the result, commit; False when nothing is left."""
    entry = env["callflow.dialer"]._pick_next(list_ids)
    if not entry:
        env.cr.rollback()
        return False
    # each step is a request of its own
    # pylint: disable=invalid-commit
    env.cr.commit()
    taken.append(entry.id)
    if on_call:
        on_call(entry)
    entry._register_attempt(
        result=env["callflow.call.result"].browse(result_id), outcome="answered"
    )
    # pylint: disable=invalid-commit
    env.cr.commit()
    return True


class CommittedCase(BaseCase):
    """Several transactions at once, as concurrent requests: the data is
    committed (other cursors cannot see a test transaction) and removed by
    each test's clean-up."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        from odoo.tests.common import get_db_name

        cls.dbname = get_db_name()

    @classmethod
    def _cursor(cls):
        return sql_db.db_connect(cls.dbname).cursor()

    @classmethod
    @contextlib.contextmanager
    def committed_env(cls):
        """A superuser environment whose work other cursors see."""
        with cls._cursor() as cr:
            yield api.Environment(cr, SUPERUSER_ID, {})
            # other cursors must see the data
            # pylint: disable=invalid-commit
            cr.commit()

    @contextlib.contextmanager
    def two_cursors(self):
        """Two requests open at once, rolled back and closed at the end."""
        cr1, cr2 = self._cursor(), self._cursor()
        try:
            yield cr1, cr2
        finally:
            cr1.rollback()
            cr2.rollback()
            cr1.close()
            cr2.close()

    @classmethod
    def remove_lists(cls, list_ids, number_id):
        """Remove the lists, their attempts and their caller number."""
        with cls.committed_env() as env:
            env["callflow.number.attempt"].search(
                [("list_id", "in", list_ids)]
            ).unlink()
            env["callflow.list"].browse(list_ids).unlink()
            env["callflow.caller.number"].browse(number_id).unlink()

    @classmethod
    def remove_users(cls, user_ids):
        with cls.committed_env() as env:
            users = env["res.users"].browse(user_ids)
            partners = users.partner_id
            users.unlink()
            partners.unlink()


# ----------------------------------------------------------------------
# A running list of leads (end-to-end test, bench of logging a call)
# ----------------------------------------------------------------------
def lead_call_list(env, name, desk_number, operator, leads, **vals):
    """A running list of ``leads`` for ``operator``, callable any day at
    any hour, from a published desk ``desk_number`` (``vals`` override)."""
    caller = env["callflow.caller.number"].create(
        {"name": f"{name} desk", "number": desk_number, "is_published": True}
    )
    call_list = env["callflow.list"].create(
        dict(
            EVERY_DAY,
            name=name,
            purpose="sales",
            caller_number_id=caller.id,
            user_ids=[(6, 0, operator.ids)],
            source_model="crm.lead",
            source_domain=f"[('id', 'in', {leads.ids})]",
            window_from=0,
            window_to=24,
            min_gap_hours=0,
        )
        | vals
    )
    call_list._build_entries()
    call_list.action_start()
    return call_list


def log_call(env, operator, entry, result, outcome="answered", **vals):
    """``operator`` logs the call with ``entry`` in the call-log wizard
    (``vals`` add to it) and clicks "Log & next": returns its action."""
    wizard = (
        env["callflow.call.log"]
        .with_user(operator)
        .create(
            dict(
                {"entry_id": entry.id, "outcome": outcome, "result_id": result.id},
                **vals,
            )
        )
    )
    return wizard.action_log_next()


def set_twilio_voice(case, sid, token, base_url=None):
    """Callflow's voice provider set to Twilio-compatible with ``sid`` and
    ``token`` (and the provider at ``base_url``), its callbacks on the test
    server's URL."""
    params = case.env["ir.config_parameter"].sudo()
    params.set_param("web.base.url", case.base_url())
    params.set_param("web.base.url.freeze", True)
    params.set_param("callflow_odoo.voice_provider", "twilio")
    params.set_param("callflow_odoo.voice_twilio_account_sid", sid)
    params.set_param("callflow_odoo.voice_twilio_auth_token", token)
    if base_url:
        params.set_param("callflow_odoo.voice_twilio_base_url", base_url)


def twilio_post(case, url, params, token, signature=None):
    """A form POST from the HttpCase ``case`` to ``url``, signed as Twilio
    signs it with ``token`` (``signature``: another, a forged one)."""
    if signature is None:
        signature = twilio_signature(url, params, token)
    return case.url_open(url, data=params, headers={"X-Twilio-Signature": signature})


def make_operator(env, login, name):
    """An operator of the dialer (found again when it exists), in a company
    in Japan without caps."""
    env.company.country_id = env.ref("base.jp")
    env.company.callflow_cap_enabled = False
    operator = env["res.users"].search([("login", "=", login)])
    return operator or env["res.users"].create(
        {
            "name": name,
            "login": login,
            "groups_id": [
                (6, 0, [env.ref("callflow_odoo.group_callflow_operator").id])
            ],
        }
    )


def record_web_opt_out(env, partner, **vals):
    """``partner`` opted out of all contact on the web page ("Too many
    calls"): the banner's and the demo's example."""
    return env["callflow.preference.event"]._record(
        web_opt_out(partner.phone, partner.id, **vals)
    )


def record_opt_out(env, number, **vals):
    """The operator records that ``number`` wants no more calls (``vals``
    override: scope, purpose, action...)."""
    return env["callflow.preference.event"]._record(
        [
            dict(
                {
                    "number": number,
                    "channel": "call",
                    "scope": "all",
                    "action": "opt_out",
                    "source": "operator",
                },
                **vals,
            )
        ]
    )


def record_hours(env, number, days="12345", hours_from=10.0, hours_to=12.0):
    """The person asked to be called only at certain times (by default
    weekdays 10:00-12:00, their time), on the web page."""
    return env["callflow.preference.event"]._record(
        [
            {
                "number": number,
                "action": "hours",
                "hours_days": days,
                "hours_from": hours_from,
                "hours_to": hours_to,
                "source": "web",
            }
        ]
    )


# ----------------------------------------------------------------------
# Real local HTTP servers (fake providers) in tests
# ----------------------------------------------------------------------
class LocalServersMixin:
    """Lets requests to the local fake providers (gateway_server.py,
    voice_server.py) through untouched."""

    @classmethod
    def _request_handler(cls, s, r, /, **kw):
        # Odoo's test base lifts every timeout to 10 s (and cannot compare a
        # (connect, read) tuple); timeouts are what we test here, and only
        # local servers are let through, untouched.
        if urlsplit(r.url).hostname == common.HOST:
            return common._super_send(s, r, **kw)
        return super()._request_handler(s, r, **kw)


# ----------------------------------------------------------------------
# The chain
# ----------------------------------------------------------------------
class CallflowCase:
    """Asserts in the words of the ledger and the dialer."""

    def save_settings(self, **values):
        """Save ``values`` in Settings, as the Save button does."""
        settings = self.env["res.config.settings"].create(values)
        settings.execute()
        return settings

    def _blocks(self, number, channel, purpose):
        return self.env["callflow.preference.state"]._check_numbers(
            [number], channel, purpose
        )

    def assertBlocked(self, number, channel="call", purpose=None, reason=None):
        """The ledger refuses ``number`` on ``channel`` (for ``purpose``;
        with ``reason``, that code: ``dnc``, ``opt_out``…)."""
        blocks = self._blocks(number, channel, purpose)
        self.assertIn(number, blocks, f"{number} may still be contacted ({channel})")
        if reason:
            self.assertEqual(blocks[number], reason)

    def assertNotBlocked(self, number, channel="call", purpose=None):
        """The ledger lets ``number`` be contacted on ``channel``."""
        blocks = self._blocks(number, channel, purpose)
        self.assertNotIn(number, blocks, f"{number} is blocked ({channel})")

    def assertEntryState(self, entry, state, reason=None):
        """The call list entry is in ``state`` (and its reason contains
        ``reason``)."""
        entry.invalidate_recordset(["state", "state_reason"])
        self.assertEqual(entry.state, state, f"state of {entry.display_name}")
        if reason is not None:
            self.assertIn(reason, entry.state_reason or "")


class CallflowCommon(CallflowCase):
    """Fixtures of the directory and the dialer."""

    # --- the public directory ------------------------------------------
    @classmethod
    def setup_directory_company(cls):
        """A Japanese company with no other numbers than the ones each test
        creates."""
        cls.company = cls.env.ref("base.main_company")
        cls.company.write(
            {
                "name": "コールフロー株式会社",
                "country_id": cls.env.ref("base.jp").id,
                "callflow_phonetic_name": "コールフローカブシキガイシャ",
            }
        )
        cls.Number = cls.env["callflow.caller.number"]
        cls.Directory = cls.env["callflow.directory"]
        # Start from an empty directory: demo numbers would blur the counts.
        cls.Number.with_context(active_test=False).search([]).unlink()

    @classmethod
    def create_number(cls, number, name="Sales desk", **vals):
        return cls.Number.create(
            dict(
                {"name": name, "number": number, "company_id": cls.company.id},
                **vals,
            )
        )

    # --- the dialer ------------------------------------------------------
    @classmethod
    def setup_dialer(cls):
        """A Japanese company with the caps on, a published caller number,
        two operators and a manager; no other list hands out entries."""
        cls.company = cls.env.ref("base.main_company")
        cls.company.write(
            {
                "country_id": cls.env.ref("base.jp").id,
                "callflow_cap_enabled": True,
                "callflow_cap_calls_per_day": 2,
                "callflow_cap_gap_hours": 4.0,
            }
        )
        cls.company.partner_id.tz = "Asia/Tokyo"
        cls.caller_number = cls.env["callflow.caller.number"].create(
            {
                "name": "Tokyo sales desk",
                "number": "03-6000-0001",
                "purpose": "sales",
                "is_published": True,
                "company_id": cls.company.id,
            }
        )
        groups = "base.group_user,callflow_odoo.group_callflow_operator"
        cls.operator = new_test_user(cls.env, "cf_op1", groups=groups, name="Op One")
        cls.operator2 = new_test_user(cls.env, "cf_op2", groups=groups, name="Op Two")
        cls.manager = new_test_user(
            cls.env,
            "cf_manager",
            groups="base.group_user,callflow_odoo.group_callflow_manager",
            name="Manager",
        )
        cls.Entry = cls.env["callflow.list.entry"]
        # Other tests' or demo lists must not hand out entries here.
        cls.env["callflow.list"].search([]).write({"state": "done"})

    @classmethod
    def make_list(cls, name="Autumn campaign", **vals):
        values = {
            "name": name,
            "purpose": "sales",
            "caller_number_id": cls.caller_number.id,
            "user_ids": [(6, 0, [cls.operator.id, cls.operator2.id])],
            "company_id": cls.company.id,
            "window_from": 0.0,
            "window_to": 24.0,
            "window_sat": True,
            "window_sun": True,
            "min_gap_hours": 0.0,
        }
        values.update(vals)
        call_list = cls.env["callflow.list"].create(values)
        call_list.action_start()
        return call_list

    @classmethod
    def make_entry(cls, call_list, number, **vals):
        return cls.Entry.create(
            dict(
                {
                    "list_id": call_list.id,
                    "number": number,
                    "name": number,
                    "tz": "Asia/Tokyo",
                },
                **vals,
            )
        )

    def pick(self, user=None, lists=None):
        env = self.env(user=user or self.operator)
        return env["callflow.dialer"]._pick_next(lists.ids if lists else None)

    # --- a running list of two leads --------------------------------------
    @classmethod
    def setup_lead_list(cls):
        """A running list of two leads, callable now (any day, any hour),
        and the call results by name."""
        env = cls.env
        cls.company = env.company
        cls.company.country_id = env.ref("base.jp")
        cls.company.callflow_cap_enabled = False
        operator_group = env.ref("callflow_odoo.group_callflow_operator")
        cls.operator = env["res.users"].create(
            {
                "name": "Oda Operator",
                "login": "cf_dialer_operator",
                "password": "cf_dialer_operator",
                "email": "oda@example.com",
                "tz": "Asia/Tokyo",
                "groups_id": [(6, 0, [operator_group.id])],
            }
        )
        cls.other_operator = env["res.users"].create(
            {
                "name": "Other Operator",
                "login": "cf_dialer_other",
                "groups_id": [(6, 0, [operator_group.id])],
            }
        )
        cls.caller = env["callflow.caller.number"].create(
            {
                "name": "Tokyo test desk",
                "number": "03-3999-0001",
                "is_published": True,
                "purpose": "sales",
            }
        )
        cls.partner = env["res.partner"].create(
            {"name": "Hanako Yamada", "phone": "090-1111-0001", "tz": "Asia/Tokyo"}
        )
        cls.lead = env["crm.lead"].create(
            {
                "name": "Yamada – office chairs",
                "type": "lead",
                "partner_id": cls.partner.id,
                "phone": "090-1111-0001",
                "country_id": env.ref("base.jp").id,
            }
        )
        cls.lead2 = env["crm.lead"].create(
            {
                "name": "Sato – desks",
                "type": "lead",
                "contact_name": "Jiro Sato",
                "phone": "090-1111-0002",
                "country_id": env.ref("base.jp").id,
            }
        )
        cls.call_list = env["callflow.list"].create(
            dict(
                EVERY_DAY,
                name="Chairs campaign",
                purpose="sales",
                caller_number_id=cls.caller.id,
                user_ids=[(6, 0, [cls.operator.id, cls.other_operator.id])],
                source_model="crm.lead",
                source_domain=f"[('id', 'in', {[cls.lead.id, cls.lead2.id]})]",
                window_from=0.0,
                window_to=24.0,
                max_attempts=3,
                min_gap_hours=0.0,
            )
        )
        cls.call_list._build_entries()
        cls.call_list.action_start()
        cls.result = {
            name: env.ref(f"callflow_odoo.call_result_{name}")
            for name in (
                "no_answer",
                "callback",
                "refused",
                "dnc",
                "obsolete",
                "interested",
                "meeting",
            )
        }
