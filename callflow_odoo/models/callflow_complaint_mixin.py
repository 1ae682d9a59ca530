from odoo import api, fields, models


class CallflowComplaintMixin(models.AbstractModel):
    """The complaints on record for a record's person: the count, the last
    date and the red warning of contacts, leads and the dialer's entries.

    A record names its person through ``_callflow_complaint_people``; by
    default its ``partner_id``, ``lead_id`` (and the lead's contact) and
    ``number`` fields. Computed for many records in one query.
    """

    _name = "callflow.complaint.mixin"
    _description = "Complaints on record"

    callflow_complaint_count = fields.Integer(
        "Complaints",
        compute="_compute_callflow_complaints",
        help="Complaints on record (not resolved) for this person.",
    )
    callflow_last_complaint_date = fields.Datetime(
        "Last complaint", compute="_compute_callflow_complaints"
    )
    callflow_complaint_warning = fields.Char(
        "Complaint on record",
        compute="_compute_callflow_complaints",
        help="Set when the person complained: check before calling.",
    )

    # --- hook -------------------------------------------------------------
    def _callflow_complaint_people(self):
        """``(contacts, leads, numbers)`` whose complaints concern this
        record: its ``partner_id``, its ``lead_id`` and the lead's contact,
        its ``number``."""
        self.ensure_one()
        partners = self.env["res.partner"]
        leads = self.env["crm.lead"]
        if "lead_id" in self._fields:
            # sudo: the entry's lead may belong to another salesperson;
            # only its contact is read
            leads = self.lead_id.sudo()
            partners = leads.partner_id
        if "partner_id" in self._fields:
            partners |= self.partner_id
        number = self.number if "number" in self._fields else False
        return partners, leads, {number} if number else set()

    # --- shared behaviour -------------------------------------------------
    def _callflow_complaints(self):
        """``{record: complaints}`` (newest first), in one query. A contact
        stands for its company too, and a company for its contacts."""
        people = {}
        for record in self:
            partners, leads, numbers = record._callflow_complaint_people()
            people[record] = (
                set(partners.ids),
                set(partners.commercial_partner_id.ids),
                set(leads.ids),
                numbers,
            )
        found = self.env["callflow.complaint"]._find(
            *(set().union(*(p[i] for p in people.values())) for i in range(4))
        )
        return {record: found._concerns(*people[record]) for record in self}

    def _callflow_complaint_depends(self):
        return [f for f in ("partner_id", "lead_id", "number") if f in self._fields]

    # The complaints read are the user's companies' (see callflow.complaint._find).
    @api.depends(lambda self: self._callflow_complaint_depends())
    @api.depends_context("uid", "allowed_company_ids")
    def _compute_callflow_complaints(self):
        complaints = self._callflow_complaints()
        for record in self:
            mine = complaints.get(record) or self.env["callflow.complaint"]
            record.callflow_complaint_count = len(mine)
            record.callflow_last_complaint_date = mine[:1].date
            record.callflow_complaint_warning = mine._warning()

    def _callflow_complaint_text(self):
        """The newest complaint on record on one line ("Complaint on
        2026-11-03: shouted about repeated calls"), "" when none: the
        inbound screen pop shows it (also "" for no record at all)."""
        if not self:
            return ""
        self.ensure_one()
        return self._callflow_complaints()[self]._summary()

    def action_view_callflow_complaints(self):
        """The complaints on record for this person, archived ones aside."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "callflow_odoo.callflow_complaint_action"
        )
        action["domain"] = [("id", "in", self._callflow_complaints()[self].ids)]
        return action
