from datetime import datetime, timedelta

from freezegun import freeze_time

from odoo.tests import TransactionCase, tagged

from .common import MOBILE, NEW_YORK, TOKYO, CallflowCommon, record_hours

# Wednesday 25 Nov 2026, 03:00 UTC = 12:00 in Tokyo, 22:00 (Tue) in New York
NOON_TOKYO = datetime(2026, 11, 25, 3, 0)


@tagged("post_install", "-at_install")
class TestDialerEligibility(CallflowCommon, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_dialer()
        cls.list = cls.make_list()
        cls.company.callflow_cap_enabled = False  # each rule alone first

    def test_list_must_be_running(self):
        entry = self.make_entry(self.list, MOBILE)
        self.list.action_pause()
        self.assertFalse(self.pick())
        self.list.action_start()
        self.assertEqual(self.pick(), entry)

    def test_pick_holds_the_entry(self):
        entry = self.make_entry(self.list, MOBILE)
        picked = self.pick()
        self.assertEqual(picked, entry)
        self.assertEntryState(entry, "in_call")
        self.assertEqual(entry.held_by_id, self.operator)
        self.assertTrue(entry.held_since)
        self.assertEqual(self.pick(), entry, "a reloaded screen keeps its call")
        self.assertFalse(self.pick(self.operator2), "nobody else gets a held entry")

    def test_only_assigned_operators_pick(self):
        self.make_entry(self.list, MOBILE)
        self.assertFalse(self.pick(self.manager), "manager is not on the list")

    def test_max_attempts(self):
        self.make_entry(self.list, MOBILE, attempt_count=3)
        self.assertFalse(self.pick())
        self.list.max_attempts = 4
        self.assertTrue(self.pick())

    @freeze_time(NOON_TOKYO)
    def test_list_gap_between_attempts(self):
        self.list.min_gap_hours = 4
        entry = self.make_entry(
            self.list,
            MOBILE,
            attempt_count=1,
            last_attempt=NOON_TOKYO - timedelta(hours=3),
        )
        self.assertFalse(self.pick())
        entry.last_attempt = NOON_TOKYO - timedelta(hours=5)
        self.assertEqual(self.pick(), entry)

    @freeze_time(NOON_TOKYO)
    def test_callback_waits_for_its_time(self):
        entry = self.make_entry(
            self.list,
            MOBILE,
            state="callback_due",
            next_attempt=NOON_TOKYO + timedelta(minutes=30),
            operator_id=self.operator.id,
        )
        self.assertFalse(self.pick())
        entry.next_attempt = NOON_TOKYO - timedelta(minutes=1)
        self.assertFalse(self.pick(self.operator2), "promised by operator 1")
        self.assertEqual(self.pick(), entry)

    def test_callback_goes_to_others_after_grace(self):
        entry = self.make_entry(
            self.list,
            MOBILE,
            state="callback_due",
            next_attempt=datetime.now() - timedelta(hours=2),
            operator_id=self.operator.id,
        )
        self.assertEqual(self.pick(self.operator2), entry)

    def test_window_in_recipient_time_zone(self):
        """09:00-20:00 local: noon in Tokyo is 22:00 the day before in New York."""
        self.list.write({"window_from": 9.0, "window_to": 20.0})
        tokyo = self.make_entry(self.list, TOKYO, tz="Asia/Tokyo")
        new_york = self.make_entry(self.list, NEW_YORK, tz="America/New_York")
        with freeze_time(NOON_TOKYO):
            self.assertEqual(self.pick(), tokyo)
            self.assertFalse(self.pick(self.operator2), "22:00 in New York")
        tokyo._release()
        # 14:00 UTC = 23:00 Tokyo (outside) and 09:00 New York (inside)
        with freeze_time(datetime(2026, 11, 25, 14, 0)):
            self.assertEqual(self.pick(), new_york)
            self.assertFalse(self.pick(self.operator2))
        new_york._release()
        new_york.state = "done"
        # both edges: 08:59 Tokyo is outside, 09:00 is inside, 20:00 outside
        with freeze_time(datetime(2026, 11, 24, 23, 59)):
            self.assertFalse(self.pick(self.operator2))
        with freeze_time(datetime(2026, 11, 25, 0, 0)):
            self.assertEqual(self.pick(self.operator2), tokyo)
        tokyo._release()
        with freeze_time(datetime(2026, 11, 25, 11, 0)):
            self.assertFalse(self.pick(self.operator2), "20:00 in Tokyo")

    def test_weekdays_in_recipient_time_zone(self):
        """Friday 20:00 UTC is already Saturday in Tokyo, still Friday in NY."""
        self.list.write({"window_sat": False, "window_sun": False})
        self.make_entry(self.list, TOKYO, tz="Asia/Tokyo")
        new_york = self.make_entry(self.list, NEW_YORK, tz="America/New_York")
        with freeze_time(datetime(2026, 11, 27, 20, 0)):
            self.assertEqual(self.pick(), new_york)
            self.assertFalse(self.pick(self.operator2), "Saturday in Tokyo")

    def test_ledger_blocks_at_pick_time(self):
        """A refusal recorded after the list was built suppresses the entry."""
        entry = self.make_entry(self.list, MOBILE)
        self.env["callflow.preference.event"]._record(
            [
                {
                    "number": MOBILE,
                    "channel": "call",
                    "scope": "purpose",
                    "purpose": "sales",
                    "action": "refusal",
                    "source": "operator",
                }
            ]
        )
        survey = self.make_list("Survey", purpose="survey")
        other = self.make_entry(survey, MOBILE)
        self.assertEqual(self.pick(lists=self.list | survey), other, "survey allowed")
        self.assertEntryState(entry, "suppressed")
        self.assertEqual(entry.state_reason, "Refused (do not solicit again)")

    def test_preferred_hours_from_the_ledger(self):
        """ "Only at certain times" (weekdays 10:00-12:00, the person's time)
        keeps the entry back outside those hours without suppressing it."""
        entry = self.make_entry(self.list, MOBILE, tz="Asia/Tokyo")
        record_hours(self.env, MOBILE)
        wed = datetime(2026, 11, 25)  # a Wednesday; Tokyo is UTC+9
        with freeze_time(wed.replace(hour=0, minute=59)):  # 09:59 in Tokyo
            self.assertFalse(self.pick())
            self.assertIn("asked to be called", entry.blocked_reason)
            self.assertEqual(entry.state, "pending", "kept, not suppressed")
        with freeze_time(wed.replace(hour=1, minute=0)):  # 10:00 in Tokyo
            self.assertEqual(self.pick(), entry)
        entry._release()
        with freeze_time(wed.replace(hour=3, minute=0)):  # 12:00 in Tokyo
            self.assertFalse(self.pick())
        with freeze_time(datetime(2026, 11, 28, 1, 30)):  # Saturday 10:30
            self.assertFalse(self.pick())
        # A later preferred-hours event without days lifts the restriction.
        self.env["callflow.preference.event"]._record(
            [{"number": MOBILE, "action": "hours", "source": "web"}]
        )
        with freeze_time(datetime(2026, 11, 28, 1, 30)):
            self.assertEqual(self.pick(), entry)

    def test_ordering(self):
        """Own due callbacks first, then priority, fewest attempts, oldest."""
        old = self.make_entry(self.list, "+819011110001")
        newer = self.make_entry(self.list, "+819011110002")
        tried = self.make_entry(self.list, "+819011110003", attempt_count=1)
        urgent = self.make_entry(self.list, "+819011110004", priority="2")
        callback = self.make_entry(
            self.list,
            "+819011110005",
            priority="0",
            attempt_count=2,
            state="callback_due",
            next_attempt=datetime.now() - timedelta(minutes=5),
            operator_id=self.operator.id,
        )
        order = []
        for _i in range(5):
            entry = self.pick()
            order.append(entry)
            entry._release()
            # (test set-up: operators cannot close an entry by hand)
            entry.sudo().state = "done"
        self.assertEqual(order, [callback, urgent, old, newer, tried])

    def test_skipped_entry_waits_behind_the_others(self):
        first = self.make_entry(self.list, "+819011110001")
        second = self.make_entry(self.list, "+819011110002")
        self.assertEqual(self.pick(), first)
        first._release(skip=True)
        self.assertTrue(first.skipped_at)
        self.assertEqual(self.pick(), second, "the skipped entry is not next")
        second._release()
        self.assertEqual(self.pick(self.operator2), second, "nor for others")
        second._register_attempt(outcome="no_answer")
        second.state = "done"
        self.assertEqual(self.pick(), first, "back when nothing else is left")
        first._register_attempt(outcome="no_answer")
        self.assertFalse(first.skipped_at, "a logged attempt ends the skip")

    def test_skipped_callback_waits_too(self):
        callback = self.make_entry(
            self.list,
            "+819011110001",
            state="callback_due",
            next_attempt=datetime.now() - timedelta(minutes=5),
            operator_id=self.operator.id,
        )
        other = self.make_entry(self.list, "+819011110002")
        self.assertEqual(self.pick(), callback)
        callback._release(skip=True)
        self.assertEntryState(callback, "callback_due")
        self.assertEqual(self.pick(), other)

    def test_most_entries_outside_their_window(self):
        """Only the time zones whose window is open are walked: an entry
        behind hundreds of New York entries at night there is still found,
        and one without a time zone counts as UTC."""
        self.list.write({"window_from": 9.0, "window_to": 20.0})
        self.Entry.create(
            [
                {
                    "list_id": self.list.id,
                    "number": f"+1212555{index:04d}",
                    "tz": "America/New_York",
                    "priority": "1",
                }
                for index in range(300)
            ]
        )
        tokyo = self.make_entry(self.list, TOKYO, tz="Asia/Tokyo")
        utc = self.make_entry(self.list, "+442071234567", tz=False)
        with freeze_time(NOON_TOKYO):  # 03:00 UTC, 22:00 in New York
            zones = self.env["callflow.dialer"]._open_zones(self.list, datetime.now())
            self.assertEqual(zones, [(self.list.id, "Asia/Tokyo")])
            self.assertEqual(self.pick(), tokyo)
            self.assertFalse(self.pick(self.operator2))
        with freeze_time(datetime(2026, 11, 25, 11, 0)):  # 20:00 Tokyo, 06:00 NY
            self.assertEqual(self.pick(self.operator2), utc)

    def test_stale_hold_is_released(self):
        entry = self.make_entry(self.list, MOBILE)
        self.assertEqual(self.pick(), entry)
        self.assertFalse(self.pick(self.operator2))
        with freeze_time(datetime.now() + timedelta(minutes=16)):
            self.assertEqual(self.pick(self.operator2), entry, "stale hold ignored")
            self.assertEqual(entry.held_by_id, self.operator2)
            self.env["ir.config_parameter"].set_param(
                "callflow_odoo.hold_timeout_minutes", "30"
            )
            self.Entry._cron_release_stale_holds()
            self.assertEqual(entry.state, "in_call", "fresh hold kept")
        with freeze_time(datetime.now() + timedelta(minutes=47)):
            self.Entry._cron_release_stale_holds()
            self.assertEntryState(entry, "pending")
            self.assertFalse(entry.held_by_id)

    def test_register_attempt_moves_entry(self):
        results = {
            key: self.env.ref(f"callflow_odoo.call_result_{key}")
            for key in ("no_answer", "callback", "refused", "interested")
        }
        self.list.max_attempts = 2
        a, b, c = (self.make_entry(self.list, f"+81901111000{i}") for i in range(3))
        a._register_attempt(result=results["no_answer"], outcome="no_answer")
        self.assertEqual((a.state, a.attempt_count), ("pending", 1))
        self.assertEqual(a.last_result_id, results["no_answer"])
        a._register_attempt(result=results["no_answer"], outcome="no_answer")
        self.assertEqual(a.state, "done", "max attempts reached")
        callback_at = datetime(2030, 1, 1, 1, 0)
        b = b.with_user(self.operator2)
        b._register_attempt(
            result=results["callback"], outcome="answered", callback_at=callback_at
        )
        self.assertEntryState(b, "callback_due")
        self.assertEqual(b.next_attempt, callback_at)
        self.assertEqual(b.operator_id, self.operator2)
        c._register_attempt(result=results["refused"], outcome="answered")
        self.assertEqual((c.state, c.state_reason), ("done", results["refused"].name))
        attempts = self.env["callflow.number.attempt"].search(
            [("list_id", "=", self.list.id)]
        )
        self.assertEqual(len(attempts), 4)


@tagged("post_install", "-at_install")
class TestDialerCaps(CallflowCommon, TransactionCase):
    """Company caps count every call to a number, from every list."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_dialer()
        cls.list_a = cls.make_list("A")
        cls.list_b = cls.make_list("B")
        cls.entry_a = cls.make_entry(cls.list_a, MOBILE)
        cls.entry_b = cls.make_entry(cls.list_b, MOBILE)

    def _call(self, lists, at):
        with freeze_time(at):
            entry = self.pick(lists=lists)
            self.assertTrue(entry)
            entry._register_attempt(outcome="no_answer")
            return entry

    def test_caps_across_two_lists(self):
        t0 = datetime(2026, 11, 25, 0, 0)  # 09:00 in Tokyo
        self.assertEqual(self._call(self.list_a, t0), self.entry_a)
        with freeze_time(t0 + timedelta(hours=1)):
            self.assertFalse(self.pick(lists=self.list_b), "4 h gap across lists")
            self.assertIn(
                "minimum gap", self.entry_b.blocked_reason, "managers see why"
            )
            blocked = self.Entry.search([("blocked_reason", "=", "company_cap")])
            self.assertIn(self.entry_b, blocked)
        self.assertEqual(self._call(self.list_b, t0 + timedelta(hours=5)), self.entry_b)
        with freeze_time(t0 + timedelta(hours=10)):  # 19:00 Tokyo, same day
            self.assertFalse(self.pick(lists=self.list_a), "2 calls today")
            self.assertIn("calls per day", self.entry_a.blocked_reason)
            self.company.callflow_cap_enabled = False
            self.assertEqual(self.pick(lists=self.list_a), self.entry_a, "caps off")
            self.entry_a._release()
            self.company.callflow_cap_enabled = True
        with freeze_time(t0 + timedelta(hours=15, minutes=30)):  # 00:30 next day
            self.assertEqual(self.pick(lists=self.list_a), self.entry_a)

    def test_number_held_on_another_list_is_not_given(self):
        """An operator on list A holds the person: list B's operator does
        not ring them too, even with the caps off, and even once the hold
        is past its timeout, until it is given back."""
        self.company.callflow_cap_enabled = False
        self.assertEqual(self.pick(lists=self.list_a), self.entry_a)
        self.assertFalse(self.pick(self.operator2, self.list_b))
        self.assertIn("another list", self.entry_b.blocked_reason, "managers see why")
        with freeze_time(datetime.now() + timedelta(minutes=20)):
            self.assertFalse(
                self.pick(self.operator2, self.list_b), "maybe on the phone"
            )
            self.Entry._cron_release_stale_holds()
            self.assertEqual(self.pick(self.operator2, self.list_b), self.entry_b)
        self.assertFalse(self.pick(lists=self.list_a), "now held on list B")
        self.entry_b._release()
        self.assertEqual(self.pick(lists=self.list_a), self.entry_a)

    def test_caps_count_holds(self):
        """A call in progress counts in the company caps like a logged one."""
        self.company.callflow_cap_calls_per_day = 1
        t0 = datetime(2026, 11, 25, 0, 0)  # 09:00 in Tokyo
        with freeze_time(t0):
            self.assertEqual(self.pick(lists=self.list_a), self.entry_a)
        with freeze_time(t0 + timedelta(minutes=5)):
            reason = self.entry_b.blocked_reason
            self.assertIn("calls per day", reason)
            self.assertIn("minimum gap", reason)
            blocked = self.Entry.search([("blocked_reason", "=", "company_cap")])
            self.assertIn(self.entry_b, blocked)
            self.entry_a._release()
            self.entry_b.invalidate_recordset(["blocked_reason"])
            self.assertFalse(self.entry_b.blocked_reason, "given back uncalled")

    def test_all_rules_together(self):
        """Gap, window and ledger combined: only the entry passing all is given."""
        self.list_a.write({"window_from": 9.0, "window_to": 20.0, "min_gap_hours": 2})
        t0 = datetime(2026, 11, 25, 1, 0)  # 10:00 in Tokyo
        late = self.make_entry(self.list_a, NEW_YORK, tz="America/New_York")
        gap = self.make_entry(
            self.list_a, TOKYO, attempt_count=1, last_attempt=t0 - timedelta(hours=1)
        )
        refused = self.make_entry(self.list_a, "+819099990000")
        self.env["callflow.preference.event"]._record(
            [
                {
                    "number": "+819099990000",
                    "channel": "call",
                    "scope": "all",
                    "action": "dnc",
                    "source": "operator",
                }
            ]
        )
        self.assertEqual(self._call(self.list_a, t0), self.entry_a)
        with freeze_time(t0 + timedelta(minutes=1)):
            self.assertFalse(self.pick(lists=self.list_a))
        self.assertEntryState(refused, "suppressed")
        self.assertEntryState(late, "pending")
        self.assertEntryState(gap, "pending")
        with freeze_time(t0 + timedelta(hours=2)):
            self.assertEqual(self.pick(lists=self.list_a), gap)
