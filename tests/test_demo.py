"""The demo shows the product (#16): demo leads have salespeople, Send SMS
works on the demo's dialer, and ``make demo``'s set-up (scripts/demo_setup.py)
leaves SMS in the outbox whose personal links open on the demo's address."""

from pathlib import Path

from odoo.tests import HttpCase, tagged

from odoo.addons.callflow_odoo.tests.common import load_file

ROOT = Path(__file__).resolve().parent.parent


def load_demo_setup():
    """scripts/demo_setup.py as a module (odoo shell runs it as a script)."""
    return load_file(ROOT / "scripts" / "demo_setup.py", "callflow_demo_setup")


@tagged("post_install", "-at_install")
class TestDemo(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.operator = cls.env.ref("callflow_odoo.user_operator_demo")
        cls.leads_list = cls.env.ref("callflow_odoo.call_list_demo_leads")
        cls.env["ir.config_parameter"].sudo().set_param(
            "callflow_sms.provider", "outbox"
        )

    def test_demo_leads_belong_to_salespeople(self):
        """Activities from opt-outs reach a salesperson, not OdooBot."""
        leads = self.env["crm.lead"].search(
            [("tag_ids", "in", self.env.ref("callflow_odoo.crm_tag_callflow_demo").ids)]
        )
        self.assertGreaterEqual(len(leads), 8)
        for lead in leads:
            self.assertTrue(lead.user_id, lead.name)
            self.assertNotEqual(lead.user_id, self.env.ref("base.user_root"))
            self.assertTrue(
                lead.user_id.has_group("sales_team.group_sale_salesman"), lead.name
            )
        partners = self.env["res.partner"].search(
            [
                (
                    "category_id",
                    "in",
                    self.env.ref("callflow_odoo.partner_category_callflow_demo").ids,
                )
            ]
        )
        self.assertTrue(partners)
        self.assertTrue(all(partners.mapped("user_id")))

    def test_send_sms_on_the_demo_dialer_queues_an_sms(self):
        """The spring campaign has before/after texts: the dialer's Send SMS
        queues the after-call SMS with a personal link."""
        self.assertTrue(self.leads_list.sms_before_template_id)
        self.assertTrue(self.leads_list.sms_after_template_id)
        entry = self.leads_list.entry_ids.filtered(lambda e: e.state == "pending")[:1]
        self.assertTrue(entry)
        SMS = self.env["sms.sms"].sudo()
        before = SMS.search_count([("number", "=", entry.number)])
        entry.with_user(self.operator).action_callflow_send_sms()
        sms = SMS.search([("number", "=", entry.number)], order="id desc", limit=1)
        self.assertEqual(SMS.search_count([("number", "=", entry.number)]), before + 1)
        self.assertIn("Keiko Sato", sms.body)
        self.assertIn("/o/", sms.body)
        self.assertTrue(sms.callflow_token_id)

    def test_demo_setup_outbox_links_open_on_the_demo_address(self):
        """No example.com: each outbox SMS carries a personal link on the
        demo's base URL, and that link opens the personal page."""
        self.assertFalse(
            self.env["sms.sms"].sudo().search([("body", "ilike", "example.com/o/")])
        )
        base_url = self.base_url()
        links = load_demo_setup().setup_demo(self.env, base_url=base_url)
        self.assertEqual(len(links), 2)
        outbox = self.env["sms.sms"].sudo().search([("body", "ilike", "/o/")])
        for link in links:
            self.assertTrue(link.startswith(f"{base_url}/o/"), link)
            message = outbox.filtered(lambda s, link=link: link in s.body)
            self.assertEqual(len(message), 1)
            self.assertEqual(message.state, "callflow_outbox", "kept in the outbox")
            response = self.url_open(link.removeprefix(base_url))
            self.assertEqual(response.status_code, 200)
            # The personal page (an unknown link gets the neutral one): why
            # the person hears from us, and their own number, masked.
            self.assertIn("o_callflow_optout_context", response.text)
            self.assertIn("o_callflow_optout_number", response.text)
            self.assertIn("****", response.text)
            self.assertIn('name="answer"', response.text)
        # A second run reuses them: the demo set-up is idempotent.
        self.assertEqual(
            load_demo_setup().setup_demo(self.env, base_url=base_url), links
        )

    def test_japanese_demo(self):
        """CALLFLOW_DEMO_LANG=ja_JP: a company in Tokyo, admin and operator
        in Japanese on Tokyo time, the Japanese texts on the campaign."""
        self.env["res.lang"]._activate_lang("ja_JP")
        load_demo_setup().setup_demo(self.env, lang="ja_JP", base_url=self.base_url())
        company = self.env.ref("base.main_company")
        self.assertEqual(company.country_id, self.env.ref("base.jp"))
        self.assertEqual(company.city, "千代田区")
        self.assertTrue(company.phone.startswith("+81"))
        for user in (self.env.ref("base.user_admin"), self.operator):
            self.assertEqual(user.lang, "ja_JP")
            self.assertEqual(user.tz, "Asia/Tokyo")
        self.assertEqual(
            self.leads_list.sms_after_template_id,
            self.env.ref("callflow_sms.callflow_sms_template_after_ja_demo"),
        )
        self.assertEqual(
            self.env["website"].get_current_website().default_lang_id.code, "ja_JP"
        )
        sms = self.env["sms.sms"].sudo().search([("body", "ilike", "/o/")])
        self.assertTrue(sms)
        self.assertTrue(all("お電話しました" in body for body in sms.mapped("body")))
