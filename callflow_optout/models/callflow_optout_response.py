"""Every answer posted on the opt-out page, and what it does to the CRM."""

import hashlib
import json
from datetime import timedelta

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import email_normalize, html_escape

from odoo.addons.callflow_odoo.tools.hours import (
    ALL_DAYS,
    format_hours,
    hours_error,
    parse_hour,
)
from odoo.addons.callflow_odoo.tools.phone import mask_number
from odoo.addons.callflow_odoo.tools.preference_events import SELF_SOURCES

from ..tools.client_network import client_network
from .callflow_optout_token import ANSWERS

REASONS = [
    ("wrong_person", "I left that company / wrong person"),
    ("too_many_calls", "Too many calls"),
    ("not_interested", "Not interested"),
    ("other", "Other"),
]
# Strict lengths, checked on the server whatever the browser sends.
MAX_LENGTHS = {
    "email": 254,
    "times_note": 200,
    "reason_other": 200,
    "comments": 1000,
    "number_input": 64,
}
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
# Answers that lift a block.  Over a limit they wait for a manager; every
# other answer only restricts contact and applies at once even then.
LIFT_ANSWERS = {
    answer
    for answer, events in ANSWER_EVENTS.items()
    if any(action == "opt_in" for _channel, action in events)
}
# Answers within the window, per system parameter; 0 turns a limit off.
LIMIT_DEFAULTS = {
    "token": ("callflow_optout.rate_limit_token", 10),
    "number": ("callflow_optout.rate_limit_number", 5),
    "network": ("callflow_optout.rate_limit", 20),
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
    # Validation and abuse limits
    # ------------------------------------------------------------------
    @api.model
    def _validate_answer(self, post):
        """Clean a posted form. Return ``(values, errors)``; never raises.

        ``errors`` maps field names to messages meant for the visitor.
        """
        errors = {}
        values = {}
        answer = post.get("answer") or ""
        if answer not in dict(ANSWERS):
            errors["answer"] = self.env._("Please choose how we may contact you.")
        values["answer"] = answer
        reason = post.get("reason") or False
        if reason and reason not in dict(REASONS):
            errors["reason"] = self.env._("Please choose one of the reasons.")
        values["reason"] = reason
        for fname, limit in MAX_LENGTHS.items():
            value = post.get(fname)
            value = value.strip() if isinstance(value, str) else ""
            if len(value) > limit:
                errors[fname] = self.env._(
                    "Please keep this under %(limit)s characters.", limit=limit
                )
            values[fname] = value
        if values["email"]:
            normalized = email_normalize(values["email"], strict=True)
            if not normalized:
                errors["email"] = self.env._(
                    "This does not look like an email address."
                )
            values["email"] = normalized or values["email"]
        values["times_days"] = "".join(
            day for day in ALL_DAYS if post.get(f"times_day_{day}")
        )
        values["times_from"] = parse_hour(post.get("times_from"))
        values["times_to"] = parse_hour(post.get("times_to"))
        if answer == "certain_times" and hours_error(
            values["times_days"], values["times_from"], values["times_to"]
        ):
            errors["times"] = self.env._(
                "Please tell us which days and times suit you: at least one "
                "day, and a start time before the end time."
            )
        if answer != "certain_times":
            values.update(times_days="", times_from=None, times_to=None)
        return values, errors

    @api.model
    def _over_limit(self, token=None, e164=None, network=None):
        """Which limit a new answer would exceed: a ``review_reason`` or False.

        A personal link is counted per link, never per address: the people
        behind one proxy or carrier NAT each have their own link.  The page
        without a link is counted per number and per client network.
        Counted from the stored answers, so every worker sees the same count.
        Limits: system parameters ``callflow_optout.rate_limit_token``,
        ``callflow_optout.rate_limit_number``, ``callflow_optout.rate_limit``
        (per network) within ``callflow_optout.rate_limit_minutes``.
        """
        params = self.env["ir.config_parameter"].sudo()
        minutes = int(params.get_param("callflow_optout.rate_limit_minutes", 10) or 0)
        if minutes <= 0:
            return False
        since = fields.Datetime.now() - timedelta(minutes=minutes)
        if token:
            checks = [("token", [("token_id", "=", token.id)])]
        else:
            checks = [
                ("number", [("token_id", "=", False), ("number", "=", e164)]),
                (
                    "network",
                    [("token_id", "=", False), ("request_network", "=", network)],
                ),
            ]
        for reason, domain in checks:
            key, default = LIMIT_DEFAULTS[reason]
            limit = int(params.get_param(key, default) or 0)
            if limit <= 0 or (reason == "network" and not network):
                continue
            count = self.sudo().search_count(
                domain + [("create_date", ">=", since)], limit=limit
            )
            if count >= limit:
                return reason
        return False

    @api.model
    def _receive(self, values, token=None, e164=None, request_info=None):
        """Store a posted answer, within the limits or not; return it.

        Over a limit the answer is kept and marked for review: a restricting
        answer (a "stop") still applies at once, since honouring it can harm
        nobody; an answer that lifts a block is held until a manager applies
        it, so a flood cannot undo a person's "stop".
        """
        request_info = request_info or {}
        reason = self._over_limit(
            token=token,
            e164=e164,
            network=client_network(request_info.get("ip")),
        )
        if not reason:
            return self._submit(
                values, token=token, e164=e164, request_info=request_info
            )
        if values["answer"] in LIFT_ANSWERS:
            return self._hold(values, reason, token, e164, request_info)
        response = self._submit(
            values, token=token, e164=e164, request_info=request_info
        )
        response.write({"review_state": "to_review", "review_reason": reason})
        return response

    @api.model
    def _hold(self, values, reason, token, e164, request_info):
        """Keep an answer without applying it, for a manager to review."""
        vals = {
            key: values.get(key) or False
            for key in (
                "answer",
                "reason",
                "times_note",
                "times_days",
                "reason_other",
                "email",
                "comments",
            )
        }
        vals.update(
            times_from=values.get("times_from") or 0.0,
            times_to=values.get("times_to") or 0.0,
            request_ip=request_info.get("ip"),
            user_agent=(request_info.get("user_agent") or "")[:256] or False,
            state="held",
            review_state="to_review",
            review_reason=reason,
        )
        if token:
            vals.update(
                token_id=token.id,
                number=token.number,
                partner_id=token.partner_id.id,
                lead_id=token.lead_id.id,
            )
        else:
            vals.update(number=e164, number_input=values.get("number_input"))
        return self.create(vals)

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
            "state": "pending",
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
        response = self.create(vals)
        self.env["callflow.preference.fold"]._fold_or_defer([response.number])
        return response

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

    def _event_vals(self, source=None):
        """Ledger events of the answer.  ``source`` defaults to ``link`` for a
        personal link, which proves the number, and ``web`` for the page
        without a link, which does not (its opt-in lifts no block)."""
        self.ensure_one()
        source = source or ("link" if self.token_id else "web")
        if self.token_id:
            how = self.env._("personal link #%(token)s", token=self.token_id.id)
        else:
            how = self.env._("number typed by the visitor, not verified")
        evidence = self.env._(
            "Opt-out page answer #%(response)s (%(how)s), IP %(ip)s, %(agent)s",
            response=self.id,
            how=how,
            ip=self.request_ip or "-",
            agent=self.user_agent or "-",
        )
        reason_label = dict(self._fields["reason"]._description_selection(self.env))
        reason = ", ".join(
            filter(None, [reason_label.get(self.reason), self.reason_other])
        )
        common = {
            "number": self.number,
            "partner_id": self.partner_id.id,
            "scope": "all",
            "source": source,
            "email": self._email_for_events(),
            "reason": reason or False,
            "evidence": evidence,
            "request_ip": self.request_ip,
            "event_date": self.create_date,
            # the visitor's request, also when applied after its commit
            "user_id": self.create_uid.id,
        }
        vals_list = [
            dict(common, channel=channel, action=action)
            for channel, action in ANSWER_EVENTS[self.answer]
        ]
        if self.answer == "certain_times":
            vals_list.append(
                dict(
                    common,
                    channel="call",
                    action="hours",
                    hours_days=self.times_days,
                    hours_from=self.times_from,
                    hours_to=self.times_to,
                )
            )
        elif (
            self.answer == "keep_contacting"
            and source in SELF_SOURCES
            and self.env["callflow.preference.state"].sudo()._call_hours([self.number])
        ):
            # "Keep contacting me" also lifts earlier preferred hours, when it
            # comes from the person.
            vals_list.append(dict(common, channel="call", action="hours"))
        if self.reason == "wrong_person":
            vals_list.append(dict(common, channel="all", action="obsolete"))
        return vals_list

    def _apply(self):
        """Ledger events, chatter notes and an activity for one answer."""
        for response in self:
            vals_list = response._event_vals()
            if vals_list:
                # Public visitors post here; the ledger is written for them.
                events = self.env["callflow.preference.event"].sudo()._record(vals_list)
                response.event_ids = events
            response._notify_owners_or_defer()

    def _open_leads(self):
        """Open leads of the contact (or, without one, of the number)."""
        self.ensure_one()
        Lead = self.env["crm.lead"].sudo()
        if self.partner_id:
            # The person's own leads, not their colleagues'.
            domain = [("partner_id", "=", self.partner_id.id)]
        elif self.lead_id:
            domain = [("id", "=", self.lead_id.id)]
        else:
            domain = [("id", "in", Lead._callflow_search_e164(self.number).ids)]
        leads = Lead.search(
            domain + [("active", "=", True), ("stage_id.is_won", "=", False)], limit=50
        )
        return leads | self.lead_id.sudo().filtered("active")

    def _summary_html(self):
        self.ensure_one()
        answer = dict(self._fields["answer"]._description_selection(self.env))
        reason = dict(self._fields["reason"]._description_selection(self.env))
        lines = [
            self.env._(
                "Contact preference answered on the opt-out page: %(answer)s",
                answer=answer[self.answer],
            ),
            self.env._(
                "Number: %(number)s",
                number=mask_number(self.number) if not self.token_id else self.number,
            ),
        ]
        if self.times_label:
            lines.append(
                self.env._(
                    "Call only: %(times)s (their local time); the dialer keeps to it.",
                    times=self.times_label,
                )
            )
        if self.times_note:
            lines.append(self.env._("Note on times: %(times)s", times=self.times_note))
        if self.reason:
            lines.append(self.env._("Reason: %(reason)s", reason=reason[self.reason]))
        if self.reason_other:
            lines.append(self.env._("Other reason: %(text)s", text=self.reason_other))
        if self.email:
            lines.append(self.env._("Email: %(email)s", email=self.email))
        if self.comments:
            lines.append(self.env._("Comments: %(text)s", text=self.comments))
        if not self.token_id:
            lines.append(
                self.env._(
                    "The visitor typed the number; the page did not verify "
                    "who they are."
                )
            )
        return Markup("<br/>").join(html_escape(line) for line in lines)

    def _notify_owners_or_defer(self):
        """Notify the owners now for a personal link, later without one.

        On the page without a link the notes, the activity and its mail exist
        only for numbers in the CRM: doing them in the visitor's request made
        its duration tell whether a number is a customer.  A cron job writes
        them right after the request.
        """
        self.ensure_one()
        if self.token_id:
            self._notify_owners()
            return
        self.notify_pending = True
        self.env.ref("callflow_optout.ir_cron_notify_owners").sudo()._trigger()

    @api.model
    def _cron_notify_owners(self, batch=200):
        """Write the deferred notes and activities of answers without a link."""
        pending = self.sudo().search([("notify_pending", "=", True)], limit=batch)
        for response in pending:
            response._notify_owners()
        pending.write({"notify_pending": False})
        if len(pending) == batch:
            self.env.ref("callflow_optout.ir_cron_notify_owners")._trigger()

    def _notify_owners(self):
        """Note on the contact and its open leads, activity for the owner.

        Runs for public visitors, hence ``sudo()`` on the CRM records.
        """
        self.ensure_one()
        body = self._summary_html()
        partner = self.partner_id.sudo()
        leads = self._open_leads()
        for record in [*partner, *leads]:
            record.message_post(
                body=body,
                message_type="comment",
                subtype_xmlid="mail.mt_note",
                author_id=partner.id or None,
            )
        owner_record, owner = self.env["res.partner"], self.env["res.users"]
        if partner.user_id:
            owner_record, owner = partner, partner.user_id
        else:
            lead = leads.filtered("user_id")[:1]
            if lead:
                owner_record, owner = lead, lead.user_id
        if owner_record:
            answer = dict(self._fields["answer"]._description_selection(self.env))
            owner_record.activity_schedule(
                "mail.mail_activity_data_todo",
                user_id=owner.id,
                summary=self.env._(
                    "Contact preference: %(answer)s", answer=answer[self.answer]
                ),
                note=body,
            )
