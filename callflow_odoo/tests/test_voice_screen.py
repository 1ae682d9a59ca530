"""The operator's screen of a call placed by the provider (issue #13): the
dialer's first state, Hang up at the provider, the list's ring timeout and
power mode, and a browser tour that follows a call live through the bus."""

from odoo.exceptions import UserError
from odoo.tests import tagged

from odoo.addons.bus.websocket import dispatch

from .common import log_call
from .test_voice import VoiceTwilioCase


def _dispatch_bus():
    """Tell the browsers' websockets that bus notifications wait: the bus's
    own NOTIFY never fires in tests (nothing is committed)."""
    for websockets in list(dispatch._channels_to_ws.values()):
        for websocket in list(websockets):
            websocket.trigger_notification_dispatching()


@tagged("post_install", "-at_install")
class TestVoiceScreen(VoiceTwilioCase):
    def _screen(self):
        return self.env["callflow.voice.screen"].with_user(self.operator)

    def test_hang_up_ends_the_call_at_the_provider(self):
        entry, call, _action = self._call()
        self._play(call, "talking")
        self.assertEqual(call.voice_state, "in_progress")
        state = self._screen().dialer_state(entry.id)
        self.assertEqual(state["call"]["call_id"], call.id)
        self.assertEqual(state["call"]["voice_state"], "in_progress")
        self.assertTrue(state["call"]["answer_date"], "the timer starts there")

        self.assertFalse(self._screen().action_hangup(call.id))
        self.assertEqual(self.provider.hangups, [call.provider_call_sid])
        sent = self.provider.requests[-1]
        self.assertEqual(
            sent["path"],
            f"/2010-04-01/Accounts/{self.provider.account_sid}/Calls/"
            f"{call.provider_call_sid}.json",
        )
        self.assertEqual(sent["params"], {"Status": "completed"})
        for thread in self.provider.threads:
            thread.join(30)
        self.env.invalidate_all()
        self.assertEqual(call.voice_state, "completed")
        self.assertEqual(call.talk_seconds, 42)
        self.assertFalse(call.result_id, "a conversation: the operator logs it")
        self.assertEqual(entry.state, "in_call")
        # Over: hanging up again asks the provider nothing.
        self.assertFalse(self._screen().action_hangup(call.id))
        self.assertEqual(len(self.provider.hangups), 1)

    def test_only_the_operator_hangs_up_their_call(self):
        _entry, call, _action = self._call()
        self._play(call, "talking")
        other = self.env["callflow.voice.screen"].with_user(self.other_operator)
        with self.assertRaises(UserError):
            other.action_hangup(call.id)
        self.assertFalse(self.provider.hangups)
        self.assertEqual(call.voice_state, "in_progress")

    def test_the_list_ring_timeout_is_sent_to_the_provider(self):
        self.call_list.ring_timeout_seconds = 17
        _entry, call, _action = self._call()
        self.assertEqual(self.provider.requests[0]["params"]["Timeout"], "17")
        twiml = self._play(call, "no-answer")
        self.assertIn('timeout="17"', twiml)
        self.assertEqual(call.outcome, "no_answer", "logged by itself")

    def test_power_mode_dials_the_next_person_after_log_result(self):
        self.assertFalse(self.call_list.power_mode, "off by default")
        self.assertEqual(self.call_list.wrap_up_seconds, 10)
        self.assertEqual(self.call_list.ring_timeout_seconds, 25)
        self.call_list.write({"power_mode": True, "wrap_up_seconds": 7})
        entry, call, _action = self._call()
        self._play(call, "answered")
        action = log_call(self.env, self.operator, entry, self.result["interested"])
        action = action["params"]["next"]
        self.assertEqual(action["context"], {"callflow_power_dial": True})
        nxt = self.env["callflow.list.entry"].browse(action["res_id"])
        self.assertNotEqual(nxt, entry)
        state = self._screen().dialer_state(nxt.id)
        self.assertEqual(
            state, {"call": False, "power_mode": True, "wrap_up_seconds": 7}
        )
        # Without power mode, the next person waits for the operator.
        self.call_list.power_mode = False
        self.assertFalse(self._screen().dialer_state(nxt.id)["power_mode"])

    def test_operator_follows_the_call_live_in_the_dialer(self):
        self.env["callflow.list"].search([("id", "!=", self.call_list.id)]).write(
            {"state": "paused"}
        )
        self.provider.auto_play = "answered"
        self.provider.pause = 2.0
        self.provider.after_post = _dispatch_bus
        self.start_tour(
            "/odoo/action-callflow_odoo.callflow_action_start_calling",
            "callflow_voice_call_tour",
            login="cf_dialer_operator",
        )
        call = self.env["callflow.call"].search(
            [("list_id", "=", self.call_list.id), ("voice_provider", "=", "twilio")]
        )
        self.assertEqual(len(call), 1)
        self.assertEqual(call.voice_state, "completed")
        self.assertEqual(call.talk_seconds, 42)
        self.assertEqual(call.result_id, self.result["interested"])
        self.assertEqual(call.entry_id.state, "done")

    def test_power_mode_countdown_calls_the_next_person_in_the_browser(self):
        self.env["callflow.list"].search([("id", "!=", self.call_list.id)]).write(
            {"state": "paused"}
        )
        self.call_list.write({"power_mode": True, "wrap_up_seconds": 8})
        self.provider.auto_play = "no-answer"
        self.provider.after_post = _dispatch_bus
        self.start_tour(
            "/odoo/action-callflow_odoo.callflow_action_start_calling",
            "callflow_voice_power_tour",
            login="cf_dialer_operator",
        )
        self.assertEqual(len(self.provider.calls), 1, "one call, after the pause")
        call = self.env["callflow.call"].search(
            [("list_id", "=", self.call_list.id), ("voice_provider", "=", "twilio")]
        )
        self.assertEqual(call.partner_id.name or call.lead_id.contact_name, "Jiro Sato")
        self.assertEqual(call.outcome, "no_answer", "the ring timeout logs itself")
