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
