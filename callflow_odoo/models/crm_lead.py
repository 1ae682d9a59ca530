from odoo import api, fields, models


class CrmLead(models.Model):
    _inherit = "crm.lead"

    callflow_preference_count = fields.Integer(
        string="Preference events",
        compute="_compute_callflow_preferences",
        help="Contact preference events recorded for this lead's contact or numbers.",
    )
    callflow_preference_warning = fields.Char(
        string="Contact preference warning",
        compute="_compute_callflow_preferences",
        help="Set when the person opted out, refused or must not be called.",
    )
    callflow_provenance = fields.Char(
        string="Numbers obtained",
        compute="_compute_callflow_provenance",
        help="Where and when each of the lead's numbers was obtained, from its "
        "first contact preference event.",
    )

    def _callflow_contact(self):
        return (
            self.partner_id.id,
            [self.phone, self.mobile],
            self.country_id.code or self.env.company.country_id.code,
        )

    @api.depends("phone", "mobile", "country_id", "partner_id")
    def _compute_callflow_preferences(self):
        summary = self.env["callflow.preference.state"]._summarise_contacts(
            {lead: lead._callflow_contact() for lead in self}
        )
        for lead in self:
            lead.callflow_preference_count = summary[lead]["event_count"]
            lead.callflow_preference_warning = summary[lead]["warning"]

    def action_view_callflow_preferences(self):
        self.ensure_one()
        contact = self._callflow_contact()
        summary = self.env["callflow.preference.state"]._summarise_contacts(
            {self: contact}
        )
        return self.env["callflow.preference.state"]._action_open_events(
            contact[0], summary[self]["numbers"], self.display_name
        )

    @api.depends("phone", "mobile", "country_id", "partner_id")
    def _compute_callflow_provenance(self):
        found = self.env["callflow.preference.state"]._provenance_of_contacts(
            {lead: lead._callflow_contact() for lead in self}
        )
        for lead in self:
            lead.callflow_provenance = found[lead]
