"""Calls ringing a published number through a Twilio-compatible provider
(issue #14): the local provider (tests/voice_server.py) posts the signed
inbound webhook, then plays Callflow's TwiML stage by stage over real HTTP."""

import json

from odoo.tests import HttpCase, tagged

from .common import CallflowCommon, log_call, record_opt_out, set_twilio_voice
from .voice_server import FakeVoiceProvider

SID = "ACinbound000000000000000000000000"
TOKEN = "inbound-auth-token"
PERSON = "+819011112222"
OP1 = "client:op1"
OP2 = "+819000000002"
DESK = "sip:desk@pbx.example.com"
BOSS = "client:boss"


@tagged("post_install", "-at_install")
class TestInboundVoice(CallflowCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_dialer()
        cls.env["res.lang"]._activate_lang("ja_JP")
        cls.operator.callflow_ring_target = OP1
        cls.operator2.callflow_ring_target = OP2
        cls.manager.callflow_ring_target = BOSS
        cls.company.callflow_inbound_fallback = DESK
        cls.partner = cls.env["res.partner"].create(
            {"name": "山田 太郎", "mobile": "090-1111-2222", "lang": "ja_JP"}
        )
        cls.list = cls.make_list()
        cls.entry = cls.make_entry(cls.list, PERSON, partner_id=cls.partner.id)
        cls.result = cls.env.ref("callflow_odoo.call_result_not_interested")

    def setUp(self):
        super().setUp()
        self.provider = self.enterContext(FakeVoiceProvider(SID, TOKEN))
        set_twilio_voice(self, SID, TOKEN, self.provider.url)
        self.webhook = f"{self.base_url()}/callflow/voice/inbound"
        self.bus_start = self.env["bus.bus"].search([], order="id desc", limit=1).id

    def _online(self, *users):
        self.env["bus.presence"].create(
            [{"user_id": user.id, "status": "online"} for user in users]
        )

    def _spoke_to(self, operator):
        self.env["callflow.dialer"].with_user(operator)._pick_next(self.list.ids)
        log_call(self.env, operator, self.entry, self.result)

    def _ring(self, caller=PERSON, called="+81 3-6000-0001", **kw):
        self.env.flush_all()  # the provider's requests read the database
        life = self.provider.ring_in(self.webhook, caller, called, **kw)
        self.env.invalidate_all()
        calls = self.env["callflow.call"].search(
            [("provider_call_sid", "=", life["sid"])]
        )
        return life, calls

    def _popped(self):
        """{partner id: [payload]} of the screen pops sent so far."""
        self.env.cr.precommit.run()  # the bus writes its rows at commit
        popped = {}
        for note in self.env["bus.bus"].search([("id", ">", self.bus_start)]):
            message = json.loads(note.message)
            if message["type"] == "callflow.inbound/pop":
                partner_id = json.loads(note.channel)[-1]
                popped.setdefault(partner_id, []).append(message["payload"])
        return popped

    def test_known_caller_rings_their_last_operator_first(self):
        self.assertEqual(
            self.caller_number.inbound_voice_url,
            f"{self.base_url()}/callflow/voice/inbound",
            "the number's form shows the URL to paste at the provider",
        )
        self._spoke_to(self.operator2)
        self._online(self.operator, self.operator2)
        life, call = self._ring(answer=OP2)
        self.assertEqual(life["dials"], [[OP2]], "only their operator rings")
        self.assertEqual(len(call), 1)
        self.assertEqual(call.direction, "inbound")
        self.assertEqual(call.partner_id, self.partner)
        self.assertEqual(call.caller_number_id, self.caller_number)
        self.assertEqual(call.inbound_status, "answered")
        self.assertEqual(call.user_id, self.operator2)
        self.assertEqual(call.voice_state, "completed")
        self.assertEqual(call.talk_seconds, 42)
        self.assertTrue(call.answer_date)
        self.assertIn(f'callerId="{PERSON}"', life["twiml"][0])
        self.assertIn("<Hangup/>", life["twiml"][-1])
        popped = self._popped()
        self.assertEqual(list(popped), [self.operator2.partner_id.id])
        payload = popped[self.operator2.partner_id.id][0]
        self.assertEqual(payload["name"], "山田 太郎")
        self.assertTrue(payload["known"])
        self.assertEqual(payload["call_id"], call.id)

    def test_busy_last_operator_falls_back_to_the_list_then_the_fallback(self):
        self._spoke_to(self.operator2)
        self._online(self.operator, self.operator2, self.manager)
        self.company.callflow_inbound_fallback_user_ids = self.manager
        # Op Two is on another call.
        self.env["callflow.inbound"]._receive(
            "+81312340000",
            self.caller_number,
            provider="twilio",
            sid="CAother",
            user=self.operator2,
        )
        life, call = self._ring(answer=DESK)
        self.assertEqual(life["dials"], [[OP1], [DESK, BOSS]])
        self.assertEqual(call.inbound_status, "answered")
        self.assertEqual(call.user_id, self.operator, "the desk is no user")
        popped = self._popped()
        self.assertEqual(
            set(popped), {self.operator.partner_id.id, self.manager.partner_id.id}
        )
        self.assertNotIn(self.operator2.partner_id.id, popped)

    def test_nobody_answers_leaves_a_voicemail_and_a_callback(self):
        self._spoke_to(self.operator)
        self._online(self.operator)
        life, call = self._ring(answer=None)
        self.assertEqual(life["dials"], [[OP1], [DESK]])
        voicemail = life["twiml"][2]
        self.assertIn('<Say language="ja-JP">', voicemail)
        self.assertIn("発信音のあとにメッセージをお話しください", voicemail)
        self.assertIn('<Record maxLength="120"', voicemail)
        self.assertEqual(call.inbound_status, "voicemail")
        self.assertTrue(call.recording_sid.startswith("RE"))
        self.assertEqual(call.recording_duration, 17)
        self.assertEqual(call.voice_state, "no_answer")
        # The person comes back first in line, for their operator.
        self.assertEntryState(self.entry, "callback_due")
        self.assertEqual(self.entry.operator_id, self.operator)
        activity = self.partner.activity_ids
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.user_id, self.operator)
        picked = self.pick(self.operator)
        self.assertEqual(picked.id if picked else picked, self.entry.id)

    def test_hang_up_without_a_message_is_a_missed_call(self):
        self._spoke_to(self.operator)
        _life, call = self._ring(answer=None, message=False)
        self.assertEqual(call.inbound_status, "missed")
        self.assertFalse(call.recording_sid)
        self.assertEntryState(self.entry, "callback_due")
        self.assertEqual(len(self.partner.activity_ids), 1)

    def test_unknown_caller_rings_the_list_free_fallback(self):
        self._online(self.operator, self.manager)
        self.company.callflow_inbound_fallback_user_ids = self.manager
        life, call = self._ring(caller="+81 3 7777 0000", answer=BOSS)
        self.assertEqual(life["dials"], [[DESK, BOSS]])
        self.assertFalse(call.partner_id)
        self.assertEqual(call.dialed_number, "+81377770000")
        self.assertEqual(call.user_id, self.manager)
        popped = self._popped()
        self.assertEqual(list(popped), [self.manager.partner_id.id])
        self.assertFalse(popped[self.manager.partner_id.id][0]["known"])

    def test_anonymous_caller_goes_to_voicemail_in_the_company_language(self):
        self.company.callflow_inbound_fallback = False
        self.company.partner_id.lang = "ja_JP"
        life, call = self._ring(caller="+266696687", answer=None)
        self.assertEqual(len(life["twiml"]), 2)
        self.assertIn("<Record", life["twiml"][0])
        self.assertIn('<Say language="ja-JP">', life["twiml"][0])
        self.assertEqual(call.dialed_number, "anonymous")
        self.assertEqual(call.inbound_status, "voicemail")
        self.assertFalse(call.entry_id, "nobody to call back")

    def test_blocked_caller_rings_and_is_logged(self):
        self._spoke_to(self.operator)
        record_opt_out(self.env, PERSON)
        self._online(self.operator)
        _life, call = self._ring(answer=OP1)
        self.assertEqual(call.inbound_status, "answered")
        payload = self._popped()[self.operator.partner_id.id][0]
        self.assertTrue(payload["blocked"])
        self.assertTrue(payload["preference"])

    def test_unsigned_or_forged_webhook_is_refused(self):
        params = {"CallSid": "CAforged", "From": PERSON, "To": "+81360000001"}
        for headers in ({}, {"X-Twilio-Signature": "Zm9yZ2Vk"}):
            response = self.url_open(self.webhook, data=params, headers=headers)
            self.assertEqual(response.status_code, 403)
        self.assertFalse(
            self.env["callflow.call"].search([("provider_call_sid", "=", "CAforged")])
        )

    def test_follow_up_needs_the_calls_token(self):
        self._online(self.operator)
        life, call = self._ring(answer=OP1)
        twiml = life["twiml"][0]
        action = twiml.split('action="')[1].split('"')[0].replace("&amp;", "&")
        self.assertIn(f"/callflow/voice/inbound/next/{call.id}?t=", action)
        forged = action.split("?t=")[0] + "?t=guess&stage=1"
        response = self.provider.post(forged, {"CallSid": life["sid"]})
        self.assertEqual(response.status_code, 403)

    def test_replayed_webhook_is_logged_once(self):
        """A replay is logged once and answered alike: the call's own
        ringing does not make its operator busy for the replay."""
        self._spoke_to(self.operator)
        self._online(self.operator, self.operator2)
        before = len(self.partner.message_ids)
        params = {"CallSid": "CAreplay", "From": PERSON, "To": "+81360000001"}
        self.env.flush_all()
        first = self.provider.post(self.webhook, params)
        again = self.provider.post(self.webhook, params)
        self.assertEqual((first.status_code, again.status_code), (200, 200))
        self.assertIn(">op1</Client>", first.text)
        self.assertNotIn(OP2, first.text)
        self.assertEqual(first.text, again.text)
        self.env.invalidate_all()
        calls = self.env["callflow.call"].search(
            [("provider_call_sid", "=", "CAreplay")]
        )
        self.assertEqual(len(calls), 1)
        self.assertEqual(len(self.partner.message_ids), before + 1)

    def test_number_that_is_not_published_is_refused_politely(self):
        Call = self.env["callflow.call"]
        before = Call.search_count([("direction", "=", "inbound")])
        self.caller_number.is_published = False
        life, call = self._ring(called="+81360000001")
        self.assertFalse(call)
        self.assertIn("<Say", life["twiml"][0])
        self.assertIn("<Hangup/>", life["twiml"][0])
        self.assertEqual(Call.search_count([("direction", "=", "inbound")]), before)
        life, call = self._ring(called="+81399999999")
        self.assertFalse(call)
        self.assertIn("<Hangup/>", life["twiml"][0])

    def test_garbage_in_signed_requests_gets_a_clear_answer(self):
        self._online(self.operator)
        life, call = self._ring(answer=OP1)
        action = life["twiml"][0].split('action="')[1].split('"')[0]
        action = action.replace("&amp;", "&")
        nasty = ["", "０９０－１１１１－２２２２", "' OR 1=1 --", "x" * 5000, "\x00"]
        for value in nasty:
            for params in (
                {"CallSid": "CAgarbage", "From": value, "To": "+81360000001"},
                {"CallSid": "CAgarbage2", "From": PERSON, "To": value},
                {"CallSid": value, "From": PERSON, "To": "+81360000001"},
            ):
                response = self.provider.post(self.webhook, params)
                self.assertIn(response.status_code, (200, 400), params)
            for query in ("&stage=", "&stage=x1", "&stage=99", "&stage=-3"):
                response = self.provider.post(
                    action.split("&stage=")[0] + query,
                    {"CallSid": life["sid"], "DialCallStatus": value[:50]},
                )
                self.assertIn(response.status_code, (200, 400))
            response = self.provider.post(
                action.replace("/next/", "/recorded/").split("&stage=")[0],
                {"RecordingSid": value[:64], "RecordingDuration": value[:20]},
            )
            self.assertIn(response.status_code, (204, 400))
        self.env.invalidate_all()
        self.assertEqual(call.inbound_status, "answered")
