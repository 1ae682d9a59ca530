from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..tools.complaints import short_reason

# The records showing complaints (callflow.complaint.mixin): their computed
# fields are dropped from the cache when a complaint changes.
SHOWN_ON = ("res.partner", "crm.lead", "callflow.list.entry")
SHOWN_FIELDS = [
    "callflow_complaint_count",
    "callflow_last_complaint_date",
    "callflow_complaint_warning",
]


class CallflowComplaint(models.Model):
    """Somebody was upset by a call: who, when, with which operator and why.

    Not an opt-out: the ledger is untouched and the person may still be
    called. Operators see it before they dial and when the person rings in;
    lists may skip people with a recent complaint (``callflow.list``).
    Resolved complaints are archived.
    """

    _name = "callflow.complaint"
    _description = "Complaint"
    _inherit = ["mail.thread"]
    _order = "date desc, id desc"

    partner_id = fields.Many2one(
        "res.partner", "Contact", index="btree_not_null", tracking=True
    )
    commercial_partner_id = fields.Many2one(
        related="partner_id.commercial_partner_id",
        string="Customer company",
        store=True,
        index="btree_not_null",
    )
    lead_id = fields.Many2one("crm.lead", index="btree_not_null")
    number = fields.Char(
        index="btree_not_null", help="The number called, normalised to E.164."
    )
    call_id = fields.Many2one("callflow.call", readonly=True)
    list_id = fields.Many2one("callflow.list", "Call list", readonly=True)
    user_id = fields.Many2one(
        "res.users", "Operator", required=True, default=lambda self: self.env.user
    )
    date = fields.Datetime(required=True, default=fields.Datetime.now, index=True)
    reason = fields.Text(
        required=True, tracking=True, help="What the person was upset about."
    )
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    active = fields.Boolean(
        default=True,
        tracking=True,
        help="Archive the complaint once it is resolved: it is no longer "
        "shown nor skipped on.",
    )

    @api.depends("partner_id", "lead_id", "number", "date")
    def _compute_display_name(self):
        for complaint in self:
            # sudo: the lead may belong to another salesperson; its name only
            who = (
                complaint.partner_id.display_name
                or complaint.lead_id.sudo().display_name
                or complaint.number
                or ""
            )
            complaint.display_name = self.env._("Complaint of %(who)s", who=who).strip()

    @api.constrains("partner_id", "lead_id", "number", "reason")
    def _check_someone(self):
        for complaint in self:
            if not (complaint.partner_id or complaint.lead_id or complaint.number):
                raise ValidationError(
                    self.env._("A complaint needs a contact, a lead or a number.")
                )
            if not (complaint.reason or "").strip():
                raise ValidationError(self._note_required_message())

    @api.model_create_multi
    def create(self, vals_list):
        complaints = super().create(vals_list)
        self._invalidate_shown()
        return complaints

    def write(self, vals):
        res = super().write(vals)
        self._invalidate_shown()
        return res

    def _invalidate_shown(self):
        """The warnings of contacts, leads and entries read complaints
        without a dependency Odoo could follow."""
        for model in SHOWN_ON:
            self.env[model].invalidate_model(SHOWN_FIELDS)

    # ------------------------------------------------------------------
    # Logging a call
    # ------------------------------------------------------------------
    @api.model
    def _note_required_message(self):
        return self.env._(
            "A complaint needs a note: write down what the person was upset "
            "about, so the next operator knows before calling."
        )

    @api.model
    def _check_call_note(self, result, note):
        """Refuse to log a complaint result without the reason (the note)."""
        if result.is_complaint and not (note or "").strip():
            raise UserError(self._note_required_message())

    @api.model
    def _record_call(self, call):
        """The complaint of a call logged with a complaint result: the
        call's contact (else its lead's) and lead, its operator, its
        time, and its note as the reason."""
        call.ensure_one()
        lead, partner = call._crm_records()
        return self.create(
            {
                "partner_id": (partner or lead.partner_id).id,
                "lead_id": lead.id,
                "number": call.dialed_number,
                "call_id": call.id,
                "list_id": call.list_id.id,
                "user_id": call.user_id.id,
                "date": call.date_end or call.date_start,
                "reason": call.note,
                "company_id": call.company_id.id,
            }
        )

    # ------------------------------------------------------------------
    # Who has complaints (callflow.complaint.mixin)
    # ------------------------------------------------------------------
    @api.model
    def _find(self, partner_ids, company_ids, lead_ids, numbers):
        """Active complaints in the user's companies, newest first, in one
        query: of the contacts ``partner_ids`` or their companies
        ``company_ids``, of the contacts of ``partner_ids`` (for a
        company), of the leads or of the numbers.

        sudo: the warning must reach whoever may call or meet the person
        (salespeople without Callflow rights too); only the date and the
        reason are shown, and only the current companies' complaints.
        """
        if not (partner_ids or lead_ids or numbers):
            return self.browse()
        domain = [
            ("company_id", "in", self.env.companies.ids),
            "|",
            "|",
            "|",
            ("partner_id", "in", list(partner_ids | company_ids)),
            ("commercial_partner_id", "in", list(partner_ids)),
            ("lead_id", "in", list(lead_ids)),
            ("number", "in", list(numbers)),
        ]
        return self.sudo().search(domain, order="date desc, id desc")

    def _concerns(self, partner_ids, company_ids, lead_ids, numbers):
        """Those of these complaints that concern one record (see ``_find``)."""
        return self.filtered(
            lambda k: (
                k.partner_id.id in partner_ids | company_ids
                or k.commercial_partner_id.id in partner_ids
                or k.lead_id.id in lead_ids
                or (k.number and k.number in numbers)
            )
        )

    def _summary(self):
        """The newest complaint on one line: "Complaint on 2026-11-03:
        shouted about repeated calls"."""
        if not self:
            return ""
        latest = self[0]
        return self.env._(
            "Complaint on %(date)s: %(reason)s",
            date=self._local_date(latest.date),
            reason=short_reason(latest.reason),
        )

    def _local_date(self, date):
        """The day of ``date`` in the user's time zone, as YYYY-MM-DD."""
        return fields.Date.to_string(
            fields.Datetime.context_timestamp(self, date).date()
        )

    def _warning(self):
        """The banner of a record: "Complaint on record: 2026-11-03 – …"."""
        if not self:
            return False
        latest = self[0]
        text = self.env._(
            "Complaint on record: %(date)s – %(reason)s",
            date=self._local_date(latest.date),
            reason=short_reason(latest.reason),
        )
        if len(self) > 1:
            text = self.env._(
                "%(text)s (%(count)s complaints)", text=text, count=len(self)
            )
        return text
