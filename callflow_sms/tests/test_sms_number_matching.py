"""SMS find people with Callflow's parser, not Odoo's ``phone_sanitized``.

``03-1234-5678 内線12`` (an office number with its extension) is a number
the dialer calls, but Odoo sanitizes it to nothing.
"""

from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestSmsNumberMatching(TransactionCase):
    """A contact and a lead who wrote the office number with its extension."""

    number = "+81312345678"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        japan = cls.env.ref("base.jp")
        cls.env.company.country_id = japan
        cls.env["ir.config_parameter"].sudo().set_param(
            "callflow_sms.provider", "outbox"
        )
        cls.partner = cls.env["res.partner"].create(
            {"name": "Suzuki", "phone": "03-1234-5678 内線12", "country_id": japan.id}
        )
        cls.lead = cls.env["crm.lead"].create(
            {
                "name": "Suzuki: desks",
                "phone": "03-1234-5678 内線12",
                "country_id": japan.id,
            }
        )
        cls.stranger = cls.env["res.partner"].create(
            {"name": "Other", "phone": "03-1234-5679", "country_id": japan.id}
        )

    def test_odoo_and_callflow_disagree_on_this_number(self):
        self.assertFalse(self.partner.phone_sanitized)
        self.assertEqual(self.partner._callflow_e164(), self.number)

    def test_inbound_sms_reaches_the_contact_and_lead_of_the_number(self):
        self.env["callflow.sms.inbound"]._callflow_handle_inbound(
            self.number, "Please call me back", "SMmatch1"
        )
        inbound = self.env["callflow.sms.inbound"].search(
            [("number", "=", self.number)]
        )
        self.assertEqual(inbound.partner_ids, self.partner)
        self.assertEqual(inbound.lead_ids, self.lead)
        for record in (self.partner, self.lead):
            self.assertIn(
                "Please call me back",
                "".join(record.message_ids.mapped("body")),
                record,
            )
        self.assertNotIn(
            "Please call me back", "".join(self.stranger.message_ids.mapped("body"))
        )

    def test_sms_to_a_contact_goes_to_the_number_the_dialer_calls(self):
        template = self.env["callflow.sms.template"].create(
            {"name": "After", "when": "after", "body": "{company}: {optout_link}"}
        )
        sms = self.env["callflow.sms.sender"]._callflow_send(self.partner, template)
        self.assertEqual(sms.number, self.number)
        self.assertEqual(sms.partner_id, self.partner)
