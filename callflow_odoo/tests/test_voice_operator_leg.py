"""The operator's leg ends before the person's phone rings (issue #13):
the operator hangs up or does not take the call. The call ends (the
dialer is not left "calling you"), and the entry stays with the operator:
the person was not called, so nothing is logged against them."""

import json

from odoo.tests import tagged

from .test_voice import VoiceTwilioCase

NOT_DIALLED = "The call ended before the person was dialled."
NOT_ANSWERED = "You did not answer the call."


@tagged("post_install", "-at_install")
class TestVoiceOperatorLeg(VoiceTwilioCase):
    def _bus_states(self, after):
        return [
            json.loads(n.message)["payload"]
            for n in self.env["bus.bus"].search([("id", ">", after)], order="id")
            if json.loads(n.message)["type"] == "callflow.call/state"
        ]

    def test_operator_leg_ends_before_the_person_is_dialled(self):
        entry = self._pick()
        for final, message in (
            ("completed", NOT_DIALLED),
            ("no-answer", NOT_ANSWERED),
            ("busy", NOT_ANSWERED),
            ("canceled", NOT_ANSWERED),
        ):
            with self.subTest(final=final):
                bus_start = (
                    self.env["bus.bus"].search([], order="id desc", limit=1).id or 0
                )
                entry, call, _action = self._call(entry)
                self.assertEqual(call.voice_state, "initiated")
                self.provider.ring_operator(call.provider_call_sid, final)
                self.env.invalidate_all()
                self.assertFalse(self.provider.twiml, "no TwiML fetched")
                self.assertEqual(call.voice_state, "canceled")
                self.assertEqual(call.voice_message, message)
                self.assertFalse(call.result_id)
                self.assertFalse(call.outcome)
                # The dialer hears the end, with the reason.
                last = self._bus_states(bus_start)[-1]
                self.assertEqual(last["call_id"], call.id)
                self.assertEqual(last["voice_state"], "canceled")
                self.assertEqual(last["message"], message)
                # The person was not called: the entry stays with the
                # operator, no attempt counted, Call works again.
                self.assertEqual(entry.state, "in_call")
                self.assertEqual(entry.held_by_id, self.operator)
                self.assertEqual(entry.attempt_count, 0)
                self.assertFalse(
                    self.env["callflow.number.attempt"].search(
                        [("entry_id", "=", entry.id)]
                    )
                )
        calls = self.env["callflow.call"].search([("entry_id", "=", entry.id)])
        self.assertEqual(len(calls), 4, "each Call placed a new call")
