from odoo.tests import HttpCase, tagged


@tagged("post_install", "-at_install")
class TestSmsCounterTour(HttpCase):
    """The live segment counter in a real browser: GSM-7 with extension
    characters, emoji, Japanese, the opt-out link's real length and the
    warning above three parts."""

    def test_template_editor_counts_segments(self):
        self.start_tour(
            "/odoo/action-callflow_sms.callflow_sms_template_action/new",
            "callflow_sms_counter_tour",
            login="admin",
        )

    def test_odoo_composer_counts_segments(self):
        partner = self.env["res.partner"].create(
            {"name": "Aiko Tanaka", "mobile": "+81 90-1234-5678"}
        )
        self.start_tour(
            f"/odoo/res.partner/{partner.id}",
            "callflow_sms_composer_tour",
            login="admin",
        )

    def test_browser_and_server_agree_on_the_link_length(self):
        """The live counter counts the link as the server will send it: from
        the database's base URL, not the browser's address."""
        params = self.env["ir.config_parameter"].sudo()
        params.set_param("web.base.url", "https://sms-links.callflow-example.co.jp")
        params.set_param("web.base.url.freeze", True)
        template = self.env["callflow.sms.template"].create(
            {"name": "-", "when": "after", "body": "{company}: stop {optout_link}"}
        )
        # "{" and "}" take two characters each in GSM-7.
        text = len("{company}: stop ") + 2
        link = len("https://sms-links.callflow-example.co.jp/o/") + 22
        self.assertEqual(template.sms_chars, text + link)
        template.name = str(template.sms_chars)
        self.start_tour(
            f"/odoo/action-callflow_sms.callflow_sms_template_action/{template.id}",
            "callflow_sms_link_length_tour",
            login="admin",
        )
