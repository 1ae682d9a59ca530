"""Every answer posted on the opt-out page, and how the ledger's fold
applies it (what it does to the CRM: ``callflow.optout.effect``)."""

import hashlib
import json

from odoo import api, fields, models
from odoo.exceptions import AccessError

from odoo.addons.callflow_odoo.tools.hours import format_hours

from ..tools.client_network import client_network
from .callflow_optout_token import ANSWERS

REASONS = [
    ("wrong_person", "I left that company / wrong person"),
    ("too_many_calls", "Too many calls"),
    ("not_interested", "Not interested"),
    ("other", "Other"),
]
# "Email only", wherever a person says it (opt-out page, contact form,
# event registration): no calls and no SMS.
EMAIL_ONLY_EVENTS = [("call", "opt_out"), ("sms", "opt_out")]
# Ledger events per answer: (channel, action).
ANSWER_EVENTS = {
    "stop_all": [("all", "opt_out")],
    "no_calls": [("call", "opt_out")],
    "no_sms": [("sms", "opt_out")],
    "email_only": EMAIL_ONLY_EVENTS,
    "certain_times": [],
    "keep_contacting": [("all", "opt_in")],
}


# What makes two answers the same answer (a repeat changes nothing).
ANSWER_KEY_FIELDS = (
    "answer",
    "reason",
    "times_days",
    "times_from",
    "times_to",
    "times_note",
)


