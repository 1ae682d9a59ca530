"""Click-to-call through a Twilio-compatible provider (issue #13): a real
local provider (tests/voice_server.py) places the call, fetches Callflow's
TwiML and plays the call's life with signed status callbacks."""

import json
import time

from odoo.exceptions import AccessError
from odoo.tests import HttpCase, tagged

from odoo.addons.callflow_odoo.tools import signatures

from .common import CallflowCommon, log_call, set_twilio_voice, twilio_post
from .test_voice_tools import LocalVoiceMixin
from .voice_server import FakeVoiceProvider

SID = "ACtest0000000000000000000000000000"
TOKEN = "voice-auth-token"
RING_TARGET = "+819000000001"


class VoiceTwilioCase(LocalVoiceMixin, CallflowCommon, HttpCase):
    """A running lead list, the operator's ring target and a local
    Twilio-compatible provider set as the voice provider."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_lead_list()
        cls.operator.callflow_ring_target = RING_TARGET

    def setUp(self):
        super().setUp()
        self.provider = self.enterContext(FakeVoiceProvider(SID, TOKEN))
        set_twilio_voice(self, SID, TOKEN, self.provider.url)

    def _pick(self):
        entry = self.env["callflow.dialer"].with_user(self.operator)._pick_next()
        self.assertTrue(entry, "an entry is callable")
        return entry

    def _call(self, entry=None):
        """The operator presses Call: returns the notification and the call."""
        entry = entry or self._pick()
        action = entry.with_user(self.operator).action_voice_call()
        call = self.env["callflow.call"].search(
            [("entry_id", "=", entry.id)], order="id desc", limit=1
        )
        return entry.with_env(self.env), call, action

    def _play(self, call, scenario, **kw):
        twiml = self.provider.play(call.provider_call_sid, scenario, **kw)
        self.env.invalidate_all()
        return twiml


@tagged("post_install", "-at_install")
class TestVoiceTwilio(VoiceTwilioCase):
    def test_call_rings_the_operator_from_the_published_number(self):
        _entry, call, action = self._call()
        self.assertEqual(action["params"]["type"], "info")
        self.assertEqual(len(self.provider.requests), 1)
        sent = self.provider.requests[0]
        self.assertEqual(sent["params"]["To"], RING_TARGET)
        self.assertEqual(sent["params"]["From"], self.caller.number)
        self.assertEqual(sent["key"], call.voice_key)
        self.assertTrue(
            sent["params"]["Url"].startswith(
                f"{self.base_url()}/callflow/voice/twiml/{call.id}?t="
            )
        )
        self.assertEqual(call.voice_state, "initiated")
        self.assertTrue(call.provider_call_sid.startswith("CA"))
        self.assertFalse(call.outcome, "the result is logged after the call")
        # The URL's token is kept only hashed.
        raw = sent["params"]["Url"].split("?t=")[1]
        self.assertNotIn(raw, call.sudo().voice_token_hash)
        self.assertTrue(self.env["callflow.voice"]._check_token(call, raw))
        self.assertFalse(
            self.env["callflow.voice"]._check_token(
                call, raw[:-1] + ("y" if raw.endswith("x") else "x")
            )
        )

    def test_answered_then_completed_fills_talk_time(self):
        self.bus_start = self.env["bus.bus"].search([], order="id desc", limit=1).id
        entry, call, _action = self._call()
        self.assertTrue(entry.voice_enabled, "the dialer shows Call")
        twiml = self._play(call, "answered")
        self.assertIn(f'callerId="{self.caller.number}"', twiml)
        self.assertIn(f">{entry.number}</Number>", twiml)
        self.assertIn("<Say language=", twiml)
        self.assertIn("Hanako Yamada", twiml)
        self.assertEqual(call.voice_state, "completed")
        self.assertEqual(call.talk_seconds, 42)
        self.assertEqual(call.ring_seconds, 5)
        self.assertTrue(call.ring_date and call.answer_date and call.hangup_date)
        self.assertTrue(call.provider_leg_sid)
        # The operator's dialer hears each state on the bus.
        states = [
            json.loads(n.message)["payload"]["voice_state"]
            for n in self.env["bus.bus"].search([("id", ">", self.bus_start)])
            if json.loads(n.message)["type"] == "callflow.call/state"
        ]
        self.assertEqual(states[0], "initiated")
        self.assertIn("ringing", states)
        self.assertIn("in_progress", states)
        self.assertEqual(states[-1], "completed")
        # A conversation: the operator logs it, on this very call.
        self.assertFalse(call.result_id)
        self.assertEqual(entry.state, "in_call")
        log_call(self.env, self.operator, entry, self.result["interested"])
        self.env.invalidate_all()
        calls = self.env["callflow.call"].search([("entry_id", "=", entry.id)])
        self.assertEqual(calls, call, "one call per attempt")
        self.assertEqual(call.result_id, self.result["interested"])
        self.assertEqual(call.talk_seconds, 42)
        self.assertEqual(entry.state, "done")

    def assertLoggedByItself(self, scenario, outcome, result):
        entry, call, _action = self._call()
        self._play(call, scenario)
        self.assertEqual(call.outcome, outcome)
        self.assertEqual(call.result_id, result)
        # Back in the queue by the list's rules, one attempt counted.
        self.assertEqual(entry.state, "pending")
        self.assertEqual(entry.attempt_count, 1)
        self.assertFalse(entry.held_by_id)
        self.assertEqual(entry.last_result_id, result)
        attempts = self.env["callflow.number.attempt"].search(
            [("entry_id", "=", entry.id)]
        )
        self.assertEqual(attempts.mapped("outcome"), [outcome])
        return call

    def test_busy_logs_itself(self):
        call = self.assertLoggedByItself(
            "busy", "busy", self.env.ref("callflow_odoo.call_result_busy")
        )
        self.assertEqual(call.voice_state, "busy")
        self.assertFalse(call.talk_seconds)

    def test_no_answer_logs_itself(self):
        call = self.assertLoggedByItself(
            "no-answer", "no_answer", self.result["no_answer"]
        )
        self.assertEqual(call.voice_state, "no_answer")
        self.assertTrue(call.ring_seconds >= 0 and call.ring_date)

    def test_failed_logs_itself_without_touching_the_ledger(self):
        failed = self.env.ref("callflow_odoo.call_result_failed_technical")
        call = self.assertLoggedByItself("failed", "failed", failed)
        self.assertEqual(call.voice_state, "failed")
        self.assertNotBlocked(call.dialed_number)

    def test_machine_answered_logs_voicemail(self):
        voicemail = self.env.ref("callflow_odoo.call_result_voicemail")
        call = self.assertLoggedByItself("machine", "voicemail", voicemail)
        self.assertEqual(call.answered_by, "machine_end_beep")

    def test_replayed_callbacks_apply_once(self):
        entry, call, _action = self._call()
        self._play(call, "no-answer", replay=True)
        self.assertEqual(entry.attempt_count, 1)
        self.assertEqual(
            self.env["callflow.number.attempt"].search_count(
                [("entry_id", "=", entry.id)]
            ),
            1,
        )
        before = {f: call[f] for f in ("voice_state", "ring_date", "hangup_date")}
        # The whole life again: nothing changes, and no second dial.
        twiml = self._play(call, "no-answer")
        self.assertNotIn("<Dial", twiml)
        self.assertEqual({f: call[f] for f in before}, before)
        self.assertEqual(entry.attempt_count, 1)

    def test_out_of_order_callbacks_keep_completed(self):
        _entry, call, _action = self._call()
        self._play(call, "out-of-order")
        self.assertEqual(call.voice_state, "completed")
        self.assertEqual(call.talk_seconds, 42)
        self.assertTrue(call.answer_date and call.ring_date)
        self.assertEqual((call.hangup_date - call.answer_date).total_seconds(), 42)

    def test_forged_or_unsigned_callbacks_are_refused(self):
        _entry, call, _action = self._call()
        sent = self.provider.requests[0]["params"]
        status_url = sent["StatusCallback"]
        params = {"CallSid": call.provider_call_sid, "CallStatus": "busy"}
        forged = signatures.twilio_signature(status_url, params, "not-the-token")
        for headers in ({}, {"X-Twilio-Signature": forged}):
            response = self.url_open(status_url, data=params, headers=headers)
            self.assertEqual(response.status_code, 403)
            self.assertEqual(response.text, "Forbidden")
        # A valid signature with another call's token.
        wrong = status_url.split("?t=")[0] + "?t=guess&leg=person"
        response = twilio_post(self, wrong, params, TOKEN)
        self.assertEqual(response.status_code, 403)
        for url in (sent["Url"], status_url):
            self.assertEqual(self.url_open(url).status_code, 405, "POST only")
        self.env.invalidate_all()
        self.assertEqual(call.voice_state, "initiated")
        self.assertFalse(call.outcome)

    def test_credentials_are_for_system_administrators_only(self):
        self.manager = self.env["res.users"].create(
            {
                "name": "Mana Manager",
                "login": "cf_voice_manager",
                "groups_id": [
                    (6, 0, [self.env.ref("callflow_odoo.group_callflow_manager").id])
                ],
            }
        )
        for user in (self.operator, self.manager):
            with self.assertRaises(AccessError):
                self.env["ir.config_parameter"].with_user(user).search_read(
                    [("key", "=", "callflow_odoo.voice_twilio_auth_token")],
                    ["value"],
                )
            settings = self.env["res.config.settings"].with_user(user)
            self.assertNotIn(
                "callflow_voice_twilio_auth_token",
                settings.fields_get(),
            )

    def test_manual_provider_keeps_the_tel_link(self):
        self.env["ir.config_parameter"].sudo().set_param(
            "callflow_odoo.voice_provider", "manual"
        )
        entry = self._pick()
        self.assertFalse(entry.voice_enabled)
        action = entry.with_user(self.operator).action_voice_call()
        self.assertEqual(
            action, {"type": "ir.actions.act_url", "url": f"tel:{entry.number}"}
        )
        self.assertFalse(self.provider.requests, "no HTTP request")
        self.assertFalse(
            self.env["callflow.call"].search([("entry_id", "=", entry.id)])
        )

    def test_without_ring_target_no_call(self):
        self.operator.callflow_ring_target = False
        _entry, call, action = self._call()
        self.assertEqual(action["params"]["type"], "warning")
        self.assertIn("Ring me at", action["params"]["message"])
        self.assertFalse(call)
        self.assertFalse(self.provider.requests)

    def test_busy_provider_retried_then_placed_once(self):
        self.provider.plan = [(503, {"message": "busy"}), (429, {"message": "slow"})]
        _entry, call, _action = self._call()
        self.assertEqual(call.voice_state, "initiated")
        keys = {r["key"] for r in self.provider.requests}
        self.assertEqual(len(self.provider.requests), 3)
        self.assertEqual(keys, {call.voice_key}, "one idempotency key per attempt")
        self.assertEqual(len(self.provider.calls), 1)

    def test_provider_error_is_a_message_and_no_call(self):
        self.provider.plan = [(400, {"code": 21211, "message": "Invalid 'To'"})]
        _entry, call, action = self._call()
        self.assertEqual(action["params"]["type"], "warning")
        self.assertIn("21211", action["params"]["message"])
        self.assertEqual(call.voice_state, "failed")
        self.assertEqual(len(self.provider.requests), 1, "a refusal is not retried")


@tagged("post_install", "-at_install")
class TestVoiceHttp(LocalVoiceMixin, CallflowCommon, HttpCase):
    """A PBX's HTTP click-to-call API and its HMAC-signed status webhook."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_lead_list()
        cls.operator.callflow_ring_target = "sip:oda@pbx.example.com"

    def setUp(self):
        super().setUp()
        self.pbx = self.enterContext(FakeVoiceProvider(SID, TOKEN))
        params = self.env["ir.config_parameter"].sudo()
        params.set_param("callflow_odoo.voice_provider", "http")
        params.set_param(
            "callflow_odoo.voice_http_url",
            self.pbx.url + "/pbx/call?from={operator}&to={number}&cid={caller_id}",
        )
        params.set_param("callflow_odoo.voice_http_auth_header", "X-Api-Key: k")
        params.set_param("callflow_odoo.voice_http_secret", "pbx-secret")

    def _webhook(self, payload, secret="pbx-secret"):
        body = json.dumps(payload).encode()
        timestamp = str(int(time.time()))
        return self.url_open(
            "/callflow/voice/http/status",
            data=body,
            headers={
                "Content-Type": "application/json",
                "X-Callflow-Timestamp": timestamp,
                "X-Callflow-Signature": signatures.sign_webhook(
                    secret, timestamp, body
                ),
            },
        )

    def test_click_to_call_then_busy_from_the_webhook(self):
        entry = self.env["callflow.dialer"].with_user(self.operator)._pick_next()
        entry.with_user(self.operator).action_voice_call()
        call = self.env["callflow.call"].search([("entry_id", "=", entry.id)])
        sent = self.pbx.requests[0]
        self.assertIn("from=sip%3Aoda%40pbx.example.com", sent["path"])
        self.assertEqual(sent["headers"]["X-Api-Key"], "k")
        self.assertEqual(sent["key"], call.voice_key)
        self.assertEqual(call.provider_call_sid, self.pbx.calls[call.voice_key]["sid"])
        forged = self._webhook({"reference": call.voice_key, "status": "busy"}, "x")
        self.assertEqual((forged.status_code, forged.text), (403, "Forbidden"))
        self.env.invalidate_all()
        self.assertEqual(call.voice_state, "initiated")
        for _replay in range(2):
            response = self._webhook(
                {"reference": call.voice_key, "status": "busy", "id": "x"}
            )
            self.assertEqual(response.status_code, 204)
        self.env.invalidate_all()
        self.assertEqual(call.voice_state, "busy")
        self.assertEqual(call.outcome, "busy")
        self.assertEqual(entry.with_env(self.env).attempt_count, 1)
        self.assertEqual(entry.with_env(self.env).state, "pending")
