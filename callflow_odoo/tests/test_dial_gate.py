from datetime import datetime, timedelta

from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import HttpCase, TransactionCase, new_test_user, tagged

from .common import MOBILE, TOKYO, CallflowCommon, record_hours, record_opt_out

# Wednesday 25 Nov 2026, 03:00 UTC = 12:00 in Tokyo
NOON_TOKYO = datetime(2026, 11, 25, 3, 0)
PROVIDER_PARAM = "callflow_odoo.voice_provider"


class DialGateCase(CallflowCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_dialer()
        cls.list = cls.make_list()
        cls.entry = cls.make_entry(cls.list, MOBILE)
        cls.Gate = cls.env["callflow.dial.gate"]

    def check(self, number=MOBILE, user=None, caller=None, entry=None, **kwargs):
        user = user or self.operator
        gate = self.Gate.with_user(user)
        if entry is not None:
            entry = entry.with_user(user)
        return gate._check(
            number,
            user=user,
            caller_number=caller if caller is not None else self.caller_number,
            entry=entry,
            **kwargs,
        )

    def assertAllowed(self, decision):
        self.assertTrue(decision.allowed, decision.message)
        self.assertEqual(decision.code, "allowed")

    def assertRefused(self, decision, code, *words):
        """Refused with ``code`` and a message for the operator that
        contains each of ``words``."""
        self.assertFalse(decision.allowed, f"allowed, expected {code}")
        self.assertEqual(decision.code, code, decision.message)
        self.assertTrue(decision.message)
        for word in words:
            self.assertIn(word, decision.message)

    def opt_out(self, number=MOBILE, **vals):
        return record_opt_out(self.env, number, **vals)


@tagged("post_install", "-at_install")
class TestDialGate(DialGateCase, TransactionCase):
    def test_allowed_from_the_lists_number(self):
        """A clean number inside every rule: the call may go, from the
        dialer (by default from the list's number) and outside it."""
        self.assertAllowed(self.check(entry=self.entry, caller=False))
        self.assertAllowed(self.check(entry=self.entry))
        self.company.callflow_cap_enabled = False
        with freeze_time(NOON_TOKYO):
            self.assertAllowed(self.check(purpose="sales"))
        self.caller_number.is_published = False
        self.assertRefused(self.check(entry=self.entry, caller=False), "caller_id")

    def test_invalid_number(self):
        decision = self.check("n/a", entry=self.entry)
        self.assertRefused(decision, "invalid_number", "n/a", "cannot be dialled")
        self.assertRefused(self.check(""), "invalid_number")

    def test_opt_out_just_before_the_call_refuses(self):
        """Allowed when the operator pressed Call; an opt-out recorded since
        stops the person's leg (the gate's second run)."""
        self.assertAllowed(self.check(entry=self.entry))
        self.opt_out()
        self.assertRefused(self.check(entry=self.entry), "ledger", MOBILE, "Opted out")
        self.assertRefused(self.check(), "ledger", "Opted out")

    def test_ledger_purpose_is_the_lists(self):
        """A refusal of surveys does not stop a sales list, and does stop a
        survey list; without a list, the purpose given."""
        self.opt_out(scope="purpose", purpose="survey", action="refusal")
        self.assertAllowed(self.check(entry=self.entry))
        survey = self.make_list("Survey", purpose="survey")
        survey_entry = self.make_entry(survey, MOBILE)
        self.assertRefused(
            self.check(entry=survey_entry), "ledger", "Refused (do not solicit again)"
        )
        self.company.callflow_cap_enabled = False
        with freeze_time(NOON_TOKYO):
            self.assertRefused(self.check(purpose="survey"), "ledger")
            self.assertAllowed(self.check(purpose="sales"))

    def test_cap_reached_on_another_list_refuses(self):
        """Calls from list A count in the company caps of list B."""
        other = self.make_list("Other list")
        other_entry = self.make_entry(other, MOBILE)
        t0 = datetime(2026, 11, 25, 0, 0)  # 09:00 in Tokyo
        with freeze_time(t0):
            other_entry._register_attempt(outcome="no_answer")
        with freeze_time(t0 + timedelta(hours=1)):
            self.assertRefused(
                self.check(entry=self.entry), "cap_gap", "4 hours", "minimum gap"
            )
        with freeze_time(t0 + timedelta(hours=5)):
            self.assertAllowed(self.check(entry=self.entry))
            other_entry._register_attempt(outcome="no_answer")
        with freeze_time(t0 + timedelta(hours=10)):  # 19:00 in Tokyo
            self.assertRefused(
                self.check(entry=self.entry), "cap_daily", "2 times today"
            )
            self.assertRefused(self.check(purpose="sales"), "cap_daily")
        with freeze_time(t0 + timedelta(hours=15, minutes=30)):  # next day
            self.assertAllowed(self.check(entry=self.entry))

    def test_list_gap(self):
        self.list.min_gap_hours = 4
        hour_ago = fields.Datetime.now() - timedelta(hours=1)
        self.entry.write({"attempt_count": 1, "last_attempt": hour_ago})
        self.assertRefused(
            self.check(entry=self.entry), "list_gap", "4 hours", "list's minimum gap"
        )
        self.entry.last_attempt = fields.Datetime.now() - timedelta(hours=5)
        self.assertAllowed(self.check(entry=self.entry))

    def test_calling_window_in_the_persons_time(self):
        """Wednesday noon in Tokyo: a list calling every day but Wednesday
        refuses; without a list, the default window (Monday to Friday,
        9:00-20:00) applies in the number's time zone."""
        self.list.window_days = "124567"
        with freeze_time(NOON_TOKYO):
            self.assertRefused(
                self.check(entry=self.entry), "window", "Asia/Tokyo", "Thu–Sun"
            )
            self.list.window_days = "1234567"
            self.assertAllowed(self.check(entry=self.entry))
        self.company.callflow_cap_enabled = False
        with freeze_time(NOON_TOKYO):
            self.assertAllowed(self.check(TOKYO))
        # Saturday 09:30 in Tokyo, Friday 19:30 in New York
        with freeze_time(datetime(2026, 11, 28, 0, 30)):
            self.assertRefused(self.check(TOKYO), "window", "Mon–Fri 09:00–20:00")
            self.assertAllowed(self.check(TOKYO, tz="America/New_York"))

    def test_preferred_hours(self):
        record_hours(self.env, MOBILE)
        with freeze_time(datetime(2026, 11, 25, 0, 59)):  # 09:59 in Tokyo
            self.assertRefused(
                self.check(entry=self.entry), "hours", "Mon–Fri 10:00–12:00"
            )
        with freeze_time(datetime(2026, 11, 25, 1, 0)):  # 10:00 in Tokyo
            self.assertAllowed(self.check(entry=self.entry))

    def test_hold_by_another_operator_refuses(self):
        """Op Two holds the number on another list: Op One may not ring the
        person, from the dialer or the phone widget; the operator holding
        the entry may."""
        other = self.make_list("Other list")
        other_entry = self.make_entry(other, MOBILE)
        frozen = freeze_time(NOON_TOKYO)
        frozen.start()
        self.addCleanup(frozen.stop)
        self.assertEqual(self.pick(self.operator2, other), other_entry)
        self.assertRefused(
            self.check(entry=self.entry), "held", "Op Two is calling", MOBILE
        )
        self.assertRefused(self.check(), "held", "Op Two")
        decision = self.check(entry=other_entry, user=self.operator2)
        self.assertAllowed(decision)
        self.assertAllowed(self.check(user=self.operator2, purpose="sales"))
        # the entry itself held by another operator
        other_entry._release()
        self.assertEqual(self.pick(self.operator2, self.list), self.entry)
        self.assertRefused(self.check(entry=self.entry), "held", "Op Two")


@tagged("post_install", "-at_install")
class TestDialGateCallerId(DialGateCase, TransactionCase):
    """The caller ID is never a number that is not published, not in
    service or not the user's."""

    def test_unpublished_number(self):
        self.caller_number.is_published = False
        self.assertRefused(
            self.check(entry=self.entry), "caller_id", "may not call from"
        )

    def test_retired_or_not_yet_in_service(self):
        # The operator's day (Tokyo), whatever the day is in UTC.
        today = fields.Date.context_today(self.caller_number.with_user(self.operator))
        self.caller_number.date_end = today
        self.assertRefused(self.check(entry=self.entry), "caller_id")
        self.caller_number.date_end = today + timedelta(days=1)
        self.assertAllowed(self.check(entry=self.entry))
        self.caller_number.write({"date_start": today + timedelta(days=1)})
        self.assertRefused(self.check(entry=self.entry), "caller_id")

    def test_archived_or_another_companys_number(self):
        other = self.env["res.company"].create({"name": "Other company"})
        foreign = self.env["callflow.caller.number"].create(
            {"name": "Other desk", "number": "+81360000999", "company_id": other.id}
        )
        self.assertRefused(self.check(entry=self.entry, caller=foreign), "caller_id")
        self.caller_number.active = False
        self.assertRefused(self.check(entry=self.entry), "caller_id")

    def test_number_reserved_to_other_users(self):
        """A number that names its users is theirs only; one naming nobody
        is anybody's in the company."""
        self.caller_number.user_ids = self.operator2
        self.assertRefused(
            self.check(entry=self.entry), "caller_id", "Op One may not call from"
        )
        self.assertAllowed(self.check(entry=self.entry, user=self.operator2))
        self.caller_number.user_ids = self.operator | self.operator2
        self.assertAllowed(self.check(entry=self.entry))

    def test_no_caller_number(self):
        self.list.caller_number_id = False
        self.assertRefused(
            self.check(entry=self.entry, caller=False), "caller_id", "preferences"
        )


@tagged("post_install", "-at_install")
class TestClickToCall(DialGateCase, TransactionCase):
    """The phone widget's click: the RPC of the dial gate."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.callflow_cap_enabled = False
        cls.operator.callflow_default_caller_number_id = cls.caller_number
        cls.env["ir.config_parameter"].set_param(PROVIDER_PARAM, "manual")
        cls.partner = cls.env["res.partner"].create(
            {"name": "Hanako Yamada", "phone": "090-1234-5678", "tz": "Asia/Tokyo"}
        )

    def click(self, record, number=None, user=None):
        return (
            self.env["callflow.dial.gate"]
            .with_user(user or self.operator)
            .action_click_to_call(record._name, record.id, number or record.phone)
        )

    def test_clean_number_allowed(self):
        with freeze_time(NOON_TOKYO):
            answer = self.click(self.partner)
        self.assertEqual(answer, {"allowed": True, "placed": False, "number": MOBILE})

    def test_opted_out_number_refused(self):
        self.opt_out()
        with freeze_time(NOON_TOKYO):
            answer = self.click(self.partner)
        self.assertFalse(answer["allowed"])
        self.assertEqual(answer["code"], "ledger")
        self.assertIn("Opted out", answer["message"])

    def test_outside_the_persons_hours(self):
        """The contact's time zone: Wednesday 12:00 in Tokyo is Tuesday
        22:00 in New York, outside the default window."""
        self.partner.tz = "America/New_York"
        with freeze_time(NOON_TOKYO):
            answer = self.click(self.partner)
        self.assertEqual(answer["code"], "window")
        self.assertIn("America/New_York", answer["message"])

    def test_without_a_default_number(self):
        self.operator.callflow_default_caller_number_id = False
        with freeze_time(NOON_TOKYO):
            answer = self.click(self.partner)
        self.assertEqual(answer["code"], "caller_id")
        self.assertIn("preferences", answer["message"])

    def test_record_the_user_cannot_read(self):
        other = self.env["res.company"].create({"name": "Other company"})
        hidden = self.env["res.partner"].create(
            {"name": "Hidden", "phone": "090-1234-0000", "company_id": other.id}
        )
        with self.assertRaises(AccessError):
            self.click(hidden)

    def test_default_number_must_be_usable(self):
        """The preference accepts only a published number the user may use;
        the user sets it themselves."""
        reserved = self.env["callflow.caller.number"].create(
            {
                "name": "Reserved desk",
                "number": "+81360000777",
                "company_id": self.company.id,
                "user_ids": [(6, 0, self.operator2.ids)],
            }
        )
        with self.assertRaises(ValidationError):
            self.operator.callflow_default_caller_number_id = reserved
        unpublished = self.env["callflow.caller.number"].create(
            {"name": "Hidden desk", "number": "+81360000778", "is_published": False}
        )
        with self.assertRaises(ValidationError):
            self.operator.callflow_default_caller_number_id = unpublished
        mine = self.env["callflow.caller.number"].create(
            {"name": "My desk", "number": "+81360000779"}
        )
        self.operator.with_user(self.operator).write(
            {"callflow_default_caller_number_id": mine.id}
        )
        self.assertEqual(self.operator.callflow_default_caller_number_id, mine)


@tagged("post_install", "-at_install")
class TestClickToCallTour(DialGateCase, HttpCase):
    def test_click_on_an_opted_out_number_in_the_browser(self):
        """With a voice provider set, the phone link of a contact goes
        through the gate: the opted-out person is not called."""
        self.env["ir.config_parameter"].set_param(PROVIDER_PARAM, "twilio")
        user = new_test_user(
            self.env,
            "cf_gate_tour",
            groups="base.group_user,callflow_odoo.group_callflow_operator",
            name="Tour Operator",
        )
        user.callflow_default_caller_number_id = self.caller_number
        partner = self.env["res.partner"].create(
            {"name": "Hanako Yamada", "phone": "090-1234-5678"}
        )
        self.opt_out()
        self.start_tour(
            f"/odoo/res.partner/{partner.id}",
            "callflow_click_to_call_tour",
            login="cf_gate_tour",
        )
