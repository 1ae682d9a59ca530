"""Opt-in capture: the website contact form asks how we may contact."""

from odoo import api, fields, models

from odoo.addons.callflow_odoo.tools.phone import try_parse_number

from .callflow_optout_response import EMAIL_ONLY_EVENTS

CONTACT_CHOICES = [
    ("phone", "Phone"),
    ("sms", "SMS"),
    ("email_only", "Email only"),
]
# Ledger events per choice: (channel, action).
CHOICE_EVENTS = {
    "phone": [("call", "opt_in")],
    "sms": [("sms", "opt_in")],
    "email_only": EMAIL_ONLY_EVENTS,
}


class CrmLead(models.Model):
    _inherit = "crm.lead"

    callflow_contact_choice = fields.Selection(
        CONTACT_CHOICES,
        string="May contact by",
        help="What the person chose on the website contact form; written to "
        "the contact preference ledger when the lead was created.",
    )

    @api.model
    def _callflow_record_form_choice(self, lead_id, evidence, request_ip=None):
        """Write the contact-form choice of a new lead to the ledger.

        Called by the website form controller right after it created the
        lead for a public visitor, hence ``sudo()``.
        """
        lead = self.sudo().browse(lead_id).exists()
        if not lead or not lead.callflow_contact_choice or not lead.phone:
            return self.env["callflow.preference.event"]
        region = (
            lead.country_id or lead.company_id.country_id or self.env.company.country_id
        ).code
        number, _error = try_parse_number(lead.phone, region)
        if not number:
            return self.env["callflow.preference.event"]
        vals_list = [
            {
                "number": number,
                "partner_id": lead.partner_id.id,
                "channel": channel,
                "scope": "all",
                "action": action,
                "source": "website_form",
                "evidence": evidence,
                "request_ip": request_ip,
            }
            for channel, action in CHOICE_EVENTS[lead.callflow_contact_choice]
        ]
        return self.env["callflow.preference.event"].sudo()._record(vals_list)
