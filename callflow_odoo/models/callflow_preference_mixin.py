from odoo import api, fields, models


class CallflowPreferenceMixin(models.AbstractModel):
    """What the contact preference ledger says about a record's person and
    numbers: the warning banner, the count of events, where the numbers were
    obtained, and the button to the events.

    Like ``mail.thread.phone`` for phone numbers, one mixin serves every
    model with a person and numbers: it reads them through
    ``_callflow_contact`` (by default the ``phone`` and ``mobile`` fields, the
    ``partner_id`` and the ``country_id`` the model has); a model whose
    person or region lives elsewhere overrides the small hooks below.
    """

    _name = "callflow.preference.mixin"
    _description = "Contact Preference Summary"

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

    # --- hooks ------------------------------------------------------------
    def _callflow_number_fields(self):
        """Fields holding the record's numbers, in the order shown."""
        return [fname for fname in ("phone", "mobile") if fname in self._fields]

    def _callflow_partner(self):
        """The contact whose own events count too (may be empty)."""
        if "partner_id" in self._fields:
            return self.partner_id
        return self.env["res.partner"]

    def _callflow_region(self):
        """Country code to read national numbers in."""
        self.ensure_one()
        country = self.country_id if "country_id" in self._fields else False
        return (country and country.code) or self.env.company.country_id.code

    def _callflow_contact_depends(self):
        return [
            *self._callflow_number_fields(),
            *(f for f in ("country_id", "partner_id") if f in self._fields),
        ]

    # --- shared behaviour -------------------------------------------------
    def _callflow_contact(self):
        """``(partner id, numbers, region)``: what the ledger is asked about."""
        self.ensure_one()
        return (
            self._callflow_partner().id,
            [self[fname] for fname in self._callflow_number_fields()],
            self._callflow_region(),
        )

    @api.depends(lambda self: self._callflow_contact_depends())
    def _compute_callflow_preferences(self):
        summary = self.env["callflow.preference.state"]._summarise_contacts(
            {record: record._callflow_contact() for record in self}
        )
        for record in self:
            record.callflow_preference_count = summary[record]["event_count"]
            record.callflow_preference_warning = summary[record]["warning"]

    @api.depends(lambda self: self._callflow_contact_depends())
    def _compute_callflow_provenance(self):
        found = self.env["callflow.preference.state"]._provenance_of_contacts(
            {record: record._callflow_contact() for record in self}
        )
        for record in self:
            record.callflow_provenance = found[record]

    def action_view_callflow_preferences(self):
        """The ledger's events of this record's contact and numbers."""
        self.ensure_one()
        contact = self._callflow_contact()
        summary = self.env["callflow.preference.state"]._summarise_contacts(
            {self: contact}
        )
        return self.env["callflow.preference.state"]._action_open_events(
            contact[0], summary[self]["numbers"], self.display_name
        )
