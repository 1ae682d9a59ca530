from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..tools.phone import try_parse_number


class ResPartner(models.Model):
    _name = "res.partner"
    _inherit = ["res.partner", "callflow.preference.mixin"]

    def init(self):
        res = super().init()
        self._callflow_index_digits()
        return res

    callflow_former_number_ids = fields.One2many(
        "callflow.former.number",
        "partner_id",
        string="Former Numbers",
        help="Numbers this contact no longer has (left the company, wrong "
        "person): they cannot be entered again on the contact.",
    )
    callflow_phonetic_name = fields.Char(
        string="Phonetic Reading",
        help="How the name is read, e.g. in katakana (ヤマダ タロウ): shown "
        "when they ring, so the operator greets them by the right name.",
    )

    def _callflow_partner(self):
        # A contact's own events count; ``_origin``: the form's new record.
        return self._origin

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

    def action_export_callflow_ledger(self):
        """Everything the ledger holds for this contact and its numbers."""
        self.ensure_one()
        return self.env["callflow.ledger.export"]._action_open(partner=self)
