from odoo import api, fields, models


class CrmLead(models.Model):
    _inherit = "crm.lead"

    callflow_provenance = fields.Char(
        string="Numbers obtained",
        compute="_compute_callflow_provenance",
        help="Where and when each of the lead's numbers was obtained, from its "
        "first contact preference event.",
    )

    @api.depends("phone", "mobile", "country_id", "partner_id")
    def _compute_callflow_provenance(self):
        found = self.env["callflow.preference.state"]._provenance_of_contacts(
            {lead: lead._callflow_contact() for lead in self}
        )
        for lead in self:
            lead.callflow_provenance = found[lead]
