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

    def test_certain_times_on_a_phone(self):
        self.start_tour(f"/o/{self.raw}", "callflow_optout_certain_times")
        [event] = self.events()
        self.assertEqual(
            (event.action, event.hours_days, event.hours_from, event.hours_to),
            ("hours", "1234", 9.0, 12.0),
        )
        answer = self.env["callflow.optout.response"].search([])
        self.assertEqual(answer.comments, "Please ask for Mr Sato")
