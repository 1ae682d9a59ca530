from odoo.tests import HttpCase, tagged

from .common import record_web_opt_out


@tagged("post_install", "-at_install")
class TestPreferenceUi(HttpCase):
    def test_banner_and_history_in_the_browser(self):
        """Deco Addict opted out on the web: the browser shows the banner,
        the smart button and the number's preferences."""
        partner = self.env.ref("base.res_partner_2")
        record_web_opt_out(self.env, partner)
        self.start_tour(
            f"/odoo/res.partner/{partner.id}",
            "callflow_preference_banner_tour",
            login="admin",
        )
