"""The generic HTTP provider (an on-premise PBX, issue #13): Hang up at the
PBX, the announcement and recording asked in the click-to-call URL, the
recording reported by the signed status webhook, and its deletion at the
PBX after the retention period. A real local PBX (tests/pbx_server.py)."""

import json
import time
from datetime import timedelta

from odoo import fields
from odoo.tests import HttpCase, new_test_user, tagged

from odoo.addons.callflow_odoo.tools import signatures, voice

from .common import CallflowCommon
from .pbx_server import API_KEY, AUDIO, FakePbx
from .test_voice_tools import LocalVoiceMixin

SECRET = "pbx-secret"
LOGGER = "odoo.addons.callflow_odoo.models.callflow_voice_recording"
ANNOUNCEMENT = "Calls are recorded for training."


@tagged("post_install", "-at_install")
class TestVoiceHttpPbx(LocalVoiceMixin, CallflowCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_lead_list()
        cls.operator.callflow_ring_target = "sip:oda@pbx.example.com"
        cls.manager = new_test_user(
            cls.env,
            "cf_pbx_manager",
            groups="base.group_user,callflow_odoo.group_callflow_manager",
        )

    def setUp(self):
        super().setUp()
        self.pbx = self.enterContext(FakePbx())
        self.params = self.env["ir.config_parameter"].sudo()
        for key, value in {
            "voice_provider": "http",
            "voice_http_url": self.pbx.url
            + "/pbx/call?from={operator}&to={number}&rec={record}"
            "&say={announcement}",
            "voice_http_auth_header": f"X-Api-Key: {API_KEY}",
            "voice_http_secret": SECRET,
            "voice_http_hangup_url": self.pbx.url
            + "/pbx/calls/{id}/hangup?ref={reference}",
            "voice_http_recording_delete_url": self.pbx.url
            + "/pbx/recordings/{recording_id}",
        }.items():
            self.params.set_param(f"callflow_odoo.{key}", value)

    def _call(self):
        entry = self.env["callflow.dialer"].with_user(self.operator)._pick_next()
        self.assertTrue(entry)
        entry.with_user(self.operator).action_voice_call()
        call = self.env["callflow.call"].search([("entry_id", "=", entry.id)])
        self.assertEqual(len(call), 1)
        self.assertEqual(call.voice_state, "initiated")
        return entry.with_env(self.env), call

    def _webhook(self, payload, secret=SECRET, signed=True):
        body = json.dumps(payload).encode()
        timestamp = str(int(time.time()))
        headers = {"Content-Type": "application/json"}
        if signed:
            headers["X-Callflow-Timestamp"] = timestamp
            headers["X-Callflow-Signature"] = signatures.sign_webhook(
                secret, timestamp, body
            )
        response = self.url_open(
            "/callflow/voice/http/status", data=body, headers=headers
        )
        self.env.invalidate_all()
        return response

    def _recorded_call(self, rec_id="rec-7"):
        self.call_list.record_calls = True
        entry, call = self._call()
        self.pbx.recordings.add(rec_id)
        response = self._webhook(
            {
                "reference": call.voice_key,
                "status": "completed",
                "duration": 42,
                "recording_id": rec_id,
                "recording_url": f"{self.pbx.url}/pbx/recordings/{rec_id}.wav",
                "recording_duration": 40,
            }
        )
        self.assertEqual(response.status_code, 204)
        return entry, call

    def _age(self, call, days):
        call.sudo().recording_date = fields.Datetime.now() - timedelta(days=days)

    # -- hang-up ----------------------------------------------------------
    def test_hang_up_reaches_the_pbx(self):
        _entry, call = self._call()
        screen = self.env["callflow.voice.screen"].with_user(self.operator)
        self.assertFalse(screen.action_hangup(call.id))
        self.assertEqual(self.pbx.hangups, [call.provider_call_sid])
        sent = self.pbx.requests[-1]
        self.assertEqual(sent["method"], "POST")
        self.assertEqual(sent["path"], f"/pbx/calls/{call.provider_call_sid}/hangup")
        self.assertEqual(sent["query"], {"ref": call.voice_key})
        self.assertEqual(sent["headers"]["X-Api-Key"], API_KEY)
        # Its end then arrives as the usual webhook.
        self._webhook({"reference": call.voice_key, "status": "completed"})
        self.assertEqual(call.voice_state, "completed")

    def test_hang_up_retries_a_busy_pbx_then_says_why(self):
        _entry, call = self._call()
        screen = self.env["callflow.voice.screen"].with_user(self.operator)
        self.pbx.plan = [503]
        self.assertFalse(screen.action_hangup(call.id), "retried, then accepted")
        self.assertEqual(self.pbx.hangups, [call.provider_call_sid])
        self.pbx.plan = [500]
        action = screen.action_hangup(call.id)
        self.assertEqual(action["params"]["title"], "Could not hang up")
        self.assertIn("HTTP 500", action["params"]["message"])
        self.assertEqual(len(self.pbx.hangups), 1, "a refusal is not retried")

    def test_hang_up_without_a_url_says_so(self):
        self.params.set_param("callflow_odoo.voice_http_hangup_url", False)
        _entry, call = self._call()
        sent = len(self.pbx.requests)
        action = (
            self.env["callflow.voice.screen"]
            .with_user(self.operator)
            .action_hangup(call.id)
        )
        self.assertIn("This PBX has no hang-up URL set", action["params"]["message"])
        self.assertEqual(len(self.pbx.requests), sent, "nothing sent")

    # -- recording --------------------------------------------------------
    def test_click_to_call_asks_the_pbx_to_announce_then_record(self):
        _entry, call = self._call()
        self.assertEqual(self.pbx.requests[0]["query"]["rec"], "0")
        self.assertNotIn("say", self.pbx.requests[0]["query"], "empty: not recorded")
        # The next person, on a list that records.
        entry = call.entry_id
        entry.with_user(self.operator).action_skip()
        self.call_list.with_context(lang="en_US").write(
            {"record_calls": True, "recording_announcement": ANNOUNCEMENT}
        )
        _entry, call = self._call()
        sent = self.pbx.requests[-1]
        self.assertEqual(sent["query"]["rec"], "1")
        self.assertEqual(sent["query"]["say"], ANNOUNCEMENT)

    def test_signed_status_with_a_recording_lands_on_the_call(self):
        _entry, call = self._recorded_call()
        as_manager = call.with_user(self.manager)
        self.assertEqual(call.voice_state, "completed")
        self.assertEqual(as_manager.recording_sid, "rec-7")
        self.assertEqual(
            as_manager.recording_url, f"{self.pbx.url}/pbx/recordings/rec-7.wav"
        )
        self.assertEqual(as_manager.recording_duration, 40)
        recorded_at = as_manager.recording_date
        # Replayed: nothing changes.
        self._webhook(
            {
                "reference": call.voice_key,
                "status": "completed",
                "recording_id": "rec-7",
                "recording_url": "https://elsewhere.example.com/x",
                "recording_duration": 1,
            }
        )
        self.assertEqual(as_manager.recording_duration, 40)
        self.assertEqual(as_manager.recording_date, recorded_at)

    def test_managers_play_the_pbx_recording_through_callflow(self):
        _entry, call = self._recorded_call()
        self.authenticate("cf_pbx_manager", "cf_pbx_manager")
        response = self.url_open(f"/callflow/voice/recording/{call.id}")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.content, AUDIO)
        self.assertEqual(response.headers["Content-Type"], "audio/wav")
        fetched = self.pbx.requests[-1]
        self.assertEqual(fetched["path"], "/pbx/recordings/rec-7.wav")
        self.assertEqual(fetched["headers"]["X-Api-Key"], API_KEY)
        # The API key only ever goes to the PBX's own host.
        client = voice.HttpClickToCall(self.env["callflow.voice"]._config())
        self.assertFalse(client.recording_headers("https://elsewhere.example/r"))
        self.authenticate("cf_dialer_operator", "cf_dialer_operator")
        response = self.url_open(f"/callflow/voice/recording/{call.id}")
        self.assertEqual(response.status_code, 404, "managers only")

    def test_unsigned_or_malformed_recording_is_refused(self):
        self.call_list.record_calls = True
        _entry, call = self._call()
        payload = {
            "reference": call.voice_key,
            "status": "completed",
            "recording_id": "rec-8",
            "recording_url": "https://pbx.example.com/rec-8.wav",
        }
        for response in (
            self._webhook(payload, signed=False),
            self._webhook(payload, secret="guess"),
        ):
            self.assertEqual(response.status_code, 403)
        for bad in (
            {"recording_url": "file:///etc/passwd"},
            {"recording_url": "https://pbx.example.com/" + "x" * 500},
            {"recording_duration": "forty"},
            {"recording_id": "../../etc"},
        ):
            response = self._webhook(dict(payload, **bad))
            self.assertEqual(response.status_code, 400, bad)
        call = call.with_user(self.manager)
        self.assertFalse(call.recording_sid)
        self.assertEqual(call.voice_state, "initiated", "nothing applied")

    def test_recording_of_a_list_that_does_not_record_is_ignored(self):
        self.assertFalse(self.call_list.record_calls)
        _entry, call = self._call()
        with self.assertLogs(LOGGER, "WARNING") as logs:
            response = self._webhook(
                {
                    "reference": call.voice_key,
                    "status": "completed",
                    "recording_id": "rec-9",
                    "recording_url": "https://pbx.example.com/rec-9.wav",
                }
            )
        self.assertEqual(response.status_code, 204)
        self.assertIn("does not record", logs.output[0])
        self.assertEqual(call.voice_state, "completed", "the status still applies")
        self.assertFalse(call.with_user(self.manager).recording_sid)

    # -- retention ----------------------------------------------------------
    def test_retention_deletes_at_the_pbx_then_in_odoo(self):
        _entry, call = self._recorded_call()
        Recording = self.env["callflow.voice.recording"]
        self._age(call, 89)
        self.assertEqual(Recording._cron_purge_recordings(), 0, "not yet")
        self._age(call, 91)
        # The PBX fails: the recording is kept for the next run.
        self.pbx.plan = [500]
        with self.assertLogs(LOGGER, "WARNING") as logs:
            self.assertEqual(Recording._cron_purge_recordings(), 0)
        self.assertIn("rec-7", logs.output[0])
        call.invalidate_recordset()
        self.assertEqual(call.sudo().recording_sid, "rec-7")
        self.assertIn("rec-7", self.pbx.recordings)
        # The next run deletes it at the PBX, then in Odoo.
        self.assertEqual(Recording._cron_purge_recordings(), 1)
        deletes = [r for r in self.pbx.requests if r["method"] == "DELETE"]
        self.assertEqual([r["path"] for r in deletes], ["/pbx/recordings/rec-7"] * 2)
        self.assertEqual(deletes[-1]["headers"]["X-Api-Key"], API_KEY)
        self.assertNotIn("rec-7", self.pbx.recordings)
        call.invalidate_recordset()
        self.assertFalse(call.sudo().recording_sid)
        self.assertFalse(call.sudo().recording_url)
        record = call.lead_id or call.partner_id
        self.assertIn("deleted after 90 days", record.message_ids[:1].body)

    def test_retention_without_a_deletion_url_forgets_in_odoo(self):
        _entry, call = self._recorded_call()
        self.params.set_param("callflow_odoo.voice_http_recording_delete_url", False)
        self._age(call, 100)
        Recording = self.env["callflow.voice.recording"]
        self.assertEqual(Recording._cron_purge_recordings(), 1)
        self.assertFalse(self.pbx.deletes, "the PBX keeps its own")
        call.invalidate_recordset()
        self.assertFalse(call.sudo().recording_sid)
