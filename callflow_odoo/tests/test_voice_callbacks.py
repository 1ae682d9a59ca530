"""Status callbacks of one call arriving together (issue #13): applied one
after the other, none lost, none applied twice, nothing failing on
serialization; and the ring time of a call whose end came first."""

from datetime import datetime, timedelta

from odoo import SUPERUSER_ID, api
from odoo.tests import BaseCase, tagged

from ..tools import voice
from .common import CommittedCase

AT = datetime(2026, 12, 1, 10, 0, 0)


class TestMergeOutOfOrder(BaseCase):
    def test_ring_time_when_the_end_comes_before_ringing(self):
        """``no-answer`` first, then the late ``ringing``: the ring time is
        still the time from ringing to the end."""
        current = dict.fromkeys(voice.MERGED_FIELDS)
        current["voice_state"] = "initiated"
        current.update(voice.merge_status(current, "no-answer", AT))
        late = voice.merge_status(current, "ringing", AT - timedelta(seconds=25))
        self.assertNotIn("voice_state", late, "no_answer stays")
        self.assertEqual(late["ring_seconds"], 25)
        current.update(late)
        self.assertEqual(voice.merge_status(current, "ringing", AT), {})


@tagged("post_install", "-at_install")
class TestVoiceCallbackConcurrency(CommittedCase):
    def setUp(self):
        super().setUp()
        with self.committed_env() as env:
            call = env["callflow.call"].create(
                {
                    "dialed_number": "+819012340000",
                    "voice_provider": "twilio",
                    "voice_state": "initiated",
                }
            )
            self.call_id = call.id
        self.addCleanup(self._remove_call)

    def _remove_call(self):
        with self.committed_env() as env:
            env["callflow.call"].browse(self.call_id).unlink()

    def test_callback_after_a_concurrent_one_is_applied_once(self):
        """Request 1 has read the call (its snapshot is taken) when request
        2 applies ``ringing`` and commits; request 1's ``no-answer`` then
        waits for and builds on request 2's result instead of failing with
        "could not serialize access" (replayed, and logged as an ERROR)."""
        with self.two_cursors() as (cr1, cr2):
            env1 = api.Environment(cr1, SUPERUSER_ID, {})
            env2 = api.Environment(cr2, SUPERUSER_ID, {})
            env1["callflow.call"].browse(self.call_id).read(["voice_state"])
            env2["callflow.voice"]._apply_status(
                env2["callflow.call"].browse(self.call_id),
                "person",
                "ringing",
                at=AT - timedelta(seconds=25),
            )
            cr2.commit()  # pylint: disable=invalid-commit
            env1["callflow.voice"]._apply_status_read_committed(
                self.call_id, "person", "no-answer", at=AT
            )
            cr1.commit()  # pylint: disable=invalid-commit
            # The same callback replayed changes nothing.
            env1["callflow.voice"]._apply_status_read_committed(
                self.call_id, "person", "no-answer", at=AT
            )
            cr1.commit()  # pylint: disable=invalid-commit
        with self.committed_env() as env:
            call = env["callflow.call"].browse(self.call_id)
            self.assertEqual(call.voice_state, "no_answer")
            self.assertEqual(call.ring_seconds, 25)
            self.assertEqual(call.outcome, "no_answer")
            self.assertEqual(
                call.result_id, env.ref("callflow_odoo.call_result_no_answer")
            )
