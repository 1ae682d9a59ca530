"""An answer for a number without a contact reaches the leads of that
number, as Callflow's parser reads them (not Odoo's ``phone_sanitized``)."""

from odoo.tests import tagged

from .common import OptoutCase


@tagged("post_install", "-at_install")
class TestOptoutNumberMatching(OptoutCase):
    def test_answer_reaches_the_lead_whose_number_has_an_extension(self):
        lead = self.env["crm.lead"].create(
            {
                "name": "Front desk: chairs",
                "phone": "03-5555-0123 内線12",
                "country_id": self.env.ref("base.jp").id,
            }
        )
        self.assertFalse(lead.phone_sanitized)
        raw = self.Token._issue_tokens(
            [{"number": "+81355550123", "purpose": "sales"}]
        )[0]
        self.post_answer(f"/o/{raw}", answer="no_calls")
        notes = lead.message_ids.filtered(lambda m: "opt-out page" in (m.body or ""))
        self.assertEqual(len(notes), 1)
        self.assertIn("No phone calls", notes.body)
