"""Recorded calls (issue #13): per list, off by default. The person hears
the announcement in their language before the recording starts; the
recording lands on the call for managers only, and is deleted at the
provider and in Odoo after the retention period."""

from datetime import timedelta
from xml.etree import ElementTree

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from odoo.addons.callflow_odoo.tools import signatures

from .test_voice import TOKEN, VoiceTwilioCase
from .voice_server import AUDIO

JA_ANNOUNCEMENT = "この通話は品質向上のため録音させていただきます"
EN_ANNOUNCEMENT = "This call is recorded to improve our service."


@tagged("post_install", "-at_install")
class TestVoiceRecording(VoiceTwilioCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = new_test_user(
            cls.env,
            "cf_rec_manager",
            groups="base.group_user,callflow_odoo.group_callflow_manager",
        )

    def _recorded_call(self, scenario="answered", **kw):
        self.call_list.record_calls = True
        entry, call, _action = self._call()
        twiml = self._play(call, scenario, **kw)
        return entry, call, twiml

    def _activate_ja(self):
        self.env["res.lang"]._activate_lang("ja_JP")
        self.env["ir.module.module"]._load_module_terms(
            ["callflow_odoo"], ["ja_JP"], overwrite=True
        )

    def assertAnnouncedThenRecorded(self, call, twiml, language, text):
        dial = ElementTree.fromstring(twiml).find("Dial")
        number = dial.find("Number")
        # No recording from the Dial: record-from-answer may include the
        # <Number url> announcement.
        self.assertNotIn("record=", twiml)
        self.assertIsNone(dial.get("recordingStatusCallback"))
        self.assertIn(f"/callflow/voice/announce/{call.id}?t=", number.get("url"))
        self.assertNotIn("<Start>", twiml)
        announcement = ElementTree.fromstring(
            self.provider.announcements[call.provider_call_sid]
        )
        say = announcement.find("Say")
        self.assertEqual(say.get("language"), language)
        self.assertEqual(say.text, text)
        self.assertIn(
            f"/callflow/voice/announced/{call.id}?t=",
            announcement.find("Redirect").text,
        )
        # The person's end: the announcement, then the recording (on their
        # leg, both channels), then the parties are connected.
        leg = call.provider_leg_sid
        self.assertEqual(
            self.provider.events,
            [
                ("announce", call.provider_call_sid),
                ("say", text),
                ("record", leg),
                ("bridged", call.provider_call_sid),
            ],
        )
        started = self.provider.recording_starts[leg]
        self.assertIn(
            f"/callflow/voice/recorded/{call.id}?t=",
            started["RecordingStatusCallback"],
        )
        self.assertEqual(started["RecordingStatusCallbackEvent"], "completed")
        self.assertEqual(started["RecordingChannels"], "dual")
        self.assertTrue(call.with_user(self.manager).recording_sid)

    def test_japanese_person_hears_the_japanese_announcement_first(self):
        self._activate_ja()
        self.partner.lang = "ja_JP"
        _entry, call, twiml = self._recorded_call()
        self.assertAnnouncedThenRecorded(call, twiml, "ja-JP", JA_ANNOUNCEMENT)

    def test_country_of_the_number_picks_the_language(self):
        self._activate_ja()
        self.partner.lang = False
        _entry, call, twiml = self._recorded_call()
        self.assertAnnouncedThenRecorded(call, twiml, "ja-JP", JA_ANNOUNCEMENT)

    def test_english_person_hears_the_list_announcement_in_english(self):
        self._activate_ja()
        self.partner.lang = "en_US"
        self.lead2.partner_id = self.env["res.partner"].create(
            {"name": "Jiro Sato", "lang": "en_US"}
        )
        self.call_list.with_context(
            lang="en_US"
        ).recording_announcement = "Calls are recorded for training."
        self.call_list.with_context(
            lang="ja_JP"
        ).recording_announcement = "研修のため録音しております"
        _entry, call, twiml = self._recorded_call()
        self.assertAnnouncedThenRecorded(
            call, twiml, "en-US", "Calls are recorded for training."
        )

    def test_default_list_does_not_record(self):
        self.assertFalse(self.call_list.record_calls, "off by default")
        _entry, call, _action = self._call()
        twiml = self._play(call, "answered")
        self.assertNotIn("record", twiml)
        self.assertNotIn("url=", twiml.split("<Number")[1])
        self.assertFalse(self.provider.announcements)
        self.assertFalse(self.provider.recordings)
        self.assertFalse(call.sudo().recording_sid)

    def test_recording_not_started_is_said_and_the_call_goes_on(self):
        """The provider refuses to record: the parties are still connected,
        unrecorded, and the operator is told so."""
        self.call_list.record_calls = True
        entry, call, _action = self._call()
        self.provider.record_plan = [500]
        with self.assertLogs(
            "odoo.addons.callflow_odoo.models.callflow_voice_recording", "WARNING"
        ):
            self._play(call, "answered")
        events = [kind for kind, _value in self.provider.events]
        self.assertEqual(events, ["announce", "say", "bridged"])
        self.assertFalse(self.provider.recordings)
        self.assertEqual(call.voice_state, "completed")
        self.assertEqual(call.talk_seconds, 42)
        self.assertIn("not recorded", call.voice_message)
        self.assertFalse(call.with_user(self.manager).recording_sid)
        self.assertEqual(entry.state, "in_call", "a conversation to log")

    def test_replayed_announcement_end_starts_no_second_recording(self):
        """The provider retries the request that starts the recording: the
        recording runs once, and the call does not claim it failed."""
        _entry, call, _twiml = self._recorded_call()
        started = dict(self.provider.recording_starts)
        self.provider.record_plan = [500]  # a second start would fail
        Recording = self.env["callflow.voice.recording"]
        self.assertTrue(Recording._start_recording(call, call.provider_leg_sid, "x"))
        self.assertEqual(self.provider.recording_starts, started)
        self.assertFalse(call.voice_message)

    def test_recording_lands_on_the_call_for_managers_only(self):
        _entry, call, _twiml = self._recorded_call(replay=True)
        rec_sid = next(iter(self.provider.recordings))
        calls_back = [c for c in self.provider.callbacks if "/recorded/" in c[0]]
        self.assertEqual([c[2] for c in calls_back], [204, 204], "replay: once")
        as_manager = call.with_user(self.manager)
        self.assertEqual(as_manager.recording_sid, rec_sid)
        self.assertEqual(as_manager.recording_duration, 42)
        self.assertTrue(as_manager.recording_url.endswith(f"/Recordings/{rec_sid}"))
        self.assertIn(
            f'src="/callflow/voice/recording/{call.id}"',
            str(as_manager.recording_player),
        )
        as_operator = call.with_user(self.operator)
        for fname in ("recording_url", "recording_sid", "recording_player"):
            with self.assertRaises(AccessError):
                as_operator.read([fname])
        with self.assertRaises(AccessError):
            as_operator.search_read([("id", "=", call.id)], ["recording_url"])
        # Playback streams through Callflow, for managers only.
        self.authenticate("cf_rec_manager", "cf_rec_manager")
        response = self.url_open(f"/callflow/voice/recording/{call.id}")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.content, AUDIO)
        self.assertNotIn(TOKEN, response.text)
        self.authenticate("cf_dialer_operator", "cf_dialer_operator")
        response = self.url_open(f"/callflow/voice/recording/{call.id}")
        self.assertEqual(response.status_code, 404)

    def test_forged_recording_callback_is_refused(self):
        self.call_list.record_calls = True
        _entry, call, _action = self._call()
        url = self.provider.requests[0]["params"]["Url"].replace(
            "/twiml/", "/recorded/"
        )
        params = {"RecordingSid": "RE1", "RecordingStatus": "completed"}
        forged = signatures.twilio_signature(url, params, "not-the-token")
        for headers in ({}, {"X-Twilio-Signature": forged}):
            response = self.url_open(url, data=params, headers=headers)
            self.assertEqual(response.status_code, 403)
        self.env.invalidate_all()
        self.assertFalse(call.sudo().recording_sid)

    def _age(self, call, days):
        call.sudo().recording_date = fields.Datetime.now() - timedelta(days=days)

    def test_retention_cron_deletes_at_the_provider_and_in_odoo(self):
        _entry, call, _twiml = self._recorded_call()
        rec_sid = call.sudo().recording_sid
        Recording = self.env["callflow.voice.recording"]
        self._age(call, 89)
        self.assertEqual(Recording._cron_purge_recordings(), 0, "not yet")
        self.assertFalse(self.provider.deletes)
        self._age(call, 91)
        self.assertEqual(Recording._cron_purge_recordings(), 1)
        self.assertEqual(self.provider.deletes, [rec_sid])
        self.assertNotIn(rec_sid, self.provider.recordings)
        call.invalidate_recordset()
        self.assertFalse(call.sudo().recording_sid)
        self.assertFalse(call.sudo().recording_url)
        record = call.lead_id or call.partner_id
        self.assertTrue(record)
        note = record.message_ids[:1]
        self.assertIn("deleted after 90 days", note.body)

    def test_provider_failure_keeps_the_recording_for_next_run(self):
        _entry, call, _twiml = self._recorded_call()
        rec_sid = call.sudo().recording_sid
        self._age(call, 100)
        self.provider.delete_plan = [500]
        Recording = self.env["callflow.voice.recording"]
        with self.assertLogs(
            "odoo.addons.callflow_odoo.models.callflow_voice_recording", "WARNING"
        ) as logs:
            self.assertEqual(Recording._cron_purge_recordings(), 0)
        self.assertIn(rec_sid, logs.output[0])
        call.invalidate_recordset()
        self.assertEqual(call.sudo().recording_sid, rec_sid, "kept")
        self.assertIn(rec_sid, self.provider.recordings)
        # The next run deletes it.
        self.assertEqual(Recording._cron_purge_recordings(), 1)
        self.assertEqual(self.provider.deletes, [rec_sid, rec_sid])
        call.invalidate_recordset()
        self.assertFalse(call.sudo().recording_sid)

    def test_without_credentials_nothing_is_forgotten(self):
        _entry, call, _twiml = self._recorded_call()
        rec_sid = call.sudo().recording_sid
        self._age(call, 100)
        self.env["ir.config_parameter"].sudo().set_param(
            "callflow_odoo.voice_twilio_auth_token", False
        )
        Recording = self.env["callflow.voice.recording"]
        with self.assertLogs(
            "odoo.addons.callflow_odoo.models.callflow_voice_recording", "WARNING"
        ):
            self.assertEqual(Recording._cron_purge_recordings(), 0)
        self.assertFalse(self.provider.deletes)
        call.invalidate_recordset()
        self.assertEqual(call.sudo().recording_sid, rec_sid)
