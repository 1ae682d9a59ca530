from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..tools.phone import try_parse_number


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

    callflow_former_number_ids = fields.One2many(
        "callflow.former.number",
        "partner_id",
        string="Former Numbers",
        help="Numbers this contact no longer has (left the company, wrong "
        "person): they cannot be entered again on the contact.",
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

    def _callflow_region(self):
        self.ensure_one()
        return self.country_id.code or self.env.company.country_id.code

    @api.constrains("phone", "mobile")
    def _check_callflow_former_numbers(self):
        # sudo: whoever may edit a contact's phone (a salesperson without
        # Callflow rights, Odoo's own lead merge) must still be kept from
        # typing a former number back, without reading that history.
        for partner in self.sudo().filtered("callflow_former_number_ids"):
            former = set(partner.callflow_former_number_ids.mapped("number"))
            for value in (partner.phone, partner.mobile):
                e164 = value and try_parse_number(value, partner._callflow_region())[0]
                if e164 in former:
                    raise ValidationError(
                        self.env._(
                            "%(number)s is a former number of %(contact)s (the "
                            "person left or it was the wrong person). Remove it "
                            "from the former numbers first if it is theirs again.",
                            number=value,
                            contact=partner.display_name,
                        )
                    )

    def _callflow_retire_numbers(self, reasons):
        """Move ``reasons``' numbers (``{e164: reason}``) from this contact
        and their leads to the contact's former numbers."""
        self.ensure_one()
        region = self._callflow_region()

        def clear(record):
            vals = {
                field: False
                for field in ("phone", "mobile")
                if record[field]
                and try_parse_number(record[field], region)[0] in reasons
            }
            if vals:
                record.write(vals)
            return bool(vals)

        known = set(self.callflow_former_number_ids.mapped("number"))
        self.write(
            {
                "callflow_former_number_ids": [
                    fields.Command.create({"number": number, "reason": reason})
                    for number, reason in reasons.items()
                    if number not in known
                ]
            }
        )
        cleared = clear(self)
        leads = (
            self.env["crm.lead"]
            .with_context(active_test=False)
            .search([("partner_id", "=", self.id)])
        )
        for lead in leads:
            if clear(lead):
                lead.message_post(
                    body=self.env._(
                        "Number obsolete (person left or wrong person): "
                        "%(numbers)s removed.",
                        numbers=", ".join(sorted(reasons)),
                    ),
                    subtype_xmlid="mail.mt_note",
                )
        if cleared or reasons.keys() - known:
            self.message_post(
                body=self.env._(
                    "Number obsolete (person left or wrong person): %(numbers)s "
                    "moved to the former numbers.",
                    numbers=", ".join(sorted(reasons)),
                ),
                subtype_xmlid="mail.mt_note",
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
