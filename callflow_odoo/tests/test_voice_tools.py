"""tools/voice.py without a database: TwiML, the status merge, and the
clients' retry rules against a real local provider."""

import socket
import time
from datetime import datetime, timedelta

from lxml import etree

from odoo.tests import BaseCase

from ..tools import voice
from .common import LocalServersMixin as LocalVoiceMixin
from .voice_server import FakeVoiceProvider

SID, TOKEN = "ACtools", "tools-token"
AT = datetime(2026, 12, 1, 10, 0, 0)


def _call():
    return {
        "from_number": "+81339990001",
        "to": "+819000000001",
        "url": "http://127.0.0.1/twiml",
        "status_callback": "http://127.0.0.1/status",
    }


class TestVoiceTools(LocalVoiceMixin, BaseCase):
    def test_twiml_dial_escapes_every_value(self):
        twiml = voice.twiml_dial(
            'Calling <Tom & "Jerry">',
            "ja-JP",
            "+81339990001",
            "+819011110001",
            25,
            "http://x/status?t=a&leg=dial",
            "http://x/status?t=a&leg=person",
        )
        root = etree.fromstring(twiml.encode())
        self.assertEqual(root.find("Say").text, 'Calling <Tom & "Jerry">')
        self.assertEqual(root.find("Say").get("language"), "ja-JP")
        dial = root.find("Dial")
        self.assertEqual(dial.get("callerId"), "+81339990001")
        self.assertEqual(dial.get("action"), "http://x/status?t=a&leg=dial")
        number = dial.find("Number")
        self.assertEqual(number.text, "+819011110001")
        self.assertEqual(
            number.get("statusCallbackEvent"), "initiated ringing answered completed"
        )

    def test_twiml_refusal_says_why_and_hangs_up(self):
        root = etree.fromstring(voice.twiml_refusal("No <calls>", "en-US").encode())
        self.assertEqual([c.tag for c in root], ["Say", "Hangup"])
        self.assertEqual(root.find("Say").text, "No <calls>")
        self.assertIsNone(root.find("Dial"))

    def test_merge_is_idempotent_and_keeps_the_final_state(self):
        current = dict.fromkeys(voice.MERGED_FIELDS)
        current["voice_state"] = "initiated"
        done = voice.merge_status(current, "completed", AT, duration="30")
        self.assertEqual(done["voice_state"], "completed")
        self.assertEqual(done["talk_seconds"], 30)
        self.assertEqual((done["hangup_date"] - done["answer_date"]).seconds, 30)
        current.update(done)
        self.assertEqual(voice.merge_status(current, "completed", AT, "30"), {})
        late = voice.merge_status(current, "in-progress", AT)
        self.assertNotIn("voice_state", late, "answered after completed")
        self.assertEqual(voice.merge_status(current, "bogus", AT), {})

    def test_unreached_outcomes(self):
        self.assertEqual(voice.unreached_outcome("busy", None), "busy")
        self.assertEqual(voice.unreached_outcome("no_answer", ""), "no_answer")
        self.assertEqual(
            voice.unreached_outcome("completed", "machine_start"), "voicemail"
        )
        self.assertIsNone(voice.unreached_outcome("completed", "human"))

    def test_operator_leg_state(self):
        """The operator's phone rings, or they did not take the call: no
        attempt on the person. Completed is the person's leg's to say."""
        self.assertEqual(voice.operator_leg_state("queued", "ringing"), "initiated")
        self.assertIsNone(voice.operator_leg_state("initiated", "ringing"))
        self.assertEqual(voice.operator_leg_state("initiated", "busy"), "canceled")
        self.assertEqual(voice.operator_leg_state("queued", "no_answer"), "canceled")
        # The operator hung up before the person's leg began.
        self.assertEqual(voice.operator_leg_state("initiated", "completed"), "canceled")
        self.assertIsNone(voice.operator_leg_state("initiated", "completed", True))
        self.assertIsNone(voice.operator_leg_state("ringing", "completed"))
        self.assertIsNone(voice.operator_leg_state("in_progress", "no_answer"))

    def test_outcome_to_log(self):
        """Logged once, when the call ends unreached, or when a machine is
        reported after the end; never over a logged result."""
        self.assertEqual(voice.outcome_to_log(False, "busy", None, None, False), "busy")
        self.assertIsNone(voice.outcome_to_log(False, "busy", None, None, True))
        self.assertIsNone(voice.outcome_to_log(True, "busy", None, None, False))
        self.assertIsNone(
            voice.outcome_to_log(False, "completed", "human", None, False)
        )
        self.assertIsNone(voice.outcome_to_log(False, "ringing", None, None, False))
        late = voice.outcome_to_log(
            True, "completed", "machine_start", "machine_start", False
        )
        self.assertEqual(late, "voicemail")
        self.assertIsNone(
            voice.outcome_to_log(True, "completed", "machine_start", None, False)
        )

    def test_handling_minutes(self):
        self.assertEqual(voice.handling_minutes(AT, AT + timedelta(seconds=90)), 1.5)
        self.assertEqual(voice.handling_minutes(AT, AT - timedelta(minutes=1)), 0.0)

    def test_timestamps(self):
        self.assertEqual(
            voice.parse_timestamp("Tue, 01 Dec 2026 19:00:05 +0900"),
            datetime(2026, 12, 1, 10, 0, 5),
        )
        self.assertEqual(
            voice.parse_timestamp("2026-12-01T10:00:05Z"),
            datetime(2026, 12, 1, 10, 0, 5),
        )
        self.assertIsNone(voice.parse_timestamp("yesterday"))

    def _client(self, provider, **kw):
        config = {"account_sid": SID, "auth_token": TOKEN, "base_url": provider.url}
        return voice.TwilioVoiceClient(config, backoff=0.01, **kw)

    def test_timeout_after_sending_is_not_retried(self):
        with FakeVoiceProvider(SID, TOKEN) as provider:
            provider.plan = [(201, ({"sid": "CAlate"}, 1.0))]
            result = self._client(provider, read_timeout=0.2).place_call("k1", _call())
            self.assertEqual(result.state, voice.UNKNOWN)
            self.assertIn("check the provider", result.message)
            # On a loaded machine the server may log the request late.
            deadline = time.monotonic() + 2.0
            while not provider.requests and time.monotonic() < deadline:
                time.sleep(0.05)
            self.assertEqual(len(provider.requests), 1, "never sent twice")

    def test_connection_refused_is_retried_then_failed(self):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        config = {"account_sid": SID, "auth_token": TOKEN}
        config["base_url"] = f"http://127.0.0.1:{port}"
        client = voice.TwilioVoiceClient(config, backoff=0.01)
        result = client.place_call("k2", _call())
        self.assertEqual(result.state, voice.FAILED)
        self.assertIn("unreachable", result.message)

    def test_busy_with_a_call_sid_is_not_retried(self):
        with FakeVoiceProvider(SID, TOKEN) as provider:
            provider.plan = [(503, {"sid": "CAmade", "message": "slow"})]
            result = self._client(provider).place_call("k3", _call())
            self.assertEqual(result.state, voice.FAILED)
            self.assertEqual(len(provider.requests), 1)

    def test_http_click_to_call_template_and_headers(self):
        with FakeVoiceProvider(SID, TOKEN) as provider:
            client = voice.HttpClickToCall(
                {
                    "url_template": provider.url
                    + "/pbx/call?from={operator}&to={number}&cid={caller_id}",
                    "auth_header": "X-Api-Key: s3cret",
                }
            )
            call = {
                "operator": "sip:op@pbx",
                "number": "+819011110001",
                "caller_id": "+81339990001",
            }
            result = client.place_call("k4", call)
            self.assertEqual(result.state, voice.PLACED)
            self.assertTrue(result.sid.startswith("PBX-"))
            sent = provider.requests[0]
            self.assertEqual(
                sent["path"],
                "/pbx/call?from=sip%3Aop%40pbx&to=%2B819011110001&cid=%2B81339990001",
            )
            self.assertEqual(sent["headers"]["X-Api-Key"], "s3cret")
            self.assertEqual(sent["key"], "k4")
            self.assertEqual(sent["params"]["reference"], "k4")


