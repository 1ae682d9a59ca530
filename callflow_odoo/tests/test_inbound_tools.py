"""tools/inbound.py without a database: who each stage rings and its
TwiML."""

from lxml import etree

from odoo.tests import BaseCase

from ..tools import inbound


class TestInboundTools(BaseCase):
    def test_ring_nouns_follow_the_ring_target(self):
        self.assertEqual(
            inbound.ring_noun("+819000000001"), "<Number>+819000000001</Number>"
        )
        self.assertEqual(
            inbound.ring_noun("sip:oda@pbx.example.com"),
            "<Sip>sip:oda@pbx.example.com</Sip>",
        )
        self.assertEqual(inbound.ring_noun("client:oda"), "<Client>oda</Client>")
        self.assertEqual(inbound.ring_noun("  "), "")
        noun = inbound.ring_noun("client:a&b", "https://x/s?t=1&u=2")
        root = etree.fromstring(noun)
        self.assertEqual(root.text, "a&b")
        self.assertEqual(root.get("statusCallback"), "https://x/s?t=1&u=2")
        self.assertEqual(root.get("statusCallbackEvent"), "answered completed")

    def test_ring_list_keeps_order_skips_rung_and_caps(self):
        candidates = [(i, f"client:op{i}") for i in range(1, 9)]
        picked = inbound.ring_list(candidates, exclude={2})
        self.assertEqual([uid for uid, _t in picked], [1, 3, 4, 5, 6])
        self.assertEqual(
            inbound.ring_list([(0, "+8131"), (3, "+8131"), (4, ""), (5, None)]),
            [(0, "+8131")],
        )

    def test_next_stage_skips_empty_stages(self):
        stages = {
            inbound.STAGE_LAST: [],
            inbound.STAGE_LIST: [],
            inbound.STAGE_FALLBACK: [(0, "+8131")],
        }
        self.assertEqual(
            inbound.next_stage(stages, inbound.STAGE_LAST),
            (inbound.STAGE_FALLBACK, [(0, "+8131")]),
        )
        self.assertEqual(
            inbound.next_stage(stages, inbound.STAGE_FALLBACK + 1),
            (inbound.STAGE_VOICEMAIL, []),
        )

    def test_ring_twiml_dials_everyone_at_once(self):
        twiml = inbound.twiml_ring(
            [(7, "client:oda"), (0, "sip:desk@pbx")],
            "+819011112222",
            20,
            "https://odoo/next?t=x&stage=1",
            lambda uid: f"https://odoo/status?t=x&u={uid}",
        )
        dial = etree.fromstring(twiml.encode()).find("Dial")
        self.assertEqual(dial.get("callerId"), "+819011112222")
        self.assertEqual(dial.get("timeout"), "20")
        self.assertEqual(dial.get("action"), "https://odoo/next?t=x&stage=1")
        self.assertEqual([n.tag for n in dial], ["Client", "Sip"])
        self.assertEqual(dial[0].get("statusCallback"), "https://odoo/status?t=x&u=7")

    def test_voicemail_twiml_says_then_records(self):
        twiml = inbound.twiml_voicemail(
            "ただいま電話に出ることができません。", "ja-JP", "https://a", "https://r"
        )
        root = etree.fromstring(twiml.encode())
        self.assertEqual([child.tag for child in root], ["Say", "Record", "Hangup"])
        self.assertEqual(root[0].get("language"), "ja-JP")
        record = root.find("Record")
        self.assertEqual(record.get("maxLength"), "120")
        self.assertEqual(record.get("recordingStatusCallback"), "https://r")
        self.assertEqual(inbound.caller_id_of("anonymous"), "")
        self.assertEqual(inbound.caller_id_of("+819011112222"), "+819011112222")

    def test_hidden_callers_are_anonymous(self):
        for placeholder in ("+266696687", "+7378742833", "Anonymous", "", None):
            self.assertEqual(inbound.caller_of(placeholder), "anonymous")
        self.assertEqual(inbound.caller_of(" +819011112222 "), "+819011112222")
