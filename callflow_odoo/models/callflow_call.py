from markupsafe import Markup, escape

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..tools import voice
from ..tools.constants import WAITING_STATES

OUTCOMES = [
    ("no_answer", "No answer"),
    ("busy", "Busy"),
    ("voicemail", "Voicemail"),
    ("answered", "Answered"),
    ("failed", "Failed / wrong number"),
]
MANAGER = "callflow_odoo.group_callflow_manager"


class CallflowCall(models.Model):
    """One call attempt: who called whom, from which number, and what came of
    it. Logged on the lead's and the contact's chatter."""

    _name = "callflow.call"
    _description = "Call"
    _order = "date_start desc, id desc"

    name = fields.Char(compute="_compute_name")
    direction = fields.Selection(
        [("outbound", "Outbound"), ("inbound", "Inbound")],
        required=True,
        default="outbound",
        index=True,
        help="Inbound: the person rang a published number.",
    )
    inbound_status = fields.Selection(
        [
            ("ringing", "Ringing"),
            ("answered", "Answered"),
            ("missed", "Missed"),
            ("voicemail", "Voicemail"),
        ],
        readonly=True,
        copy=False,
    )
    inbound_callback_done = fields.Boolean(readonly=True, copy=False)
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
    # The recording (lists that record): managers only, the URL included.
    recording_sid = fields.Char(readonly=True, copy=False, groups=MANAGER)
    recording_url = fields.Char(readonly=True, copy=False, groups=MANAGER)
    recording_duration = fields.Integer(
        "Recording (s)", readonly=True, copy=False, groups=MANAGER
    )
    recording_date = fields.Datetime(readonly=True, copy=False, groups=MANAGER)
    # The provider was asked to record: a replayed request asks no twice.
    recording_requested = fields.Boolean(readonly=True, copy=False, groups=MANAGER)
    recording_player = fields.Html(
        "Recording", compute="_compute_recording_player", groups=MANAGER
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

    @api.depends("recording_sid")
    def _compute_recording_player(self):
        """An audio player streaming through Callflow (the provider's
        credentials stay on the server)."""
        for call in self:
            call.recording_player = call.recording_sid and Markup(
                '<audio controls="controls" preload="none" '
                'src="/callflow/voice/recording/%s"></audio>'
            ) % (call.id,)

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
            **self._entry_vals(entry),
            "date_start": start,
            "date_end": now,
            "handling_time": max((now - start).total_seconds() / 60.0, 0.0),
            "outcome": outcome,
            "result_id": result.id,
            "note": note,
            "callback_at": callback_at,
        }
        attempt = self.env["callflow.voice"]._open_attempt(entry)
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

    @api.model
    def _entry_vals(self, entry):
        """Who is called, from which list and number: a call of ``entry``."""
        return {
            "entry_id": entry.id,
            "list_id": entry.list_id.id,
            "company_id": entry.list_id.company_id.id,
            "partner_id": entry.partner_id.id,
            "lead_id": entry.lead_id.id,
            "caller_number_id": entry.list_id.caller_number_id.id,
            "dialed_number": entry.number,
        }

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

    def _post_on_chatter(self):
        self.env["callflow.call.chatter"]._post(self)
