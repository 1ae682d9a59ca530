"""The web opt-out the demo shows and the tests record: one definition, no
database."""

from odoo.tests import BaseCase

from odoo.addons.callflow_odoo.tools.examples import web_opt_out


class TestToolsExamples(BaseCase):
    def test_web_opt_out_stops_all_contact(self):
        self.assertEqual(
            web_opt_out("+819012345678", 7),
            {
                "number": "+819012345678",
                "partner_id": 7,
                "channel": "all",
                "scope": "all",
                "action": "opt_out",
                "source": "web",
                "reason": "Too many calls",
            },
        )

    def test_web_opt_out_takes_the_demo_evidence_and_date(self):
        vals = web_opt_out("+819012345678", 7, evidence="SMS link", reason="Moved")
        self.assertEqual(vals["evidence"], "SMS link")
        self.assertEqual(vals["reason"], "Moved")
        self.assertEqual(vals["action"], "opt_out")