class TestVoiceRecordingTools(LocalVoiceMixin, BaseCase):
    def test_twiml_records_only_after_the_announcement(self):
        args = ("Calling", "en-US", "+81339990001", "+819011110001", 25)
        urls = ("http://x/dial", "http://x/person")
        plain = etree.fromstring(voice.twiml_dial(*args, *urls).encode())
        self.assertIsNone(plain.find("Dial").get("record"))
        self.assertIsNone(plain.find("Dial/Number").get("url"))
        recorded = etree.fromstring(
            voice.twiml_dial(
                *args, *urls, announce_url="http://x/announce?t=a&b"
            ).encode()
        )
        dial = recorded.find("Dial")
        # Recording starts from Callflow once the announcement was said,
        # never from the Dial (record-from-answer may include it).
        self.assertIsNone(dial.get("record"))
        self.assertIsNone(dial.get("recordingStatusCallback"))
        self.assertEqual(dial.find("Number").get("url"), "http://x/announce?t=a&b")
        announce = etree.fromstring(
            voice.twiml_announce(
                "録音 <&>", "ja-JP", "http://x/announced?t=a&b"
            ).encode()
        )
        self.assertEqual([v.tag for v in announce], ["Say", "Redirect"])
        self.assertEqual(announce.find("Say").text, "録音 <&>")
        self.assertEqual(announce.find("Redirect").text, "http://x/announced?t=a&b")
        self.assertEqual(announce.find("Redirect").get("method"), "POST")
        self.assertEqual(len(etree.fromstring(voice.twiml_empty().encode())), 0)

    def test_start_recording_on_the_person_leg(self):
        with FakeVoiceProvider(SID, TOKEN) as provider:
            provider.legs["CAleg"] = "CAparent"
            client = voice.TwilioVoiceClient(
                {"base_url": provider.url, "account_sid": SID, "auth_token": TOKEN}
            )
            self.assertEqual(client.start_recording("CAleg", "http://x/rec?t=a"), "")
            sent = provider.requests[-1]
            self.assertEqual(
                sent["path"], f"/2010-04-01/Accounts/{SID}/Calls/CAleg/Recordings.json"
            )
            self.assertEqual(
                sent["params"],
                {
                    "RecordingStatusCallback": "http://x/rec?t=a",
                    "RecordingStatusCallbackMethod": "POST",
                    "RecordingStatusCallbackEvent": "completed",
                    "RecordingChannels": "dual",
                },
            )
            self.assertEqual(provider.events, [("record", "CAleg")])
            provider.record_plan = [500]
            self.assertIn("HTTP 500", client.start_recording("CAleg", "http://x"))

    def test_delete_recording_at_the_provider(self):
        with FakeVoiceProvider(SID, TOKEN) as provider:
            provider.recordings["RE1"] = "CA1"
            client = voice.TwilioVoiceClient(
                {"base_url": provider.url, "account_sid": SID, "auth_token": TOKEN}
            )
            provider.delete_plan = [500]
            self.assertIn("HTTP 500", client.delete_recording("RE1"))
            self.assertEqual(client.delete_recording("RE1"), "")
            self.assertEqual(client.delete_recording("RE1"), "", "404: gone")
            self.assertEqual(provider.deletes, ["RE1"] * 3)
            wrong = voice.TwilioVoiceClient(
                {"base_url": provider.url, "account_sid": SID, "auth_token": "x"}
            )
            provider.recordings["RE2"] = "CA2"
            self.assertIn("HTTP 401", wrong.delete_recording("RE2"))
            self.assertIn("RE2", provider.recordings)
