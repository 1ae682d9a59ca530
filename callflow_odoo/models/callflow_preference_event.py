from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL, email_normalize

from ..tools.constants import WAITING_STATES
from ..tools.hours import format_hours
from ..tools.phone import try_parse_number
from ..tools.phone_errors import parse_error_message
from ..tools.preference_events import (
    ACTIONS,
    CHANNELS,
    SCOPES,
    SELF_SOURCES,
    SOURCES,
    VALS_ERROR_MESSAGES,
    consistent_vals,
    vals_error,
    whole_second,
)
from ..tools.purposes import PURPOSES


class CallflowPreferenceEvent(models.Model):
    """One thing a person said (or we learnt) about being contacted.

    Append-only: events are never edited or deleted by users; a correction is
    a new event.  Server code records events with :meth:`_record`.

    Recording only inserts: an event is born ``pending`` and is then folded
    into ``callflow.preference.state`` (the lines the dialer and the SMS
    sender query) and ``phone.blacklist`` by ``callflow.preference.fold``.  The
    fold runs in the same transaction when no other transaction is folding
    the number, otherwise after commit in a fresh READ COMMITTED transaction
    (and, should the process die, by a cron).  Shared rows are therefore
    never updated by two requests at once, so no request fails on
    concurrency, and a pending block already counts in ``_check_numbers``.
    Events are ordered by (event date to the second, id): the id follows
    the order in which they were recorded.

    Precedence (evaluated by ``callflow.preference.state._check_numbers``):

    * An event applies to its channel (``all`` covers call, SMS and email) and
      its scope: ``all`` covers every purpose, ``marketing`` the purposes in
      ``MARKETING_PURPOSES``, ``purpose`` one purpose.
    * For one check (number, channel, purpose) every applicable event counts;
      the latest one (event date, then id) wins, with one exception:
    * an opt-out, a refusal, a do-not-call or an obsolete number is only
      lifted by a later opt-in that proves control of the number (personal
      link, SMS from the number, code sent by SMS: see ``SELF_SOURCES``) or a
      manager's manual correction.  An opt-in from the page without a link,
      a website form, an operator or an import is recorded but lifts nothing.
    * An obsolete number always applies to all channels and all contact, a
      do-not-call to all contact on its channel.
    """

    _name = "callflow.preference.event"
    _description = "Contact preference event"
    _order = "event_date desc, id desc"
    _rec_name = "number"

    number = fields.Char(
        required=True,
        index=True,
        readonly=True,
        help="The phone number in E.164 form (normalised when recorded).",
    )
    state_id = fields.Many2one(
        "callflow.preference.state",
        string="Preferences",
        index=True,
        readonly=True,
        ondelete="restrict",
        help="Current preferences of this number.",
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Contact",
        index="btree_not_null",
        readonly=True,
        ondelete="set null",
        help="The contact who holds this number, when known.",
    )
    channel = fields.Selection(
        CHANNELS,
        required=True,
        default="all",
        readonly=True,
        help="Which way of contacting the event is about.",
    )
    scope = fields.Selection(
        SCOPES,
        required=True,
        default="all",
        readonly=True,
        help="All contact, all marketing, or only one purpose.",
    )
    purpose = fields.Selection(
        PURPOSES,
        readonly=True,
        help="The purpose concerned when the scope is one purpose.",
    )
    action = fields.Selection(
        ACTIONS,
        required=True,
        readonly=True,
        help="Opt-in or opt-out; refusal: do not solicit again for this purpose "
        "(Specified Commercial Transactions Act); do not call; number obsolete: "
        "the person left or it is the wrong person.",
    )
    source = fields.Selection(
        SOURCES,
        required=True,
        readonly=True,
        help="Where the event came from.",
    )
    hours_days = fields.Char(
        string="Days",
        readonly=True,
        help="Preferred call hours: ISO weekdays (1 = Monday … 7 = Sunday); "
        "empty on a preferred-hours event lifts an earlier one.",
    )
    hours_from = fields.Float(string="From", readonly=True)
    hours_to = fields.Float(string="To", readonly=True)
    hours_label = fields.Char(
        string="Call Only",
        compute="_compute_hours_label",
        help="When the person may be called, in their local time.",
    )
    reason = fields.Char(readonly=True, help="Why, in a few words.")
    evidence = fields.Text(
        readonly=True,
        help="What proves it: the message, the token, the request.",
    )
    request_ip = fields.Char(
        string="Request IP",
        readonly=True,
        groups="callflow_odoo.group_callflow_manager",
        help="Address of the web request.",
    )
    company_id = fields.Many2one(
        "res.company",
        readonly=True,
        index=True,
        default=lambda self: self.env.company,
        help="Company that recorded the event: only its users read the "
        "evidence. The preference itself applies in every company (a stop "
        "holds everywhere); empty: readable in every company.",
    )
    email = fields.Char(
        readonly=True,
        index="btree_not_null",
        help="Email address the person gave with this event (normalised): an "
        "opt-out of email adds it to the email blacklist.",
    )
    user_id = fields.Many2one(
        "res.users",
        string="Recorded by",
        readonly=True,
        default=lambda self: self.env.user,
        ondelete="set null",
        help="The user who recorded the event (public user for web pages).",
    )
    event_date = fields.Datetime(
        required=True,
        index=True,
        readonly=True,
        default=fields.Datetime.now,
        help="When the person said it.",
    )
    is_self = fields.Boolean(
        string="From the person",
        compute="_compute_is_self",
        help="Proven to come from the person (personal link, SMS from the "
        "number, code sent by SMS) or a manager's correction: only such an "
        "opt-in lifts a block.",
    )
    pending = fields.Boolean(
        readonly=True,
        help="Recorded but not yet folded into the current preferences (a "
        "pending block already blocks).",
    )
    already_blocked = fields.Boolean(
        readonly=True,
        help="SMS keywords: the number was already blocked on this channel "
        "when the event was applied (a repeated STOP changes nothing and "
        "gets no second confirmation).",
    )

    _sql_constraints = (
        (
            "purpose_with_scope",
            "CHECK((scope = 'purpose') = (purpose IS NOT NULL))",
            "A purpose is set exactly when the scope is one purpose.",
        ),
    )

    @api.depends("hours_days", "hours_from", "hours_to")
    def _compute_hours_label(self):
        lang = self.env.lang or "en_US"
        for event in self:
            event.hours_label = (
                format_hours(event.hours_days, event.hours_from, event.hours_to, lang)
                if event.action == "hours"
                else False
            )

    @api.depends("source")
    def _compute_is_self(self):
        for event in self:
            event.is_self = event.source in SELF_SOURCES

    @api.depends("number", "action", "channel")
    def _compute_display_name(self):
        actions = dict(self._fields["action"]._description_selection(self.env))
        channels = dict(self._fields["channel"]._description_selection(self.env))
        for event in self:
            event.display_name = self.env._(
                "%(number)s: %(action)s (%(channel)s)",
                number=event.number or "",
                action=actions.get(event.action, ""),
                channel=channels.get(event.channel, ""),
            )

    # ------------------------------------------------------------------
    # Append-only
    # ------------------------------------------------------------------

    def init(self):
        # The checks and the fold look pending events up by number.
        self.env.cr.execute(
            SQL(
                "CREATE INDEX IF NOT EXISTS callflow_preference_event_pending_idx"
                " ON callflow_preference_event (number) WHERE pending"
            )
        )

    @api.model_create_multi
    def create(self, vals_list):
        # before the fold, which is plain SQL
        self.check_access("create")
        vals_list = self._prepare_event_vals(vals_list)
        for vals in vals_list:
            vals["pending"] = True
        # Insert only: no shared row is written here (see the class doc).
        events = super().create(vals_list)
        if not self.env.context.get("callflow_folding"):
            # (inside a fold, the fold applies them once the hooks are done)
            self.env["callflow.preference.fold"]._fold_or_defer(events.mapped("number"))
        # An obsolete number leaves every list and the contact at once (an
        # operator's or the person's word; rare, so not deferred).
        events._retire_obsolete_numbers()
        return events

    def write(self, vals):
        # Only code running as superuser (migrations, data repair) may touch
        # an event; access rights already keep users out, this also stops a
        # careless sudo() in another module.
        if not self.env.su:
            raise UserError(
                self.env._(
                    "Contact preference events cannot be changed: record a new "
                    "event instead."
                )
            )
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        if not self.env.su:
            raise UserError(
                self.env._(
                    "Contact preference events cannot be deleted: they are the "
                    "evidence of what people asked. Record a new event instead."
                )
            )

    # ------------------------------------------------------------------
    # API
    # ------------------------------------------------------------------

    @api.model
    def _record(self, vals_list):
        """Record preference events; return them.

        Trusted server code (call logging, the opt-out page after checking its
        token, imports, the manual wizard) calls this.  Numbers may be raw
        text; the contact's country (else the company's) is the region.
        ``user_id`` defaults to the current user.
        """
        if isinstance(vals_list, dict):
            vals_list = [vals_list]
        vals_list = [
            dict(vals, user_id=vals.get("user_id", self.env.uid)) for vals in vals_list
        ]
        # sudo: users have read-only access to the ledger so nobody can forge
        # or edit events from the UI or RPC; this private method is the one
        # door, used only by server code that has validated its input.
        return self.sudo().create(vals_list).with_env(self.env)

    @api.model
    def _prepare_event_vals(self, vals_list):
        """Normalise numbers and make scope/purpose/channel consistent."""
        partner_ids = {
            vals["partner_id"] for vals in vals_list if vals.get("partner_id")
        }
        partners = self.env["res.partner"].sudo().browse(partner_ids)
        regions = {p.id: p.country_id.code for p in partners}
        default_region = self.env.company.country_id.code
        result = []
        for vals in vals_list:
            vals = dict(vals)
            region = regions.get(vals.get("partner_id")) or default_region
            vals["number"] = self._event_number(vals.get("number"), region)
            if vals.get("email"):
                email = email_normalize(vals["email"])
                if not email:
                    raise ValidationError(
                        self.env._(
                            "“%(email)s” is not a usable email address.",
                            email=vals["email"],
                        )
                    )
                vals["email"] = email
            if vals.get("event_date"):
                vals["event_date"] = whole_second(vals["event_date"])
            vals = consistent_vals(vals)
            if error := vals_error(vals):
                raise ValidationError(self.env._(VALS_ERROR_MESSAGES[error]))
            result.append(vals)
        return result

    @api.model
    def _event_number(self, number, region):
        """``number`` in E.164, or a ValidationError saying why not."""
        e164, error = try_parse_number(number, region)
        if not e164:
            raise ValidationError(
                self.env._(
                    "“%(number)s” is not a usable phone number (%(error)s).",
                    number=number or "",
                    error=parse_error_message(self.env, error),
                )
            )
        return e164

    def _retire_obsolete_numbers(self):
        """An obsolete number (left the company, wrong person) stops being
        used everywhere at once: its open entries on every list are
        suppressed, and for the contact it was logged on the number moves
        from the contact and their leads to the contact's former numbers
        (so nobody types it back). ``callflow_sms`` also cancels its queued
        SMS (``_cancel_obsolete_sms``)."""
        obsolete = self.filtered(lambda e: e.action == "obsolete")
        if not obsolete:
            return
        numbers = sorted(set(obsolete.mapped("number")))
        Entry = self.env["callflow.list.entry"]
        Entry.flush_model()
        self.env.cr.execute(
            SQL(
                """
                UPDATE callflow_list_entry
                   SET state = 'suppressed', state_reason = %(reason)s,
                       held_by_id = NULL, held_since = NULL,
                       write_uid = %(uid)s, write_date = now() AT TIME ZONE 'UTC'
                 WHERE number = ANY(%(numbers)s)
                   AND state IN %(waiting_states)s
                """,
                waiting_states=WAITING_STATES,
                reason=self.env["callflow.preference.state"]._reason_label("obsolete"),
                uid=self.env.uid,
                numbers=numbers,
            )
        )
        Entry.invalidate_model()
        by_partner = {}
        for event in obsolete.filtered("partner_id"):
            by_partner.setdefault(event.partner_id, {})[event.number] = event.reason
        for partner, reasons in by_partner.items():
            # sudo: the contact and their leads may belong to other
            # salespeople; the number is obsolete for all of them.
            partner.sudo()._callflow_retire_numbers(reasons)
        obsolete._cancel_obsolete_sms(numbers)

    @api.model
    def _cron_fold_pending(self):
        """The cron's entry point (its record, kept on upgrades, names this
        model): see ``callflow.preference.fold``."""
        return self.env["callflow.preference.fold"]._cron_fold_pending()

    def _cancel_obsolete_sms(self, numbers):
        """Hook for ``callflow_sms``: cancel the SMS queued to ``numbers``."""
        return
