"""Calls coming back: who rings, the inbound call record, the screen pop
and the callback a missed call becomes (``callflow.inbound``)."""

from odoo.tests import common, tagged

from .common import EVERY_DAY, CallflowCommon, log_call, record_opt_out

PERSON = "+819011112222"


@tagged("post_install", "-at_install")
class TestInboundCore(CallflowCommon, common.TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_dialer()
        cls.Inbound = cls.env["callflow.inbound"]
        cls.partner = cls.env["res.partner"].create(
            {
                "name": "山田 太郎",
                "callflow_phonetic_name": "ヤマダ タロウ",
                "function": "部長",
                "mobile": "090-1111-2222",
                "country_id": cls.env.ref("base.jp").id,
            }
        )
        cls.list = cls.make_list()
        cls.entry = cls.make_entry(cls.list, PERSON, partner_id=cls.partner.id)
        cls.result = cls.env.ref("callflow_odoo.call_result_not_interested")

    def _spoke_to(self, operator):
        self.env["callflow.dialer"].with_user(operator)._pick_next(self.list.ids)
        log_call(self.env, operator, self.entry, self.result)

    def test_caller_is_found_from_the_call_they_answer(self):
        self._spoke_to(self.operator2)
        match = self.Inbound._lookup("090-1111-2222")
        self.assertEqual(match["number"], PERSON)
        self.assertEqual(match["partner"], self.partner)
        self.assertEqual(match["last_user"], self.operator2)
        self.assertFalse(match["blocked"])

    def test_contact_found_in_any_number_format(self):
        other = self.env["res.partner"].create(
            {"name": "鈴木", "phone": "０３-５５５５-１２３４ 内線12"}
        )
        match = self.Inbound._lookup("+81 3 5555 1234")
        self.assertEqual(match["partner"], other)
        self.assertFalse(match["last_user"])

    def test_unknown_and_garbage_numbers_are_calm(self):
        self.assertFalse(self.Inbound._lookup("+81 3 9999 0000")["partner"])
        garbage = self.Inbound._lookup("anonymous")
        self.assertFalse(garbage["partner"])
        self.assertEqual(garbage["number"], "anonymous")

    def test_blocked_caller_is_logged_and_shown_in_red(self):
        record_opt_out(self.env, PERSON)
        call = self.Inbound._receive(
            PERSON, self.caller_number, provider="twilio", sid="CAin1"
        )
        self.assertEqual(call.direction, "inbound")
        payload = self.Inbound._pop_payload(call)
        self.assertTrue(payload["blocked"])
        self.assertTrue(payload["preference"])

    def test_replayed_webhook_logs_one_call_on_the_chatter(self):
        self._spoke_to(self.operator)
        before = len(self.partner.message_ids)
        first = self.Inbound._receive(
            PERSON, self.caller_number, provider="twilio", sid="CAin2"
        )
        again = self.Inbound._receive(
            PERSON, self.caller_number, provider="twilio", sid="CAin2"
        )
        self.assertEqual(first, again)
        self.assertEqual(first.user_id, self.operator)
        self.assertEqual(first.inbound_status, "ringing")
        self.assertEqual(len(self.partner.message_ids), before + 1)
        self.assertIn("Inbound call", self.partner.message_ids[0].body)

    def test_pop_reaches_the_operator_and_nobody_else(self):
        self._spoke_to(self.operator)
        call = self.Inbound._receive(
            PERSON, self.caller_number, provider="http", sid="pbx-1"
        )
        self.env["bus.bus"].search([]).unlink()
        self.Inbound._pop(call, self.operator)
        self.env.cr.precommit.run()  # the bus writes its rows at commit
        sent = self.env["bus.bus"].search([])
        self.assertEqual(len(sent), 1)
        self.assertIn(f'"res.partner",{self.operator.partner_id.id}]', sent.channel)
        payload = self.Inbound._pop_payload(call)
        self.assertEqual(payload["name"], "山田 太郎")
        self.assertEqual(payload["phonetic"], "ヤマダ タロウ")
        self.assertEqual(payload["function"], "部長")
        self.assertEqual(payload["last_calls"][0]["result"], self.result.name)
        self.assertTrue(payload["known"])

    def test_missed_call_becomes_a_callback_first_in_line(self):
        self._spoke_to(self.operator)
        call = self.Inbound._receive(
            PERSON, self.caller_number, provider="twilio", sid="CAin3"
        )
        call.inbound_status = "missed"
        entry = self.Inbound._missed(call)
        self.assertEqual(entry, self.entry)
        self.assertEntryState(entry, "callback_due")
        self.assertEqual(entry.operator_id, self.operator)
        activity = self.partner.activity_ids
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.user_id, self.operator)
        # Idempotent: a replay adds no second activity.
        self.Inbound._missed(call)
        self.assertEqual(len(self.partner.activity_ids), 1)
        picked = self.pick(self.operator)
        self.assertEqual(picked.id if picked else picked, self.entry.id)

    def test_stranger_missed_call_lands_in_inbound_callbacks(self):
        call = self.Inbound._receive(
            "+81 3 7777 0000",
            self.caller_number,
            provider="twilio",
            sid="CAin4",
            user=self.operator,
        )
        entry = self.Inbound._missed(call)
        self.assertEqual(entry.list_id, self.company.callflow_inbound_list_id)
        self.assertEqual(entry.number, "+81377770000")
        self.assertEntryState(entry, "callback_due")
        # The operator it was routed to calls them back from the dialer
        # (within the list's calling window: open it for the test's clock).
        entry.list_id.write(EVERY_DAY | {"window_from": 0.0, "window_to": 24.0})
        self.assertEqual(entry.list_id.state, "running")
        self.assertEqual(self.pick(self.operator), entry)

    def test_available_skips_operators_on_a_call(self):
        self.env["bus.presence"].create(
            [
                {"user_id": self.operator.id, "status": "online"},
                {"user_id": self.operator2.id, "status": "online"},
            ]
        )
        self.Inbound._receive(
            PERSON,
            self.caller_number,
            provider="twilio",
            sid="CAin5",
            user=self.operator2,
        )
        users = self.operator | self.operator2 | self.manager
        self.assertEqual(self.Inbound._available(users), self.operator)

    def test_number_never_called_is_found_through_an_index(self):
        """A stranger's number is looked up among every contact: the digits
        match runs on a trigram index, not a scan of the contacts table."""
        self.assertTrue(self.env.registry.has_trigram)
        # Odoo's own trigram index on the raw phone (a partial one, for its
        # search box) would tempt the planner on this small test table; the
        # rows a real database has make ours the cheap one (bench_inbound).
        self.env.cr.execute("DROP INDEX IF EXISTS res_partner_phone_partial_tgm")
        self.env.cr.execute("SET LOCAL enable_seqscan = off")
        query = self.env["res.partner"]._callflow_digits_sql("phone")
        self.env.cr.execute(
            f"EXPLAIN SELECT id FROM res_partner WHERE {query.code} LIKE %s",
            [*query.params, "%312345678%"],
        )
        plan = "\n".join(row[0] for row in self.env.cr.fetchall())
        self.assertIn("res_partner_callflow_phone_digits", plan)