class CallflowOptoutResponse(models.Model):
    _name = "callflow.optout.response"
    _description = "Answer from the opt-out page"
    _order = "id desc"
    _rec_name = "number"

    token_id = fields.Many2one(
        "callflow.optout.token",
        string="Link",
        readonly=True,
        index="btree_not_null",
        ondelete="set null",
        help="Personal link the answer came through; empty for the page "
        "without a link.",
    )
    number = fields.Char(readonly=True, index=True, help="E.164 number concerned.")
    number_input = fields.Char(
        string="Number as typed", readonly=True, help="Page without a link only."
    )
    partner_id = fields.Many2one("res.partner", string="Contact", readonly=True)
    lead_id = fields.Many2one("crm.lead", readonly=True)
    answer = fields.Selection(ANSWERS, required=True, readonly=True)
    times_days = fields.Char(
        string="Days",
        readonly=True,
        help="Days the person may be called (ISO weekdays, 1 = Monday).",
    )
    times_from = fields.Float(string="From", readonly=True)
    times_to = fields.Float(string="To", readonly=True)
    times_label = fields.Char(
        string="Preferred times",
        compute="_compute_times_label",
        help="When calls are welcome, in the person's local time; the dialer "
        "calls only then.",
    )
    times_note = fields.Char(
        string="Note on times", readonly=True, help="Anything else about times."
    )
    email = fields.Char(readonly=True)
    reason = fields.Selection(REASONS, readonly=True)
    reason_other = fields.Char(string="Other reason", readonly=True)
    comments = fields.Text(readonly=True)
    # Managers only: personal data kept as evidence, not for the sales floor.
    request_ip = fields.Char(
        string="IP address",
        readonly=True,
        index=True,
        groups="callflow_odoo.group_callflow_manager",
    )
    user_agent = fields.Char(
        readonly=True, groups="callflow_odoo.group_callflow_manager"
    )
    state = fields.Selection(
        [
            ("pending", "Pending"),
            ("applied", "Applied"),
            ("repeat", "Repeat (no change)"),
            ("held", "Held for review"),
        ],
        readonly=True,
        default="applied",
        help="A repeat of the answer already in force changes nothing; a "
        "pending answer is stored and already blocks, and is applied a moment "
        "later. An answer that lifts a block, posted over a limit, is held "
        "until a manager applies it.",
    )
    request_network = fields.Char(
        string="Network",
        compute="_compute_request_network",
        store=True,
        index=True,
        help="IPv4 /24 or IPv6 /64 of the IP address: the unit of the limits "
        "of the page without a link.",
    )
    review_state = fields.Selection(
        string="Review",
        selection=[
            ("to_review", "To review"),
            ("approved", "Approved"),
            ("dismissed", "Dismissed"),
        ],
        readonly=True,
        index="btree_not_null",
        help="Answers posted over a limit are kept for a manager to review. "
        "Restricting answers apply at once; an answer that lifts a block "
        "waits for approval.",
    )
    review_reason = fields.Selection(
        string="Reason for review",
        selection=[
            ("token", "Many answers through this link"),
            ("number", "Many answers for this number"),
            ("network", "Many answers from this network"),
        ],
        readonly=True,
    )
    notify_pending = fields.Boolean(
        string="Owners not told yet",
        readonly=True,
        help="The notes and the activity of an answer without a link are "
        "written after the visitor's request, so its duration does not tell "
        "whether the number is in the CRM.",
    )
    event_ids = fields.Many2many(
        "callflow.preference.event",
        string="Ledger events",
        readonly=True,
        help="Preference events this answer wrote.",
    )
    company_id = fields.Many2one(
        "res.company", readonly=True, index=True, default=lambda self: self.env.company
    )

    @api.depends("request_ip")
    def _compute_request_network(self):
        for response in self:
            response.request_network = client_network(response.request_ip) or False

    @api.depends("times_days", "times_from", "times_to")
    def _compute_times_label(self):
        lang = self.env.lang or "en_US"
        for response in self:
            response.times_label = format_hours(
                response.times_days, response.times_from, response.times_to, lang
            )

    # ------------------------------------------------------------------
    # Review of answers over a limit
    # ------------------------------------------------------------------

    def _check_reviewer(self):
        if not self.env.user.has_group("callflow_odoo.group_callflow_manager"):
            raise AccessError(
                self.env._("Only Callflow managers review answers over a limit.")
            )

    def action_review_apply(self):
        """Approve answers over a limit; a held answer is applied now."""
        self._check_reviewer()
        # sudo: answers are read-only for users; managers review them here.
        responses = self.sudo().filtered(lambda r: r.review_state == "to_review")
        held = responses.filtered(lambda r: r.state == "held")
        held.write({"state": "pending"})
        responses.write({"review_state": "approved"})
        # The ledger's fold applies them, as any answer: from the ledger as
        # it stands now (a repeat changes nothing), with their links updated.
        self.env["callflow.preference.fold"]._fold_or_defer(held.mapped("number"))

    def action_review_dismiss(self):
        """Dismiss answers over a limit; a held answer stays unapplied."""
        self._check_reviewer()
        # sudo: answers are read-only for users; managers review them here.
        self.sudo().filtered(lambda r: r.review_state == "to_review").write(
            {"review_state": "dismissed"}
        )

    # ------------------------------------------------------------------
    # Submitting
    # ------------------------------------------------------------------
    @api.model
    def _answer_key(self, values):
        """Fingerprint of an answer: posted values (a dict) or a stored
        answer (a record) give the same key for the same choice."""
        keys = ANSWER_KEY_FIELDS
        if isinstance(values, models.BaseModel):
            values = {key: values[key] for key in keys}
        data = [values.get(k) or "" for k in keys]
        return hashlib.sha256(json.dumps(data).encode()).hexdigest()

    @api.model
    def _submit(self, values, token=None, e164=None, request_info=None):
        """Store one answer; the ledger's fold applies it to the CRM.

        ``token`` is a live ``callflow.optout.token`` (personal link) or
        ``e164`` the number typed on the page without a link.  The request
        only inserts the answer, ``pending``; the fold (in this transaction
        when no other one is folding the number, else right after commit)
        decides from the ledger whether it repeats the answer in force, and
        writes its events, notes and activity.  A pending answer already
        blocks (``_pending_blocks_sql``).
        """
        vals = self._answer_vals(values, token, e164, request_info)
        vals["state"] = "pending"
        response = self.create(vals)
        self.env["callflow.preference.fold"]._fold_or_defer([response.number])
        return response

    @api.model
    def _answer_vals(self, values, token=None, e164=None, request_info=None):
        """Values of a response to a posted answer: the choice, the request
        it came in, and the personal link or else the number typed without
        one. Shared by ``_submit`` and the answers the intake holds."""
        request_info = request_info or {}
        vals = {
            "answer": values["answer"],
            "reason": values.get("reason") or False,
            "times_note": values.get("times_note") or False,
            "times_days": values.get("times_days") or False,
            "times_from": values.get("times_from") or 0.0,
            "times_to": values.get("times_to") or 0.0,
            "reason_other": values.get("reason_other") or False,
            "email": values.get("email") or False,
            "comments": values.get("comments") or False,
            "request_ip": request_info.get("ip"),
            "user_agent": (request_info.get("user_agent") or "")[:256] or False,
        }
        if token:
            vals.update(
                token_id=token.id,
                number=token.number,
                partner_id=token.partner_id.id,
                lead_id=token.lead_id.id,
            )
        else:
            vals.update(number=e164, number_input=values.get("number_input"))
        return vals

    @api.model
    def _fold_pending(self, numbers):
        """Apply the pending answers of ``numbers``, oldest first.

        Called by the ledger's fold, which holds the numbers' locks and sees
        every fold committed before it: a repeat is decided on the ledger
        as it stands, race-free.
        """
        pending = self.search(
            [("number", "in", list(numbers)), ("state", "=", "pending")], order="id"
        )
        for response in pending:
            repeat = response._repeats_ledger()
            response.state = "repeat" if repeat else "applied"
            if response.token_id:
                response.token_id.write(
                    {
                        "last_answer": response.answer,
                        "last_answer_key": self._answer_key(response),
                        "last_answer_date": response.create_date,
                    }
                )
            if not repeat:
                response._apply()
        return pending

    def _repeats_ledger(self):
        """A repeat changes nothing: the number's latest ledger event came
        from the same choice, given the same way (the same link, or the page
        without a link).  Anything recorded since (an SMS ``START``, another
        answer) makes it a new answer, e.g. a renewed opt-out."""
        self.ensure_one()
        latest = self.env["callflow.preference.event"].search(
            [("number", "=", self.number)], order="event_date desc, id desc", limit=1
        )
        if not latest:
            return False
        previous = self.search(
            [("event_ids", "in", latest.ids), ("id", "!=", self.id)], limit=1
        )
        return (
            bool(previous)
            and previous.token_id == self.token_id
            and self._answer_key(previous) == self._answer_key(self)
        )

    def _email_for_events(self):
        """The email the answer's events carry (an email opt-out blacklists
        it): the one typed, else, behind a personal link, the contact's,
        unless the person says the contact is not them."""
        self.ensure_one()
        if self.email:
            return self.email
        if self.token_id and self.reason != "wrong_person":
            return self.partner_id.email_normalized or False
        return False

    def _apply(self):
        """Ledger events, chatter notes and an activity for one answer."""
        for response in self:
            vals_list = self.env["callflow.optout.effect"]._event_vals(response)
            if vals_list:
                # Public visitors post here; the ledger is written for them.
                events = self.env["callflow.preference.event"].sudo()._record(vals_list)
                response.event_ids = events
            response._notify_owners_or_defer()

    def _notify_owners_or_defer(self):
        """Notify the owners now for a personal link, later without one.

        On the page without a link the notes, the activity and its mail exist
        only for numbers in the CRM: doing them in the visitor's request made
        its duration tell whether a number is a customer.  A cron job writes
        them right after the request.
        """
        self.ensure_one()
        if self.token_id:
            self.env["callflow.optout.effect"]._notify_owners(self)
            return
        self.notify_pending = True
        self.env.ref("callflow_optout.ir_cron_notify_owners").sudo()._trigger()

    @api.model
    def _cron_notify_owners(self, batch=200):
        """Write the deferred notes and activities of answers without a link."""
        pending = self.sudo().search([("notify_pending", "=", True)], limit=batch)
        Effect = pending.env["callflow.optout.effect"]
        for response in pending:
            Effect._notify_owners(response)
        pending.write({"notify_pending": False})
        if len(pending) == batch:
            self.env.ref("callflow_optout.ir_cron_notify_owners")._trigger()
