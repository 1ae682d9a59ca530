from odoo.tests import tagged

from .common import OptoutCase


@tagged("post_install", "-at_install")
class TestOptoutTour(OptoutCase):
    browser_size = "375x667"
    touch_enabled = True

    def test_one_tap_opt_out_on_a_phone(self):
        self.start_tour(f"/o/{self.raw}", "callflow_optout_one_tap")
        events = self.events()
        self.assertEqual([(e.channel, e.action) for e in events], [("all", "opt_out")])
        self.assertEqual(self.token.last_answer, "stop_all")
