"""The SMS Outbox tells the truth (issue #16): a message the outbox kept is
"In outbox, not sent to any phone", never "Sent", and its text is readable
with only the token of its personal link masked."""

import re

from lxml import etree

from odoo.exceptions import ValidationError
from odoo.tests import TransactionCase, tagged

from odoo.addons.callflow_odoo.tests.common import CallflowCommon

MOBILE = "+819011110007"
BODY = "This is {operator} from {company}. Stop: {optout_link}"


@tagged("post_install", "-at_install")
class TestSmsOutbox(CallflowCommon, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_dialer()
        params = cls.env["ir.config_parameter"].sudo()
        params.set_param("callflow_sms.provider", "outbox")
        params.set_param("callflow_sms.window_from", "0")
        params.set_param("callflow_sms.window_to", "24")
        cls.template = cls.env["callflow.sms.template"].create(
            {"name": "After", "when": "after", "body": BODY}
        )
        cls.call_list = cls.make_list(sms_after_template_id=cls.template.id)
        cls.entry = cls.make_entry(cls.call_list, MOBILE)

    def test_outbox_message_says_it_reached_no_phone(self):
        sms = self.env["callflow.sms.sender"]._callflow_send(self.entry, self.template)
        self.env["sms.sms"]._process_queue()
        sms.invalidate_recordset()
        self.assertEqual(sms.state, "callflow_outbox")
        labels = dict(self.env["sms.sms"].fields_get(["state"])["state"]["selection"])
        self.assertEqual(labels[sms.state], "In outbox, not sent to any phone")
        # Not queued again: the next run of the queue leaves it alone.
        self.env["sms.sms"]._process_queue()
        self.assertEqual(sms.state, "callflow_outbox")
        # The text is readable; only the link's token is masked.
        company = self.env.company.name
        self.assertRegex(
            sms.body,
            rf"^This is .+ from {re.escape(company)}\. Stop: https?://\S+/o/…[\w-]{{2}}$",
        )

    def test_outbox_list_shows_the_message_and_its_state(self):
        action = self.env.ref("callflow_sms.callflow_sms_outbox_action")
        views = self.env["sms.sms"].get_views(
            [(v.view_id.id, v.view_mode) for v in action.view_ids] or [(False, "list")]
        )
        arch = etree.fromstring(views["views"]["list"]["arch"])
        columns = arch.xpath("//field/@name")
        self.assertIn("body", columns)
        self.assertIn("state", columns)

    def test_outbox_state_and_settings_in_japanese(self):
        self.env["res.lang"]._activate_lang("ja_JP")
        self.env["ir.module.module"]._load_module_terms(
            ["callflow_sms"], ["ja_JP"], overwrite=True
        )
        env = self.env(context=dict(self.env.context, lang="ja_JP"))
        labels = dict(env["sms.sms"].fields_get(["state"])["state"]["selection"])
        self.assertEqual(
            labels["callflow_outbox"], "送信トレイ内（どの電話にも送信されていません）"
        )
        described = env["res.config.settings"].fields_get(
            ["callflow_sms_window_from"], ["string", "help"]
        )["callflow_sms_window_from"]
        self.assertEqual(described["string"], "SMS送信開始時刻")
        self.assertIn("受信者のタイムゾーン", described["help"])
        with self.assertRaisesRegex(ValidationError, "SMSの送信時間帯は"):
            env["res.config.settings"].create(
                {"callflow_sms_window_from": 21, "callflow_sms_window_to": 8}
            )
