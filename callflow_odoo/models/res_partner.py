from odoo import api, fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    callflow_preference_count = fields.Integer(
        string="Preference events",
        compute="_compute_callflow_preferences",
        help="Contact preference events recorded for this contact or its numbers.",
    )
    callflow_preference_warning = fields.Char(
        string="Contact preference warning",
        compute="_compute_callflow_preferences",
        help="Set when the person opted out, refused or must not be called.",
    )
    callflow_provenance = fields.Char(
        string="Numbers obtained",
        compute="_compute_callflow_provenance",
        help="Where and when each of the contact's numbers was obtained, from "
        "its first contact preference event.",
    )

    @api.depends("phone", "mobile", "country_id")
    def _compute_callflow_preferences(self):
        default_region = self.env.company.country_id.code
        contacts = {
            partner: (
                partner._origin.id,
                [partner.phone, partner.mobile],
                partner.country_id.code or default_region,
            )
            for partner in self
        }
        summary = self.env["callflow.preference.state"]._summarise_contacts(contacts)
        for partner in self:
            partner.callflow_preference_count = summary[partner]["event_count"]
            partner.callflow_preference_warning = summary[partner]["warning"]

    def action_view_callflow_preferences(self):
        self.ensure_one()
        summary = self.env["callflow.preference.state"]._summarise_contacts(
            {
                self: (
                    self.id,
                    [self.phone, self.mobile],
                    self.country_id.code or self.env.company.country_id.code,
                )
            }
        )
        return self.env["callflow.preference.state"]._action_open_events(
            self.id, summary[self]["numbers"], self.display_name
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
