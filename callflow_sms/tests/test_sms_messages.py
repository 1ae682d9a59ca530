from datetime import datetime

from odoo.exceptions import ValidationError
from odoo.tests import TransactionCase, tagged

from odoo.addons.callflow_sms.tools.sms_segments import count_segments

from .common import CallflowSMSCase

MOBILE_A = "+819011110001"
MOBILE_B = "+819011110002"
BODY = "This is {operator} from {company}, {caller_number}. Stop: {optout_link}"


@tagged("post_install", "-at_install")
class TestSegmentCounter(TransactionCase):
    def test_gsm_single_and_multipart(self):
        self.assertEqual(
            count_segments("a" * 160),
            {
                "encoding": "gsm7",
                "chars": 160,
                "segments": 1,
                "chars_left": 0,
                "per_segment": 160,
            },
        )
        info = count_segments("a" * 161)
        self.assertEqual((info["segments"], info["chars_left"]), (2, 145))

    def test_extension_chars_count_double(self):
        for char in "€^{":
            info = count_segments(char * 80)
            self.assertEqual(info["encoding"], "gsm7", char)
            self.assertEqual((info["chars"], info["segments"]), (160, 1), char)
        self.assertEqual(count_segments("€" * 81)["segments"], 2)

    def test_emoji_and_japanese_are_ucs2(self):
        info = count_segments("Hi 😀")
        self.assertEqual((info["encoding"], info["chars"]), ("ucs2", 5))
        info = count_segments("お" * 70)
        self.assertEqual((info["encoding"], info["segments"]), ("ucs2", 1))
        info = count_segments("お" * 71)
        self.assertEqual((info["segments"], info["chars_left"]), (2, 63))

    def test_link_counted_at_real_length(self):
        info = count_segments("x {optout_link}", link_length=45)
        self.assertEqual(info["chars"], 47)

    def test_template_form_counter_and_warning(self):
        template = self.env["callflow.sms.template"].create(
            {
                "name": "JA",
                "when": "after",
                "body": "{company}です。" * 60 + "{optout_link}",
            }
        )
        self.assertEqual(template.sms_encoding, "UCS-2")
        self.assertGreater(template.sms_segments, 3)
        self.assertTrue(template.sms_warning)
        template.body = "{company}: stop {optout_link}"
        self.assertEqual(template.sms_encoding, "GSM-7")
        self.assertEqual(template.sms_segments, 1)
        self.assertFalse(template.sms_warning)


@tagged("post_install", "-at_install")
class TestTemplateValidation(TransactionCase):
    def test_sender_and_link_required(self):
        Template = self.env["callflow.sms.template"]
        with self.assertRaisesRegex(ValidationError, "optout_link"):
            Template.create({"name": "x", "body": "{company} calls you"})
        with self.assertRaisesRegex(ValidationError, "company"):
            Template.create({"name": "x", "body": "Stop: {optout_link}"})
        with self.assertRaisesRegex(ValidationError, "Unknown"):
            Template.create({"name": "x", "body": "{company} {name} {optout_link}"})
        template = Template.create({"name": "ok", "body": BODY})
        with self.assertRaises(ValidationError):
            template.body = "No identity"


@tagged("post_install", "-at_install")
class TestCallflowSend(CallflowSMSCase, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_dialer()
        cls.env["ir.config_parameter"].sudo().set_param(
            "callflow_sms.provider", "outbox"
        )
        cls.template = cls.env["callflow.sms.template"].create(
            {"name": "After", "when": "after", "body": BODY}
        )
        cls.no_answer = cls.env["callflow.call.result"].create(
            {"name": "No answer (test)", "outcome_hint": "no_answer"}
        )
        cls.call_list = cls.make_list(
            sms_after_template_id=cls.template.id,
            sms_before_template_id=cls.env["callflow.sms.template"]
            .create({"name": "Before", "when": "before", "body": BODY})
            .id,
            sms_after_result_ids=[(6, 0, cls.no_answer.ids)],
        )
        cls.partner = cls.env["res.partner"].create({"name": "Sato", "phone": MOBILE_A})
        cls.lead = cls.env["crm.lead"].create({"name": "Sato lead", "phone": MOBILE_A})
        cls.entry_a = cls.make_entry(
            cls.call_list, MOBILE_A, partner_id=cls.partner.id, lead_id=cls.lead.id
        )
        cls.entry_b = cls.make_entry(cls.call_list, MOBILE_B)

    def test_personal_link_and_chatter(self):
        sms = self.env["callflow.sms.sender"]._callflow_send(
            self.entry_a, self.template
        )
        self.assertEqual(len(sms), 1)
        # Queued, the link is masked: it is made when the SMS leaves.
        self.assertRegex(sms.body, r"/o/…[A-Za-z0-9_-]{2}$")
        self.assertIn(self.company.name, sms.body)
        self.assertIn("03-6000-0001", sms.body)
        self.assertEqual(sms.callflow_token_id.number, MOBILE_A)
        self.assertEqual(
            (sms.callflow_token_id.res_model, sms.callflow_token_id.res_id),
            ("sms.sms", sms.id),
            "the link shows the SMS that carried it",
        )
        self.assertEqual(sms.callflow_token_id.lead_id, self.lead)
        self.assertIn(sms.body, self.partner.message_ids[0].body)
        self.assertIn(sms.body, self.lead.message_ids[0].body)

    def test_blocked_numbers_are_skipped(self):
        self.env["callflow.preference.event"]._record(
            [
                {
                    "number": MOBILE_B,
                    "channel": "sms",
                    "scope": "all",
                    "action": "opt_out",
                    "source": "manual",
                }
            ]
        )
        self.call_list.action_callflow_announce()
        self.assertSMSQueued(MOBILE_A)
        self.assertNoSMS(MOBILE_B)

    def test_night_messages_wait_for_the_morning(self):
        # 23:30 in Tokyo = 14:30 UTC: queued until 09:00 Tokyo = 00:00 UTC.
        Sms, Sender = self.env["sms.sms"], self.env["callflow.sms.sender"]
        night = datetime(2026, 11, 20, 14, 30)
        self.assertEqual(
            Sender._callflow_send_after("Asia/Tokyo", now=night), datetime(2026, 11, 21)
        )
        self.assertFalse(
            Sender._callflow_send_after("Asia/Tokyo", datetime(2026, 11, 20, 3))
        )
        sms = Sms.create(
            {
                "number": MOBILE_A,
                "body": "x",
                "callflow_send_after": datetime(2999, 1, 1),
            }
        )
        sms.send(unlink_sent=False)
        self.assertEqual(sms.state, "outgoing", "not sent before its time")

    def test_automatic_after_result_and_one_click(self):
        self.entry_b._register_attempt(result=self.no_answer, outcome="no_answer")
        self.assertSMSQueued(MOBILE_B, count=1)
        self.entry_a.action_callflow_send_sms()
        self.assertSMSQueued(MOBILE_A, count=1)

    def test_dialer_screen_offers_the_one_click_sms(self):
        """The operator sends the after-call SMS from the dialer screen."""
        view = self.env.ref("callflow_odoo.callflow_list_entry_view_form_dialer")
        arch = self.env["callflow.list.entry"].get_view(view.id)["arch"]
        self.assertIn('name="action_callflow_send_sms"', arch)
