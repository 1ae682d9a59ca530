from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import TransactionCase, new_test_user, tagged

MOBILE = "+819012345678"
OTHER = "+819087654321"


@tagged("post_install", "-at_install")
class TestPreferenceLedger(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Event = cls.env["callflow.preference.event"]
        cls.State = cls.env["callflow.preference.state"]
        cls.now = fields.Datetime.now()

    def _record(self, action, minutes=0, number=MOBILE, **vals):
        vals.setdefault("source", "operator")
        return self.Event._record(
            [
                dict(
                    vals,
                    number=number,
                    action=action,
                    event_date=self.now + timedelta(minutes=minutes),
                )
            ]
        )

    def _blocked(self, channel="call", purpose="sales", number=MOBILE):
        return self.State._check_numbers([number], channel, purpose).get(number)

    def test_record_normalises_and_blocks_at_once(self):
        """A raw number is normalised and an opt-out blocks calls at once."""
        event = self._record(
            "opt_out", number="＋８１ ９０－１２３４－５６７８", channel="call"
        )
        self.assertEqual(event.number, MOBILE)
        self.assertEqual(event.user_id, self.env.user)
        self.assertEqual(event.state_id.number, MOBILE)
        blocked = self.State._check_numbers([MOBILE, OTHER], "call", "sales")
        self.assertEqual(blocked, {MOBILE: "opt_out"})
        self.assertEqual(self._blocked("sms"), None)
        self.assertEqual(self.State._reason_label("opt_out"), "Opted out")

    def test_invalid_number_is_refused(self):
        with self.assertRaisesRegex(ValidationError, "not a usable phone number"):
            self._record("opt_out", number="hello")
        with self.assertRaisesRegex(ValidationError, "purpose"):
            self._record("refusal", scope="purpose")

    def test_latest_event_wins_whatever_the_recording_order(self):
        """Ordering is by event date, not by when the event was recorded."""
        self._record("opt_in", minutes=10, channel="call", source="link")
        self._record("opt_out", minutes=0, channel="call")
        self.assertEqual(self._blocked(), None, "later opt-in wins")
        self._record("opt_out", minutes=20, channel="call")
        self.assertEqual(self._blocked(), "opt_out", "later opt-out wins")
        state = self.State.search([("number", "=", MOBILE)])
        self.assertEqual(state.event_count, 3)
        self.assertEqual(state.call_status, "Opted out")
        self.assertEqual(state.email_status, "Allowed")

    def test_same_second_keeps_recording_order(self):
        """A web opt-out dated with microseconds (an answer's create date),
        then an SMS START a moment later in the same second: the START is
        the latest and SMS may be sent again; calls stay blocked."""
        second = fields.Datetime.now().replace(microsecond=0)
        self.Event._record(
            {
                "number": MOBILE,
                "channel": "all",
                "action": "opt_out",
                "source": "web",
                "event_date": second.replace(microsecond=700000),
            }
        )
        self.Event._record(
            {
                "number": MOBILE,
                "channel": "sms",
                "action": "opt_in",
                "source": "sms",
                "event_date": second,
            }
        )
        self.assertEqual(self._blocked("sms"), None)
        self.assertEqual(self._blocked("call"), "opt_out")

    def test_refusal_outranks_later_marketing_opt_in(self):
        """After a refusal only the person's own opt-in allows sales calls."""
        self._record("refusal", channel="call", scope="purpose", purpose="sales")
        self.assertEqual(self._blocked(), "refusal")
        self.assertEqual(self._blocked(purpose="payment_reminder"), None)
        # an operator or an import noting a marketing opt-in does not lift it
        self._record("opt_in", minutes=5, channel="all", scope="marketing")
        self._record("opt_in", minutes=6, source="import", scope="marketing")
        self.assertEqual(self._blocked(), "refusal")
        # nor does anyone typing the number on the page without a link
        self._record("opt_in", minutes=7, source="web", scope="marketing")
        self.assertEqual(self._blocked(), "refusal")
        # the person opts back in through their personal link
        self._record("opt_in", minutes=10, source="link", scope="marketing")
        self.assertEqual(self._blocked(), None)
        # and refuses again later
        self._record(
            "refusal", minutes=15, channel="call", scope="purpose", purpose="sales"
        )
        self.assertEqual(self._blocked(), "refusal")

    def test_opt_out_after_refusal_keeps_refusal(self):
        """An operator's opt-in lifts neither a plain opt-out nor a refusal."""
        self._record("refusal", channel="call", scope="purpose", purpose="sales")
        self._record("opt_out", minutes=1, channel="call")
        self._record("opt_in", minutes=2, channel="call")
        self.assertEqual(self._blocked(), "refusal")
        self.assertEqual(self._blocked(purpose="survey"), "opt_out")
        self._record("opt_in", minutes=3, channel="call", source="link")
        self.assertEqual(self._blocked(), None)
        self.assertEqual(self._blocked(purpose="survey"), None)

    def test_dnc_lifted_only_by_the_person(self):
        self._record("dnc", channel="call", scope="purpose", purpose="survey")
        event = self.Event.search([("number", "=", MOBILE)])
        self.assertEqual(event.scope, "all", "do-not-call covers every purpose")
        self.assertEqual(self._blocked(purpose="payment_reminder"), "dnc")
        self.assertEqual(self._blocked("sms"), None, "only calls")
        self._record("opt_in", minutes=1, source="import")
        self.assertEqual(self._blocked(), "dnc")
        self._record("opt_in", minutes=2, source="sms", channel="call")
        self.assertEqual(self._blocked(), None)

    def test_scopes_purposes_and_channels(self):
        self._record("opt_out", channel="all", scope="marketing", source="web")
        for channel in ("call", "sms", "email"):
            self.assertEqual(self._blocked(channel), "opt_out")
            self.assertEqual(self._blocked(channel, "after_sales"), "opt_out")
            self.assertEqual(self._blocked(channel, "payment_reminder"), None)
        self._record("refusal", number=OTHER, scope="purpose", purpose="sales")
        self.assertEqual(self._blocked("call", "sales", OTHER), "refusal")
        self.assertEqual(self._blocked("call", "survey", OTHER), None)
        # unknown purpose: checked conservatively
        self.assertEqual(self._blocked("call", None, OTHER), "refusal")
        # a narrower opt-in by the person after a broad opt-out
        self._record("opt_in", minutes=5, channel="sms", scope="all", source="link")
        self.assertEqual(self._blocked("sms"), None)
        self.assertEqual(self._blocked("call"), "opt_out")

    def test_obsolete_number(self):
        self._record("obsolete", channel="call", reason="Left the company")
        event = self.Event.search([("number", "=", MOBILE)])
        self.assertEqual((event.channel, event.scope), ("all", "all"))
        for channel in ("call", "sms", "email"):
            self.assertEqual(self._blocked(channel, "payment_reminder"), "obsolete")
        self._record("opt_in", minutes=1)
        self.assertEqual(self._blocked(), "obsolete")
        # the strongest reason is reported when several apply
        self._record("opt_out", minutes=2)
        self.assertEqual(self._blocked(), "obsolete")
        self._record("opt_in", minutes=3, source="website_form")
        self.assertEqual(self._blocked(), "obsolete", "anyone can fill a form")
        self._record("opt_in", minutes=4, source="sms_code")
        self.assertEqual(self._blocked(), None)

    def test_blacklist_sync_both_ways(self):
        Blacklist = self.env["phone.blacklist"].with_context(active_test=False)
        self._record("opt_out", channel="call")
        self.assertFalse(Blacklist.search([("number", "=", MOBILE)]))
        self._record("opt_out", minutes=1, channel="sms", source="sms")
        self.assertTrue(Blacklist.search([("number", "=", MOBILE)]).active)
        # the person opts back in to SMS: SMS marketing may text again
        self._record("opt_in", minutes=2, channel="sms", source="link")
        self.assertFalse(Blacklist.search([("number", "=", MOBILE)]).active)
        self.assertEqual(self._blocked("sms"), None)
        # a number blacklisted in Odoo counts as opted out of SMS
        self.env["phone.blacklist"].sudo().create([{"number": OTHER}])
        self.assertEqual(self._blocked("sms", number=OTHER), "blacklist")
        self.assertEqual(self._blocked("call", number=OTHER), None)
        self.assertEqual(self.State._reason_label("blacklist"), "Blacklisted for SMS")

    def test_email_blacklist_follows_the_ledger_both_ways(self):
        """An email opt-out reaches mail.blacklist; only a proven opt-in of
        the number takes it out, and only the entries the ledger made."""
        Blacklist = self.env["mail.blacklist"].with_context(active_test=False)
        self._record("opt_out", channel="all", source="web", email=" Taro@Example.COM ")
        entry = Blacklist.search([("email", "=", "taro@example.com")])
        self.assertTrue(entry.active)
        self.assertEqual(entry.callflow_number, MOBILE)
        self.assertEqual(self._blocked("email"), "opt_out")
        # calls only, or one purpose only: no email blacklist
        self._record("opt_out", channel="call", number=OTHER, email="x@example.com")
        self.assertFalse(Blacklist.search([("email", "=", "x@example.com")]))
        # anyone typing the number, an operator, a form: recorded, lifts nothing
        for minutes, source in enumerate(("web", "website_form", "operator"), 1):
            self._record("opt_in", minutes=minutes, channel="all", source=source)
        self.assertTrue(entry.active)
        self.assertEqual(self._blocked("email"), "opt_out")
        # the person, through their link
        self._record("opt_in", minutes=5, channel="email", source="link")
        self.assertFalse(entry.active)
        self.assertFalse(entry.callflow_number)
        self.assertEqual(self._blocked("email"), None)
        self.assertEqual(self._blocked("call"), "opt_out", "email only")

    def test_email_blacklisted_in_odoo_counts_and_stays(self):
        """An unsubscribe made in Odoo blocks email to the contact's number
        and no opt-in of a number lifts it."""
        partner = self.env["res.partner"].create(
            {"name": "Hanako", "email": "hanako@example.com", "phone": OTHER}
        )
        self._record("hours", number=OTHER, partner_id=partner.id)
        self.assertEqual(self._blocked("email", number=OTHER), None)
        self.env["mail.blacklist"].sudo()._add("Hanako@example.com")
        self.assertEqual(self._blocked("email", number=OTHER), "mail_blacklist")
        self.assertEqual(self._blocked("sms", number=OTHER), None)
        self.assertEqual(
            self.State._reason_label("mail_blacklist"), "Blacklisted for email"
        )
        # someone opts their own number out with her email, then back in
        self._record("opt_out", minutes=1, channel="all", email="hanako@example.com")
        self._record("opt_in", minutes=2, channel="all", source="link")
        entry = self.env["mail.blacklist"].search(
            [("email", "=", "hanako@example.com")]
        )
        self.assertTrue(entry.active, "made in Odoo: only Odoo removes it")
        # the ledger's own entry, confirmed later by a mailing's unsubscribe
        self._record("opt_out", minutes=3, channel="email", email="t@example.com")
        self.env["mail.blacklist"].sudo()._add("t@example.com")
        self._record("opt_in", minutes=4, channel="all", source="sms_code")
        entry = self.env["mail.blacklist"].search([("email", "=", "t@example.com")])
        self.assertTrue(entry.active)
        self.assertFalse(entry.callflow_number)

    def test_email_kept_while_another_number_still_blocks_it(self):
        self._record("opt_out", channel="all", email="shared@example.com")
        self._record(
            "opt_out", number=OTHER, channel="email", email="shared@example.com"
        )
        self._record("opt_in", minutes=1, channel="all", source="link")
        entry = self.env["mail.blacklist"].search(
            [("email", "=", "shared@example.com")]
        )
        self.assertTrue(entry.active, "the other number still opted out")
        self._record("opt_in", minutes=2, number=OTHER, channel="all", source="sms")
        self.assertFalse(entry.active)

    def test_invalid_email_is_refused(self):
        with self.assertRaisesRegex(ValidationError, "not a usable email"):
            self._record("opt_out", email="not an email")

    def test_self_opt_in_keeps_blacklist_when_ledger_still_blocks(self):
        self._record("opt_out", channel="all", source="web")
        self._record(
            "opt_in", minutes=1, channel="sms", source="link", scope="marketing"
        )
        blacklisted = self.env["phone.blacklist"].search([("number", "=", MOBILE)])
        self.assertTrue(blacklisted, "all-contact opt-out still blocks SMS")

    def test_batch_check_one_query(self):
        """Many numbers, one query, each with its own reason."""
        numbers = [f"+8190{10000000 + i}" for i in range(1000)]
        actions = ["opt_out", "refusal", "dnc", "obsolete", "opt_in"]
        vals_list = []
        for i, number in enumerate(numbers[:500]):
            vals_list.append(
                {
                    "number": number,
                    "action": actions[i % 5],
                    "source": "import",
                    "channel": "call",
                    "scope": "purpose" if actions[i % 5] == "refusal" else "all",
                    "purpose": "sales" if actions[i % 5] == "refusal" else False,
                }
            )
        self.Event._record(vals_list)
        self.env["phone.blacklist"].sudo().create([{"number": numbers[600]}])
        self.env.flush_all()
        with self.assertQueryCount(1):
            blocked = self.State._check_numbers(numbers, "call", "sales")
        self.assertEqual(len(blocked), 400)
        self.assertEqual(blocked[numbers[0]], "opt_out")
        self.assertEqual(blocked[numbers[1]], "refusal")
        self.assertEqual(blocked[numbers[2]], "dnc")
        self.assertEqual(blocked[numbers[3]], "obsolete")
        self.assertNotIn(numbers[4], blocked)
        self.assertNotIn(numbers[600], blocked)
        with self.assertQueryCount(1):
            blocked_sms = self.State._check_numbers(numbers, "sms", "sales")
        expected = {n: "obsolete" for n in numbers[3:500:5]}
        expected[numbers[600]] = "blacklist"
        self.assertEqual(blocked_sms, expected)


@tagged("post_install", "-at_install")
class TestPreferenceAccess(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.operator = new_test_user(
            cls.env,
            "cf_op",
            groups="base.group_user,callflow_odoo.group_callflow_operator",
        )
        cls.manager = new_test_user(
            cls.env,
            "cf_mgr",
            groups="base.group_user,callflow_odoo.group_callflow_manager",
        )
        cls.event = cls.env["callflow.preference.event"]._record(
            [{"number": MOBILE, "action": "opt_out", "source": "web"}]
        )

    def test_nobody_edits_or_deletes_events(self):
        for user in (self.operator, self.manager, self.env.ref("base.user_admin")):
            event = self.event.with_user(user)
            self.assertEqual(event.action, "opt_out", "everyone in Callflow reads")
            with self.assertRaises(UserError):  # AccessError is one
                event.write({"action": "opt_in"})
            with self.assertRaises(UserError):  # AccessError is one
                event.unlink()
            with self.assertRaises(AccessError):
                self.env["callflow.preference.event"].with_user(user).create(
                    {"number": OTHER, "action": "opt_in", "source": "manual"}
                )
        self.assertEqual(self.event.action, "opt_out")

    def test_operator_records_through_the_api(self):
        """An operator logging a refusal during a call goes through _record
        (no create right needed); the event says who recorded it."""
        event = (
            self.env["callflow.preference.event"]
            .with_user(self.operator)
            ._record(
                [
                    {
                        "number": OTHER,
                        "action": "refusal",
                        "scope": "purpose",
                        "purpose": "sales",
                        "source": "operator",
                    }
                ]
            )
        )
        self.assertEqual(event.env.uid, self.operator.id)
        self.assertEqual(event.user_id, self.operator)
        self.assertEqual(
            self.env["callflow.preference.state"]._check_numbers(
                [OTHER], "call", "sales"
            ),
            {OTHER: "refusal"},
        )

    def test_write_override_message(self):
        """A user reaching write() gets the reason, not only an access error."""
        with self.assertRaisesRegex(UserError, "record a new event"):
            self.event.with_user(self.manager).write({"reason": "edited"})
        # superuser code (data repair) still can
        self.event.sudo().write({"reason": "repaired"})
        self.assertEqual(self.event.reason, "repaired")

    def test_operator_and_manager_rights(self):
        Wizard = self.env["callflow.preference.event.wizard"]
        state = self.event.state_id
        self.assertEqual(state.with_user(self.operator).call_status, "Opted out")
        self.assertEqual(
            self.env["callflow.preference.state"]
            .with_user(self.operator)
            ._check_numbers([MOBILE], "call"),
            {MOBILE: "opt_out"},
        )
        with self.assertRaises(AccessError):
            Wizard.with_user(self.operator).create(
                {"number": OTHER, "action": "dnc", "reason": "asked by letter"}
            )
        wizard = Wizard.with_user(self.manager).create(
            {
                "number": "+81 90-8765-4321",
                "action": "refusal",
                "scope": "purpose",
                "purpose": "sales",
                "channel": "call",
                "reason": "Phoned the office",
            }
        )
        wizard.action_record()
        event = self.env["callflow.preference.event"].search([("number", "=", OTHER)])
        self.assertRecordValues(
            event,
            [
                {
                    "source": "manual",
                    "user_id": self.manager.id,
                    "action": "refusal",
                    "purpose": "sales",
                    "reason": "Phoned the office",
                }
            ],
        )
        action = state.with_user(self.manager).action_record_event()
        self.assertEqual(action["context"]["default_number"], MOBILE)


@tagged("post_install", "-at_install")
class TestPreferenceStateSearch(TransactionCase):
    def test_blocked_filter_follows_lifted_blocks(self):
        Event = self.env["callflow.preference.event"]
        State = self.env["callflow.preference.state"]
        now = fields.Datetime.now()
        Event._record(
            [
                {"number": MOBILE, "action": "opt_out", "source": "web"},
                {"number": OTHER, "action": "opt_out", "source": "web"},
                {
                    "number": OTHER,
                    "action": "opt_in",
                    "source": "link",
                    "event_date": now + timedelta(minutes=1),
                },
            ]
        )
        blocked = State.search([("is_blocked", "=", True)])
        self.assertIn(MOBILE, blocked.mapped("number"))
        self.assertNotIn(OTHER, blocked.mapped("number"))
        self.assertIn(
            OTHER, State.search([("is_blocked", "=", False)]).mapped("number")
        )


@tagged("post_install", "-at_install")
class TestPreferenceImport(TransactionCase):
    def test_large_import_blacklists_every_number(self):
        """An import of many SMS opt-outs reaches phone.blacklist (bulk path),
        re-activating an entry that had been lifted."""
        numbers = [f"+8190{20000000 + i}" for i in range(30)]
        Blacklist = self.env["phone.blacklist"].sudo().with_context(active_test=False)
        Blacklist._remove([numbers[0]])
        self.assertFalse(Blacklist.search([("number", "=", numbers[0])]).active)
        self.env["callflow.preference.event"]._record(
            [
                {"number": n, "action": "opt_out", "channel": "sms", "source": "import"}
                for n in numbers
            ]
        )
        entries = Blacklist.search([("number", "in", numbers)])
        self.assertEqual(len(entries), 30)
        self.assertTrue(all(entries.mapped("active")))
        self.assertEqual(
            self.env["callflow.preference.state"]._check_numbers(numbers, "sms"),
            dict.fromkeys(numbers, "opt_out"),
        )
