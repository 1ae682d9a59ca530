"""The dial gate in front of the voice provider (issue #13): a refusal when
the operator presses Call is a message and no request to the provider; a
refusal when the provider asks for the TwiML is a spoken reason and the end
of the call, before the person's phone rings."""

from odoo import fields
from odoo.tests import tagged

from .common import record_opt_out
from .test_voice import VoiceTwilioCase


@tagged("post_install", "-at_install")
class TestVoiceGate(VoiceTwilioCase):
    def gate_message(self, entry):
        decision = (
            self.env["callflow.dial.gate"]
            .with_user(self.operator)
            ._check(
                entry.number,
                user=self.operator,
                caller_number=entry.list_id.caller_number_id,
                entry=entry.with_user(self.operator),
                purpose=entry.list_id.purpose,
            )
        )
        self.assertFalse(decision.allowed)
        return decision.message

    def assertRefusedAtCall(self, entry, *words):
        """Call gives the gate's message, and no request leaves Odoo."""
        message = self.gate_message(entry)
        _entry, call, action = self._call(entry)
        self.assertEqual(action["tag"], "display_notification")
        self.assertEqual(action["params"]["type"], "warning")
        self.assertEqual(action["params"]["message"], message)
        for word in words:
            self.assertIn(word, message)
        self.assertFalse(self.provider.requests, "no request to the provider")
        self.assertFalse(call, "no call placed")

    def assertRefusedAtTwiml(self, call, message_word):
        """The TwiML is the spoken reason and a hang-up; the person's leg
        is never requested."""
        twiml = self._play(call, "answered")
        self.assertIn("<Say", twiml)
        self.assertIn("<Hangup/>", twiml)
        self.assertNotIn("<Dial", twiml)
        self.assertEqual(call.voice_state, "canceled")
        self.assertIn(message_word, call.voice_message)
        self.assertIn(call.voice_message, twiml)
        self.assertFalse(call.provider_leg_sid)
        self.assertFalse(call.talk_seconds)
        urls = [url for url, _params, _status in self.provider.callbacks]
        self.assertFalse([u for u in urls if "leg=person" in u or "leg=dial" in u])

    def test_opted_out_number_refused_at_call(self):
        entry = self._pick()
        record_opt_out(self.env, entry.number)
        self.assertRefusedAtCall(entry, "Opted out")

    def test_opt_out_between_call_and_twiml_stops_the_persons_leg(self):
        entry, call, action = self._call()
        self.assertEqual(action["params"]["type"], "info")
        self.assertEqual(call.voice_state, "initiated")
        record_opt_out(self.env, entry.number)
        self.assertRefusedAtTwiml(call, "Opted out")
        self.assertFalse(call.outcome, "no attempt on the person")

    def test_unpublished_caller_number_refused(self):
        entry = self._pick()
        self.caller.is_published = False
        self.assertRefusedAtCall(entry, "may not call from")

    def test_retired_caller_number_refused(self):
        entry = self._pick()
        self.caller.date_end = fields.Date.context_today(self.caller)
        self.assertRefusedAtCall(entry, "may not call from")

    def test_number_unpublished_before_the_twiml_refused(self):
        _entry, call, _action = self._call()
        self.caller.is_published = False
        self.env.flush_all()  # the provider's request reads the database
        self.assertRefusedAtTwiml(call, "may not call from")
        self.assertEqual(len(self.provider.requests), 1)


@tagged("post_install", "-at_install")
class TestVoiceClickToCall(VoiceTwilioCase):
    """The phone widget's click, with a voice provider set: the gate, then
    the call through the provider from the user's default published
    number."""

    def setUp(self):
        super().setUp()
        # Calls outside any list follow a new list's window: any time here.
        for name, value in (
            ("window_days", "1234567"),
            ("window_from", 0.0),
            ("window_to", 24.0),
        ):
            self.env["ir.default"].set("callflow.list", name, value)
        self.desk = self.env["callflow.caller.number"].create(
            {"name": "My desk", "number": "03-3999-0077", "is_published": True}
        )
        self.operator.callflow_default_caller_number_id = self.desk
        self.person = self.env["res.partner"].create(
            {"name": "Taro Suzuki", "phone": "090-2222-0003", "tz": "Asia/Tokyo"}
        )

    def click(self):
        return (
            self.env["callflow.dial.gate"]
            .with_user(self.operator)
            .action_click_to_call("res.partner", self.person.id, self.person.phone)
        )

    def test_clean_number_placed_from_the_default_number(self):
        answer = self.click()
        self.assertTrue(answer["allowed"], answer.get("message"))
        self.assertTrue(answer["placed"])
        self.assertEqual(len(self.provider.requests), 1)
        sent = self.provider.requests[0]["params"]
        self.assertEqual(sent["From"], self.desk.number)
        self.assertEqual(sent["To"], self.operator.callflow_ring_target)
        call = self.env["callflow.call"].browse(answer["call_id"])
        self.assertEqual(call.partner_id, self.person)
        self.assertEqual(call.caller_number_id, self.desk)
        self.assertEqual(call.dialed_number, "+819022220003")
        twiml = self._play(call, "answered")
        self.assertIn(f'callerId="{self.desk.number}"', twiml)
        self.assertIn(">+819022220003</Number>", twiml)
        self.assertEqual(call.talk_seconds, 42)

    def test_opted_out_click_reaches_no_provider(self):
        record_opt_out(self.env, "+819022220003")
        answer = self.click()
        self.assertFalse(answer["allowed"])
        self.assertIn("Opted out", answer["message"])
        self.assertFalse(self.provider.requests)
