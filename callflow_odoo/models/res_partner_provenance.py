from odoo import api, fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    callflow_provenance = fields.Char(
        string="Numbers obtained",
        compute="_compute_callflow_provenance",
        help="Where and when each of the contact's numbers was obtained, from "
        "its first contact preference event.",
    )

    @api.depends("phone", "mobile", "country_id")
    def _compute_callflow_provenance(self):
        default_region = self.env.company.country_id.code
        found = self.env["callflow.preference.state"]._provenance_of_contacts(
            {
                partner: (
                    partner._origin.id,
                    [partner.phone, partner.mobile],
                    partner.country_id.code or default_region,
                )
                for partner in self
            }
        )
        for partner in self:
            partner.callflow_provenance = found[partner]

    def action_export_callflow_ledger(self):
        """Everything the ledger holds for this contact and its numbers."""
        self.ensure_one()
        return self.env["callflow.ledger.export"]._action_open(partner=self)
