"""The server work of one voice status callback (issue #13: <= 15 ms): a
ringing callback runs a bounded number of SQL queries, so that extra reads
added to its path fail here rather than in the benchmark."""

from odoo.tests import HttpCase, tagged

from .common import set_twilio_voice, twilio_post

SID = "ACtest0000000000000000000000000000"
TOKEN = "voice-auth-token"
RAW = "callback-queries-token"


@tagged("post_install", "-at_install")
class TestVoiceCallbackQueries(HttpCase):
    def setUp(self):
        super().setUp()
        set_twilio_voice(self, SID, TOKEN)
        Voice = self.env["callflow.voice"]
        self.call = self.env["callflow.call"].create(
            {
                "dialed_number": "+819012340000",
                "voice_provider": "twilio",
                "voice_state": "initiated",
                "voice_token_hash": Voice._hash(RAW),
            }
        )
        self.url = Voice._url(self.call, "status", RAW, "person")

    def _post(self, status):
        response = twilio_post(
            self, self.url, {"CallSid": "CAperson", "CallStatus": status}, TOKEN
        )
        self.assertEqual(response.status_code, 204)

    def test_ringing_callback_query_count(self):
        """A ringing callback: authenticate, lock, merge, write, notify."""
        self._post("initiated")  # warm the caches a worker keeps
        self.env.invalidate_all()
        # 8 before issue #13's work on it: the call read twice (an exists()
        # check, and again after the lock) and the operator's user once.
        with self.assertQueryCount(5):
            self._post("ringing")
        self.env.invalidate_all()
        self.assertEqual(self.call.voice_state, "ringing")
        self.assertTrue(self.call.ring_date)
