import hashlib
import logging
import secrets
import uuid

from markupsafe import Markup, escape

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, consteq

from ..tools import voice
from ..tools.constants import WAITING_STATES

_logger = logging.getLogger(__name__)

OUTCOMES = [
    ("no_answer", "No answer"),
    ("busy", "Busy"),
    ("voicemail", "Voicemail"),
    ("answered", "Answered"),
    ("failed", "Failed / wrong number"),
]


class CallflowCall(models.Model):
    """One call attempt: who called whom, from which number, and what came of
    it. Logged on the lead's and the contact's chatter."""

    _name = "callflow.call"
    _description = "Call"
    _order = "date_start desc, id desc"

    name = fields.Char(compute="_compute_name")
    entry_id = fields.Many2one("callflow.list.entry", index="btree_not_null")
    list_id = fields.Many2one("callflow.list", "Call list", index=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    partner_id = fields.Many2one("res.partner", "Contact", index="btree_not_null")
    lead_id = fields.Many2one("crm.lead", index="btree_not_null")
    user_id = fields.Many2one(
        "res.users", "Operator", required=True, default=lambda self: self.env.user
    )
    caller_number_id = fields.Many2one("callflow.caller.number", "Called from")
    dialed_number = fields.Char("Number called", required=True)
    date_start = fields.Datetime("Start", required=True, default=fields.Datetime.now)
    date_end = fields.Datetime("End")
    handling_time = fields.Float(
        "Handling time (min)",
        digits=(16, 1),
        aggregator="sum",
        help="Minutes from the moment the dialer handed the person to the "
        "operator to the moment the result was logged: dialling, talking and "
        "notes. Not the talk time, which the telephony does not report yet.",
    )
    handling_time_avg = fields.Float(
        "Average handling time (min)",
        digits=(16, 1),
        compute="_compute_handling_time_avg",
        store=True,
        aggregator="avg",
        help="The handling time again, averaged in the reports.",
    )
    # Empty while a call placed through a voice provider is under way.
    outcome = fields.Selection(OUTCOMES)
    result_id = fields.Many2one("callflow.call.result")
    note = fields.Text("Notes")
    callback_at = fields.Datetime("Callback at")
    is_connect = fields.Integer(
        "Connects", compute="_compute_stats", store=True, aggregator="sum"
    )
    connect_rate = fields.Float(
        "Connect rate (%)", compute="_compute_stats", store=True, aggregator="avg"
    )
    is_positive = fields.Integer(
        "Positive results", compute="_compute_stats", store=True, aggregator="sum"
    )

    # The call placed through a voice provider (Settings > Callflow > Voice).
    voice_provider = fields.Selection(
        voice.VOICE_PROVIDERS, "Provider", readonly=True, copy=False
    )
    provider_call_sid = fields.Char(
        "Provider call ID",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="The provider's id of the call (the operator's leg).",
    )
    provider_leg_sid = fields.Char(
        "Provider ID of the person's leg", readonly=True, copy=False
    )
    voice_state = fields.Selection(
        voice.VOICE_STATES, "Call status", readonly=True, copy=False
    )
    voice_message = fields.Char(
        "Provider message",
        readonly=True,
        copy=False,
        help="Why the provider did not place the call, or why it was stopped.",
    )
    ring_date = fields.Datetime("Ringing since", readonly=True, copy=False)
    answer_date = fields.Datetime("Answered at", readonly=True, copy=False)
    hangup_date = fields.Datetime("Hung up at", readonly=True, copy=False)
    talk_seconds = fields.Integer(
        "Talk time (s)",
        readonly=True,
        copy=False,
        aggregator="sum",
        help="Seconds from the person's answer to the hang-up, as reported by "
        "the provider.",
    )
    ring_seconds = fields.Integer(
        "Ring time (s)",
        readonly=True,
        copy=False,
        aggregator="avg",
        help="Seconds the person's phone rang before they answered or the call ended.",
    )
    answered_by = fields.Char(
        "Answered by",
        readonly=True,
        copy=False,
        help="The provider's answering-machine detection: human, machine_…",
    )
    # Only the hash of the token in the TwiML and status URLs is kept.
    voice_token_hash = fields.Char(
        readonly=True, copy=False, groups="base.group_system"
    )
    voice_key = fields.Char(
        "Idempotency key", readonly=True, copy=False, index="btree_not_null"
    )

    _sql_constraints = [
        (
            "provider_call_sid_unique",
            "UNIQUE(company_id, provider_call_sid)",
            "A provider call is recorded once per company.",
        ),
    ]

    def init(self):
        # Company caps count recent calls per number.
        self.env.cr.execute(
            "CREATE INDEX IF NOT EXISTS callflow_call_number_date_idx "
            "ON callflow_call (dialed_number, date_start)"
        )

    @api.depends("partner_id", "lead_id", "date_start")
    def _compute_name(self):
        for call in self:
            # sudo: the lead may belong to another salesperson (see _crm_records)
            who = call.partner_id.display_name or call.lead_id.sudo().display_name or ""
            call.name = f"{who} {call.dialed_number or ''}".strip()

    @api.depends("handling_time")
    def _compute_handling_time_avg(self):
        for call in self:
            call.handling_time_avg = call.handling_time

    @api.depends("outcome", "result_id.is_positive")
    def _compute_stats(self):
        for call in self:
            connected = call.outcome == "answered"
            call.is_connect = int(connected)
            call.connect_rate = 100.0 if connected else 0.0
            call.is_positive = int(bool(call.result_id.is_positive))

    # ------------------------------------------------------------------
    # Logging
    # ------------------------------------------------------------------
    @api.model
    def _log_call(
        self, entry, outcome, result, note=None, callback_at=None, date_start=None
    ):
        """Log one attempt on ``entry``: the call record, the result's effects
        (ledger, obsolete number, callback activity, lead stage), the chatter,
        then the entry's new state. Returns the call."""
        entry.ensure_one()
        if result.schedule_callback and not callback_at:
            raise UserError(self.env._("Give the date and time of the callback."))
        if callback_at and callback_at <= fields.Datetime.now():
            raise UserError(self.env._("The callback must be in the future."))
        now = fields.Datetime.now()
        start = date_start or entry.held_since or now
        vals = {
            "entry_id": entry.id,
            "list_id": entry.list_id.id,
            "company_id": entry.list_id.company_id.id,
            "partner_id": entry.partner_id.id,
            "lead_id": entry.lead_id.id,
            "caller_number_id": entry.list_id.caller_number_id.id,
            "dialed_number": entry.number,
            "date_start": start,
            "date_end": now,
            "handling_time": max((now - start).total_seconds() / 60.0, 0.0),
            "outcome": outcome,
            "result_id": result.id,
            "note": note,
            "callback_at": callback_at,
        }
        attempt = self._voice_open_attempt(entry)
        if attempt:
            # sudo: operators create calls but do not edit them; this is the
            # call they placed on the entry they hold, now given its result.
            attempt.sudo().write(dict(vals, date_start=attempt.date_start))
            call = attempt
        else:
            call = self.create(vals)
        call._apply_result_effects()
        call._post_on_chatter()
        entry._register_attempt(result, outcome, callback_at)
        return call

    def _ledger_vals(self, action, scope, purpose=False):
        return {
            "number": self.dialed_number,
            "partner_id": self.partner_id.id or self.lead_id.sudo().partner_id.id,
            "channel": "call" if action != "obsolete" else "all",
            "scope": scope,
            "purpose": purpose,
            "action": action,
            "source": "operator",
            "company_id": self.company_id.id,
            "reason": self.result_id.name,
            "evidence": self.env._(
                "Call %(call)s by %(user)s: %(note)s",
                call=self.id,
                user=self.user_id.name,
                note=self.note or "-",
            ),
        }

    def _apply_result_effects(self):
        self.ensure_one()
        result = self.result_id
        events = []
        if result.is_refusal:
            events.append(self._ledger_vals("refusal", "purpose", self.list_id.purpose))
        if result.is_dnc:
            events.append(self._ledger_vals("dnc", "all"))
        if result.is_obsolete:
            events.append(self._ledger_vals("obsolete", "all"))
        if events:
            self.env["callflow.preference.event"]._record(events)
            self._suppress_other_entries()
        if result.schedule_callback and self.callback_at:
            self._schedule_callback_activity()
        if result.is_positive:
            self._move_lead_forward()
        # Recompute what these writes touched as superuser too, not later in
        # the operator's environment (see _crm_records).
        self.env["crm.lead"].sudo().env.flush_all()

    def _suppress_other_entries(self):
        """Pending entries for this number on other lists stop being offered
        now, with the reason (the pick re-checks the ledger anyway)."""
        Preference = self.env["callflow.preference.state"]
        others = self.env["callflow.list.entry"].search(
            [
                ("number", "=", self.dialed_number),
                ("state", "in", WAITING_STATES),
                ("id", "!=", self.entry_id.id),
            ]
        )
        by_purpose = {}
        for entry in others:
            by_purpose.setdefault(
                entry.list_id.purpose, self.env["callflow.list.entry"]
            )
            by_purpose[entry.list_id.purpose] |= entry
        for purpose, entries in by_purpose.items():
            code = Preference._check_numbers([self.dialed_number], "call", purpose).get(
                self.dialed_number
            )
            if code:
                entries._dialer_write(
                    {
                        "state": "suppressed",
                        "state_reason": Preference._reason_label(code),
                    }
                )

    def _crm_records(self):
        """The lead and the contact of the call, as superuser.

        sudo: operators work lists of leads other salespeople own; logging
        the call there (chatter, callback activity, stage) is the point of
        the dialer, and the entry - which record rules limit to the lists
        the operator works - vouches for the link.
        """
        return self.lead_id.sudo(), self.partner_id.sudo()

    def _schedule_callback_activity(self):
        lead, partner = self._crm_records()
        record = lead or partner
        if not record:
            return
        local = fields.Datetime.context_timestamp(
            self.with_user(self.user_id), self.callback_at
        )
        record.activity_schedule(
            "mail.mail_activity_data_call",
            date_deadline=local.date(),
            summary=self.env._(
                "Call back at %(time)s (%(list)s)",
                time=local.strftime("%H:%M"),
                list=self.list_id.name,
            ),
            note=escape(self.note or ""),
            user_id=self.user_id.id,
        )

    def _move_lead_forward(self):
        result = self.result_id
        lead, partner = self._crm_records()
        if lead:
            vals = {}
            if result.create_opportunity and lead.type == "lead":
                vals["type"] = "opportunity"
            if result.stage_id:
                vals["stage_id"] = result.stage_id.id
            if vals:
                lead.write(vals)
        elif result.create_opportunity and partner:
            self.sudo().lead_id = lead.create(
                {
                    "name": self.env._(
                        "%(partner)s – %(list)s",
                        partner=self.partner_id.display_name,
                        list=self.list_id.name,
                    ),
                    "type": "opportunity",
                    "partner_id": partner.id,
                    "user_id": self.user_id.id,
                    "team_id": self.list_id.team_id.id,
                    "stage_id": result.stage_id.id or False,
                }
            )

    def _chatter_body(self):
        outcome = dict(OUTCOMES)[self.outcome]
        parts = [
            Markup("<b>%s</b>: %s")
            % (self.env._("Call"), f"{outcome} – {self.result_id.name or ''}"),
            Markup("%s %s, %s %s")
            % (
                self.env._("By"),
                self.user_id.name,
                self.env._("from"),
                self.caller_number_id.number_international or "-",
            ),
            Markup("%s: %s") % (self.env._("List"), self.list_id.name or "-"),
        ]
        if self.handling_time:
            parts.append(
                Markup("%s: %.1f min")
                % (self.env._("Handling time"), self.handling_time)
            )
        if self.callback_at:
            parts.append(
                Markup("%s: %s")
                % (self.env._("Callback"), fields.Datetime.to_string(self.callback_at))
            )
        if self.note:
            parts.append(escape(self.note))
        return Markup("<br/>").join(parts)

    def _post_on_chatter(self):
        body = self._chatter_body()
        for record in self._crm_records():
            if record:
                record._message_log(body=body)
        self.env["crm.lead"].sudo().env.flush_all()

    # ------------------------------------------------------------------
    # Voice provider: placing the call, TwiML, status callbacks
    # ------------------------------------------------------------------
    @api.model
    def _voice_config(self):
        """The voice provider's settings. sudo: credentials are system
        parameters, readable by system administrators only."""
        get = self.env["ir.config_parameter"].sudo().get_param
        return {
            "provider": get("callflow_odoo.voice_provider") or "manual",
            "account_sid": get("callflow_odoo.voice_twilio_account_sid") or "",
            "auth_token": get("callflow_odoo.voice_twilio_auth_token") or "",
            "base_url": get("callflow_odoo.voice_twilio_base_url")
            or voice.TWILIO_BASE_URL,
            "url_template": get("callflow_odoo.voice_http_url") or "",
            "auth_header": get("callflow_odoo.voice_http_auth_header") or "",
            "secret": get("callflow_odoo.voice_http_secret") or "",
        }

    @staticmethod
    def _voice_hash(raw_token):
        return hashlib.sha256(raw_token.encode()).hexdigest()

    def _voice_check_token(self, raw_token):
        """Whether ``raw_token`` is this call's URL token (constant time)."""
        self.ensure_one()
        stored = self.sudo().voice_token_hash  # sudo: a hash kept from users
        if not (stored and raw_token and isinstance(raw_token, str)):
            return False
        return consteq(stored, self._voice_hash(raw_token))

    def _voice_url(self, kind, raw_token, leg=None):
        """Callflow's URL the provider calls back for this call."""
        url = f"{self.get_base_url()}/callflow/voice/{kind}/{self.id}?t={raw_token}"
        return f"{url}&leg={leg}" if leg else url

    @api.model
    def _voice_open_attempt(self, entry):
        """The call placed on ``entry`` through the provider by the current
        user that has no result yet: logging the result completes it."""
        return (
            self.sudo()
            .search(
                [
                    ("entry_id", "=", entry.id),
                    ("user_id", "=", self.env.uid),
                    ("voice_provider", "!=", False),
                    ("result_id", "=", False),
                    ("voice_state", "not in", ("failed", "canceled")),
                ],
                order="id desc",
                limit=1,
            )
            .with_env(self.env)
        )

    @api.model
    def _voice_notify(self, title, message, kind="warning"):
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {"type": kind, "title": title, "message": message},
        }

    @api.model
    def _voice_call_entry(self, entry):
        """Place the call of the dialer's ``entry``: the gate, the call
        record (the attempt), then the provider. Returns a notification:
        a refusal is a message to the operator, and no call."""
        entry.ensure_one()
        config = self._voice_config()
        user = self.env.user
        provider = config["provider"]
        if provider not in voice.CLIENTS:
            return {"type": "ir.actions.act_url", "url": f"tel:{entry.number}"}
        title = self.env._("No call placed")
        if entry.state != "in_call" or entry.held_by_id != user:
            return self._voice_notify(
                title, self.env._("Open the person in the dialer first.")
            )
        target = (user.callflow_ring_target or "").strip()
        if not target:
            return self._voice_notify(
                title,
                self.env._(
                    "Set where to ring you first: Preferences > Ring me at "
                    "(a phone number, sip: URI or client: identity)."
                ),
            )
        caller = entry.list_id.caller_number_id
        decision = self.env["callflow.dial.gate"]._check(
            entry.number,
            user=user,
            caller_number=caller,
            entry=entry,
            purpose=entry.list_id.purpose,
        )
        if not decision.allowed:
            return self._voice_notify(title, decision.message)
        raw_token = secrets.token_urlsafe(24)
        vals = {
            "entry_id": entry.id,
            "list_id": entry.list_id.id,
            "company_id": entry.list_id.company_id.id,
            "partner_id": entry.partner_id.id,
            "lead_id": entry.lead_id.id,
            "caller_number_id": caller.id,
            "dialed_number": entry.number,
            "voice_provider": provider,
            "voice_state": "queued",
            "voice_key": uuid.uuid4().hex,
        }
        if provider == "twilio":
            request = {"from_number": caller.number or "", "to": target, "timeout": 25}
        else:
            request = {
                "operator": target,
                "number": entry.number,
                "caller_id": caller.number or "",
            }
        self.env.flush_all()
        # The provider calls back on its own connections, maybe before this
        # request ends: the call is committed before it is placed, in a
        # transaction of its own.
        with self.env.registry.cursor() as cr:
            call = self.with_env(self.env(cr=cr)).create(vals)
            # sudo: the hash is hidden from users (groups), and set once here.
            call.sudo().voice_token_hash = self._voice_hash(raw_token)
            if provider == "twilio":
                request["url"] = call._voice_url("twiml", raw_token)
                request["status_callback"] = call._voice_url(
                    "status", raw_token, "operator"
                )
            cr.commit()  # pylint: disable=invalid-commit
            result = voice.CLIENTS[provider](config).place_call(
                vals["voice_key"], request
            )
            # sudo: operators do not edit calls; this is the provider's answer.
            call = call.sudo()
            call._voice_lock()
            answer = {"voice_message": result.message or False}
            if result.state == voice.PLACED:
                answer["provider_call_sid"] = result.sid
                if call.voice_state == "queued":  # callbacks may be ahead
                    answer["voice_state"] = "initiated"
            elif result.state == voice.FAILED:
                answer["voice_state"] = "failed"
            call.write(answer)
            call._voice_send_state()
        if result.state == voice.PLACED:
            return self._voice_notify(
                self.env._("Calling"),
                self.env._(
                    "Your phone rings first, then %(name)s's.", name=entry.display_name
                ),
                "info",
            )
        if result.state == voice.UNKNOWN:
            return self._voice_notify(
                self.env._("Call status unknown"),
                self.env._(
                    "The provider did not answer in time: the call may have "
                    "been placed, check the provider before calling again. "
                    "(%(detail)s)",
                    detail=result.message,
                ),
            )
        return self._voice_notify(title, result.message)

    def _voice_lock(self):
        """Lock the call's row: concurrent callbacks of one call apply one
        after the other, each on the other's result."""
        self.env.cr.execute(
            SQL("SELECT id FROM callflow_call WHERE id = %s FOR UPDATE", self.id)
        )
        self.invalidate_recordset()

    def _voice_twiml(self):
        """The TwiML of the operator's leg once answered: the gate again (an
        opt-out may have arrived since Call), then the whisper and the
        person's leg, or the spoken reason and the end of the call."""
        self.ensure_one()
        self._voice_lock()
        user = self.user_id
        call = self.with_context(lang=user.lang)
        language = (user.lang or "en_US").replace("_", "-")
        if self.voice_state not in ("queued", "initiated") or self.result_id:
            # Already dialled (a replayed request) or over: never twice.
            return voice.twiml_refusal(call.env._("This call has ended."), language)
        decision = (
            self.env["callflow.dial.gate"]
            .with_user(user)
            ._check(
                self.dialed_number,
                user=user,
                caller_number=self.caller_number_id,
                entry=self.entry_id,
                purpose=self.list_id.purpose,
            )
        )
        if not decision.allowed:
            self.write({"voice_state": "canceled", "voice_message": decision.message})
            self._voice_send_state()
            return voice.twiml_refusal(decision.message, language)
        raw_token = self.env.context.get("callflow_voice_token")
        return voice.twiml_dial(
            call.env._("Calling %(name)s", name=self._voice_whisper_name()),
            language,
            self.caller_number_id.number or "",
            self.dialed_number,
            25,
            self._voice_url("status", raw_token, "dial"),
            self._voice_url("status", raw_token, "person"),
        )

    def _voice_whisper_name(self):
        """Who is being called, as the operator hears it before the dial."""
        # sudo: the lead may belong to another salesperson (see _crm_records)
        lead = self.lead_id.sudo()
        return (
            self.partner_id.name
            or lead.contact_name
            or lead.partner_name
            or lead.name
            or self.dialed_number
        )

    def _voice_current(self):
        return {key: self[key] for key in voice.MERGED_FIELDS}

    def _voice_apply_status(
        self, leg, status, at=None, duration=None, answered_by=None, sid=None
    ):
        """Apply one status callback (idempotent, out-of-order safe).

        ``leg`` is ``operator`` (the provider rings the operator) or
        ``person`` (the dialled leg, or a generic PBX's only leg)."""
        self.ensure_one()
        self._voice_lock()
        at = at or fields.Datetime.now()
        state = voice.CALL_STATUS.get((status or "").lower())
        if not state:
            return False
        vals = {}
        if leg == "operator":
            if state in ("initiated", "ringing") and self.voice_state == "queued":
                vals["voice_state"] = "initiated"
            elif (
                state in voice.FINAL_STATES
                and self.voice_state in ("queued", "initiated")
                and state != "completed"
            ):
                # The operator did not take the call: no attempt on the person.
                vals["voice_state"] = "canceled"
                vals["voice_message"] = self.env._("You did not answer the call.")
        else:
            if sid and not self.provider_leg_sid and sid != self.provider_call_sid:
                vals["provider_leg_sid"] = sid[:64]
            vals.update(
                voice.merge_status(
                    self._voice_current(), status, at, duration, answered_by
                )
            )
        if not vals:
            return False
        was_final = self.voice_state in voice.FINAL_STATES
        self.write(vals)
        if not was_final and self.voice_state in voice.FINAL_STATES:
            outcome = voice.unreached_outcome(self.voice_state, self.answered_by)
            if outcome and not self.result_id:
                self._voice_log_unreached(outcome)
        elif (
            answered_by
            and not self.result_id
            and self.voice_state in voice.FINAL_STATES
        ):
            # A machine reported after the end: still voicemail.
            outcome = voice.unreached_outcome(self.voice_state, self.answered_by)
            if outcome == "voicemail":
                self._voice_log_unreached(outcome)
        self._voice_send_state()
        return True

    @api.model
    def _voice_default_result(self, outcome):
        """The result logged by itself for a person not reached."""
        xmlid = {
            "no_answer": "callflow_odoo.call_result_no_answer",
            "busy": "callflow_odoo.call_result_busy",
            "voicemail": "callflow_odoo.call_result_voicemail",
            "failed": "callflow_odoo.call_result_failed_technical",
        }[outcome]
        result = self.env.ref(xmlid, raise_if_not_found=False)
        return result or self.env["callflow.call.result"].search(
            [("outcome_hint", "=", outcome)], limit=1
        )

    def _voice_log_unreached(self, outcome):
        """Busy, no answer, failed or a machine: log the default result and
        give the entry back to the queue by the list's retry rules, so the
        operator only logs conversations."""
        self.ensure_one()
        result = self._voice_default_result(outcome)
        now = fields.Datetime.now()
        self.write(
            {
                "outcome": outcome,
                "result_id": result.id,
                "date_end": now,
                "handling_time": max(
                    (now - self.date_start).total_seconds() / 60.0, 0.0
                ),
            }
        )
        self._post_on_chatter()
        entry = self.entry_id.with_user(self.user_id).sudo()
        if entry.state == "in_call" and entry.held_by_id == self.user_id:
            entry._register_attempt(result, outcome)

    def _voice_send_state(self):
        """The call's live state to its operator's dialer (bus)."""
        for call in self:
            call.env["bus.bus"]._sendone(
                call.user_id.partner_id,
                "callflow.call/state",
                {
                    "call_id": call.id,
                    "entry_id": call.entry_id.id,
                    "voice_state": call.voice_state,
                    "answer_date": fields.Datetime.to_string(call.answer_date),
                    "talk_seconds": call.talk_seconds,
                    "message": call.voice_message or "",
                    "result": call.result_id.name or "",
                },
            )
