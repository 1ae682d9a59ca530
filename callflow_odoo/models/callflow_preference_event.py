import logging
import time
from functools import partial

from psycopg2.pool import PoolError

from odoo import SUPERUSER_ID, api, fields, models, sql_db
from odoo.exceptions import UserError, ValidationError
from odoo.service.model import PG_CONCURRENCY_EXCEPTIONS_TO_RETRY
from odoo.tools import SQL, email_normalize

from ..tools.constants import WAITING_STATES
from ..tools.hours import clean_days, format_hours, hours_error
from ..tools.phone import try_parse_number
from ..tools.phone_errors import parse_error_message
from ..tools.purposes import PURPOSES

CHANNELS = [
    ("call", "Phone calls"),
    ("sms", "SMS"),
    ("email", "Email"),
    ("all", "All channels"),
]
SCOPES = [
    ("all", "All contact"),
    ("marketing", "All marketing"),
    ("purpose", "One purpose"),
]
ACTIONS = [
    ("opt_in", "Opt-in"),
    ("opt_out", "Opt-out"),
    ("refusal", "Refusal"),
    ("dnc", "Do not call"),
    ("obsolete", "Number obsolete"),
    ("hours", "Preferred call hours"),
]

SOURCES = [
    ("web", "Web page"),
    ("sms", "SMS keyword"),
    ("operator", "Operator during a call"),
    ("import", "Import"),
    ("website_form", "Website form"),
    ("manual", "Manual entry"),
    ("link", "Personal link"),
    ("sms_code", "Code sent by SMS"),
    ("reconfirm", "No reply to a re-confirmation"),
    ("event", "Event registration"),
]
# Sources that prove the person controls the number: their personal link
# (``link``, sent to that number), an SMS from the number itself (``sms``, the
# signed provider webhook) and a one-time code sent by SMS to the number
# (``sms_code``); plus ``manual``, a manager's documented correction.  Only an
# opt-in from one of these lifts an opt-out, a refusal, a do-not-call or an
# obsolete number.  Anyone can type a number on the page without a link
# (``web``) or the contact form (``website_form``), and operators and imports
# speak for someone else: their opt-ins are recorded but lift nothing.
SELF_SOURCES = frozenset({"link", "sms", "sms_code", "manual"})
# Above this many new blacklist entries in one batch, no chatter note on each.
BLACKLIST_NOTE_LIMIT = 20
# Attempts of a fold after commit before the cron is left to do it.
FOLD_TRIES = 8
# Advisory locks of the fold: (class, bucket of the number's hash).
LOCK_CLASS = 11011
LOCK_BUCKETS = 1024

_logger = logging.getLogger(__name__)


class _NumbersBusy(Exception):
    """Another transaction is folding one of the numbers right now."""


class CallflowPreferenceEvent(models.Model):
    """One thing a person said (or we learnt) about being contacted.

    Append-only: events are never edited or deleted by users; a correction is
    a new event.  Server code records events with :meth:`_record`.

    Recording only inserts: an event is born ``pending`` and is then folded
    into ``callflow.preference.state`` (the lines the dialer and the SMS
    sender query) and ``phone.blacklist`` by :meth:`_fold_or_defer`.  The
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
            self._fold_or_defer(events.mapped("number"))
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
            e164, error = try_parse_number(vals.get("number"), region)
            if not e164:
                raise ValidationError(
                    self.env._(
                        "“%(number)s” is not a usable phone number (%(error)s).",
                        number=vals.get("number") or "",
                        error=parse_error_message(self.env, error),
                    )
                )
            vals["number"] = e164
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
                # Whole seconds, like the default: an answer's date taken
                # from create_date (microseconds) must not outrank an SMS
                # recorded a moment later; within a second the id orders.
                vals["event_date"] = fields.Datetime.to_datetime(
                    vals["event_date"]
                ).replace(microsecond=0)
            action = vals.get("action")
            if action == "obsolete":
                vals.update(channel="all", scope="all")
            elif action == "dnc":
                vals["scope"] = "all"
            elif action == "hours":
                # Preferred hours are about calls, whatever the purpose.
                vals.update(channel="call", scope="all")
                vals["hours_days"] = clean_days(vals.get("hours_days")) or False
                if vals["hours_days"] and hours_error(
                    vals["hours_days"], vals.get("hours_from"), vals.get("hours_to")
                ):
                    raise ValidationError(
                        self.env._(
                            "Preferred call hours need at least one day and a "
                            "start before the end, between 00:00 and 24:00."
                        )
                    )
            if action != "hours":
                vals.update(hours_days=False, hours_from=0.0, hours_to=0.0)
            scope = vals.get("scope") or "all"
            if scope == "purpose" and not vals.get("purpose"):
                raise ValidationError(
                    self.env._("Choose the purpose the preference is about.")
                )
            if scope != "purpose":
                vals["purpose"] = False
            result.append(vals)
        return result

    def _sync_blacklist(self):
        """Keep Odoo's ``phone.blacklist`` (obeyed by SMS marketing) in step.

        An opt-out (or refusal, do-not-call, obsolete) of all contact by SMS
        or on every channel blacklists the number; the person's own opt-in
        to SMS for all contact removes it again once nothing else in the
        ledger blocks SMS to that number.
        """
        latest = {}  # number -> "add" / "remove", from its latest event here
        for event in self.sorted(lambda e: (e.event_date, e.id)):
            # (preferred hours are always channel "call": skipped here too)
            if event.channel not in ("sms", "all") or event.scope != "all":
                continue
            if event.action != "opt_in":
                latest[event.number] = "add"
            elif event.is_self:
                latest[event.number] = "remove"
        to_add = {number for number, todo in latest.items() if todo == "add"}
        to_remove = set(latest) - to_add
        # sudo: phone.blacklist is writable by system administrators only, but
        # every preference event must reach it or SMS marketing would ignore it.
        blacklist = self.env["phone.blacklist"].sudo()
        if to_add:
            # Upsert in SQL rather than phone.blacklist._add(): concurrent
            # opt-outs of one number (parallel web requests) must not fail on
            # its unique constraint, and an import must not format every
            # (already E.164) number again.
            blacklist.flush_model()
            self.env.cr.execute(
                SQL(
                    """
                    INSERT INTO phone_blacklist
                           (number, active, create_uid, write_uid,
                            create_date, write_date)
                    SELECT number, TRUE, %(uid)s, %(uid)s,
                           now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'
                      FROM unnest(%(numbers)s::varchar[]) AS t(number)
                    ON CONFLICT (number) DO UPDATE
                       SET active = TRUE, write_uid = EXCLUDED.write_uid,
                           write_date = EXCLUDED.write_date
                     WHERE NOT phone_blacklist.active
                    RETURNING id
                    """,
                    uid=self.env.uid,
                    numbers=sorted(to_add),
                )
            )
            changed = [row[0] for row in self.env.cr.fetchall()]
            self._note_blacklisted(blacklist, changed)
        if to_remove:
            still_blocked = self.env["callflow.preference.state"]._check_numbers(
                to_remove, "sms", include_blacklist=False
            )
            listed = blacklist.search(
                [("number", "in", sorted(to_remove - set(still_blocked)))]
            )
            if listed:
                blacklist._remove(
                    listed.mapped("number"),
                    message=self.env._(
                        "Opted in again in the Callflow contact preferences."
                    ),
                )

    def _note_blacklisted(self, blacklist, ids):
        """A note on each new or re-activated entry of ``blacklist`` (phone or
        mail) says where it came from; not for big imports (one message each
        would take minutes; the ledger is the record)."""
        changed = blacklist.browse(ids)
        blacklist.invalidate_model()
        if len(changed) > BLACKLIST_NOTE_LIMIT:
            return
        for entry in changed.with_context(mail_create_nosubscribe=True):
            entry.message_post(
                body=self.env._("Opted out in the Callflow contact preferences."),
                subtype_xmlid="mail.mt_note",
            )

    def _sync_mail_blacklist(self):
        """Keep Odoo's ``mail.blacklist`` (obeyed by mass mailing) in step, as
        :meth:`_sync_blacklist` does for SMS.

        The ledger is keyed by number: an event carries an email only when the
        person gave one.  An opt-out (or refusal, do-not-call, obsolete) of all
        contact by email or on every channel blacklists that email; the entry
        keeps the number (``callflow_number``).  An opt-in proving control of
        a number (see ``SELF_SOURCES``) removes the entries the ledger made for
        the emails that number's events gave, once the ledger blocks email to
        no number giving that email.  An entry made or confirmed in Odoo (a
        mailing's unsubscribe, by hand) has no number and stays: the ledger
        cannot prove who owns an email address.
        """
        to_add = {}  # email -> number
        lifted = set()
        for event in self.sorted(lambda e: (e.event_date, e.id)):
            if event.channel not in ("email", "all") or event.scope != "all":
                continue
            if event.action != "opt_in":
                if event.email:
                    to_add[event.email] = event.number
                    lifted.discard(event.number)
            elif event.is_self:
                to_add = {e: n for e, n in to_add.items() if n != event.number}
                lifted.add(event.number)
        # sudo: mail.blacklist is writable by system administrators only, but
        # every email opt-out must reach it or mass mailing would ignore it.
        blacklist = self.env["mail.blacklist"].sudo()
        if to_add:
            # Upsert in SQL, as for phone.blacklist: concurrent opt-outs must
            # not fail on the unique email.  An entry already active is left
            # as it is (without a number when Odoo made it).
            blacklist.flush_model()
            emails = sorted(to_add)
            self.env.cr.execute(
                SQL(
                    """
                    INSERT INTO mail_blacklist
                           (email, active, callflow_number, create_uid, write_uid,
                            create_date, write_date)
                    SELECT email, TRUE, number, %(uid)s, %(uid)s,
                           now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'
                      FROM unnest(%(emails)s::varchar[], %(numbers)s::varchar[])
                           AS t(email, number)
                    ON CONFLICT (email) DO UPDATE
                       SET active = TRUE,
                           callflow_number = EXCLUDED.callflow_number,
                           write_uid = EXCLUDED.write_uid,
                           write_date = EXCLUDED.write_date
                     WHERE NOT mail_blacklist.active
                    RETURNING id
                    """,
                    uid=self.env.uid,
                    emails=emails,
                    numbers=[to_add[email] for email in emails],
                )
            )
            changed = [row[0] for row in self.env.cr.fetchall()]
            self._note_blacklisted(blacklist, changed)
        if lifted:
            self._lift_mail_blacklist(lifted)

    @api.model
    def _lift_mail_blacklist(self, numbers):
        """Remove the ledger's email blacklist entries of ``numbers`` (just
        lifted by a proving opt-in) that no other block keeps."""
        self.flush_model()
        blocking = SQL(
            "channel IN ('email', 'all') AND scope = 'all'"
            " AND action NOT IN ('opt_in', 'hours') AND email IS NOT NULL"
        )
        # Every number that gave one of these numbers' emails in an opt-out.
        self.env.cr.execute(
            SQL(
                """
                SELECT email, array_agg(DISTINCT number)
                  FROM callflow_preference_event
                 WHERE %(blocking)s AND email IN (
                       SELECT email FROM callflow_preference_event
                        WHERE %(blocking)s AND number = ANY(%(numbers)s))
                 GROUP BY email
                """,
                blocking=blocking,
                numbers=sorted(numbers),
            )
        )
        givers = dict(self.env.cr.fetchall())
        if not givers:
            return
        still_blocked = self.env["callflow.preference.state"]._check_numbers(
            set().union(*givers.values()), "email", include_blacklist=False
        )
        emails = [
            email
            for email, givers_numbers in givers.items()
            if not still_blocked.keys() & set(givers_numbers)
        ]
        # sudo: see _sync_mail_blacklist.
        entries = (
            self.env["mail.blacklist"]
            .sudo()
            .search([("email", "in", emails), ("callflow_number", "!=", False)])
        )
        if entries:
            entries._track_set_log_message(
                self.env._("Opted in again in the Callflow contact preferences.")
            )
            entries.write({"active": False, "callflow_number": False})

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

    def _cancel_obsolete_sms(self, numbers):
        """Hook for ``callflow_sms``: cancel the SMS queued to ``numbers``."""
        return

    # ------------------------------------------------------------------
    # Fold: pending events into the current preferences
    # ------------------------------------------------------------------

    @api.model
    def _lock_numbers(self, numbers, wait):
        """Take the transaction's advisory locks on the numbers, sorted (no
        deadlock).  Numbers are hashed into ``LOCK_BUCKETS`` keys, so a big
        import takes a bounded number of locks.  Without ``wait``, return
        False at once if another transaction holds one: advisory locks never
        fail on serialization."""
        if wait:
            lock = SQL("count(pg_advisory_xact_lock(%s, bucket)) > 0", LOCK_CLASS)
        else:
            lock = SQL("bool_and(pg_try_advisory_xact_lock(%s, bucket))", LOCK_CLASS)
        self.env.cr.execute(
            SQL(
                "SELECT %s FROM (SELECT DISTINCT hashtext(n) & %s AS bucket"
                " FROM unnest(%s::varchar[]) AS n ORDER BY 1) t",
                lock,
                LOCK_BUCKETS - 1,
                list(numbers),
            )
        )
        return bool(self.env.cr.fetchone()[0])

    @api.model
    def _fold_or_defer(self, numbers):
        """Fold the numbers' pending events (and pending answers) now if that
        cannot fail, else after commit.

        Here, inside the request's REPEATABLE READ transaction, the fold runs
        in a savepoint and only when no other transaction holds a number's
        lock; every fold writes the numbers' state rows first, so a view of a
        number older than another transaction's fold fails there, at once.
        Any such failure only rolls the savepoint back: the events stay
        inserted and pending, and a fresh transaction folds them after
        commit.  Without concurrency (tests, most requests) the fold happens
        here and the state is current when this returns.
        """
        numbers = sorted(set(numbers))
        if not numbers:
            return True
        cr = self.env.cr
        try:
            with cr.savepoint():
                if not self._lock_numbers(numbers, wait=False):
                    raise _NumbersBusy()
                # sudo: states, lines and phone.blacklist are system tables
                # every recorded event must reach.
                self.sudo().with_context(callflow_folding=True)._fold_numbers(numbers)
            return True
        except _NumbersBusy:
            reason = "numbers busy"
        except PG_CONCURRENCY_EXCEPTIONS_TO_RETRY as exc:
            reason = type(exc).__name__
        # the savepoint's rollback dropped the ORM cache of the fold
        self.env.invalidate_all(flush=False)
        _logger.info(
            "ledger fold of %s numbers after commit (%s)", len(numbers), reason
        )
        cr.postcommit.add(partial(fold_in_new_transaction, cr.dbname, numbers))
        return False

    def _sync_blacklists(self, states):
        """After a fold of these events: the blacklist follows the latest SMS
        event of each number, also when an older event is folded after a
        newer one: the newer one, already applied, is synced again with it
        (it changes nothing else). The email blacklist likewise (only events
        that gave an email add to it; only a proving opt-in lifts, see
        ``_sync_mail_blacklist``). ``states``: ``{number: state id}``."""
        sms_current = self._current_events(states, "sms")
        (self | sms_current)._sync_blacklist()
        if self._numbers_on_channel("email"):
            (self | self._current_events(states, "email"))._sync_mail_blacklist()

    def _numbers_on_channel(self, channel):
        """The numbers of these events that speak of all contact on
        ``channel``."""
        return {
            event.number
            for event in self
            if event.channel in (channel, "all") and event.scope == "all"
        }

    def _current_events(self, states, channel):
        """The events in force on ``channel`` (all contact) for the numbers
        of these events that speak of it."""
        numbers = self._numbers_on_channel(channel)
        return (
            self.env["callflow.preference.state.line"]
            .search(
                [
                    ("state_id", "in", [states[number] for number in numbers]),
                    ("channel", "in", (channel, "all")),
                    ("scope", "=", "all"),
                ]
            )
            .event_id
        )

    @api.model
    def _fold_numbers(self, numbers):
        """Apply the pending events (and answers) of ``numbers``.

        The caller holds the numbers' advisory locks.  Plain SQL on the
        shared rows, one statement per table for the whole batch.
        """
        cr = self.env.cr
        State = self.env["callflow.preference.state"]
        State._ensure_states(dict.fromkeys(numbers))
        # Every fold writes the state rows: in REPEATABLE READ this fails at
        # once when another transaction folded one of the numbers after our
        # snapshot, so nothing below decides on an outdated view.
        cr.execute(
            SQL(
                "UPDATE callflow_preference_state"
                " SET fold_count = COALESCE(fold_count, 0) + 1"
                " WHERE number = ANY(%s::varchar[])",
                sorted(numbers),
            )
        )
        self._fold_pending_answers(numbers)
        self.flush_model()
        events = self.search(
            [("number", "in", list(numbers)), ("pending", "=", True)], order="id"
        )
        if not events:
            return events
        partners = {}
        for event in events:  # the latest contact known wins
            if event.partner_id:
                partners[event.number] = event.partner_id.id
        states = State._ensure_states(
            {number: partners.get(number) for number in set(events.mapped("number"))}
        )
        cr.execute(
            SQL(
                """
                UPDATE callflow_preference_event e
                   SET pending = FALSE, state_id = s.id
                  FROM callflow_preference_state s
                 WHERE e.id = ANY(%s) AND s.number = e.number
                """,
                events.ids,
            )
        )
        events.invalidate_recordset(["pending", "state_id"])
        State.invalidate_model(["event_ids"])
        self._apply_in_order(events)
        events._sync_blacklists(states)
        return events

    @api.model
    def _apply_in_order(self, events):
        """Fold ``events`` into the lines; for SMS keywords, first note
        whether the number was already blocked on that channel, in the
        order the events were recorded (one check per keyword: bursts of
        keywords are rare, batches of imports have none)."""
        Line = self.env["callflow.preference.state.line"]
        State = self.env["callflow.preference.state"]
        done = self.browse()
        already = []
        for keyword in events.filtered(lambda e: e.source == "sms"):
            before = events.filtered(lambda e, k=keyword: e.id < k.id) - done
            if before:
                Line._apply_events(before)
                done |= before
            channel = "sms" if keyword.channel == "all" else keyword.channel
            if State._check_numbers([keyword.number], channel, include_blacklist=False):
                already.append(keyword.id)
            Line._apply_events(keyword)
            done |= keyword
        if events - done:
            Line._apply_events(events - done)
        if already:
            self.env.cr.execute(
                SQL(
                    "UPDATE callflow_preference_event SET already_blocked = TRUE"
                    " WHERE id = ANY(%s)",
                    already,
                )
            )
            events.invalidate_recordset(["already_blocked"])

    @api.model
    def _fold_pending_answers(self, numbers):
        """Hook: turn other pending records of ``numbers`` (answers of the
        opt-out page) into events, while the fold holds their locks."""

    @api.model
    def _pending_numbers(self, limit=1000):
        """Numbers with something left to fold (for the cron)."""
        self.env.cr.execute(
            SQL(
                "SELECT DISTINCT number FROM callflow_preference_event"
                " WHERE pending LIMIT %s",
                limit,
            )
        )
        return [row[0] for row in self.env.cr.fetchall()]

    @api.model
    def _cron_fold_pending(self):
        """Fold what a dead process left pending (normally nothing)."""
        numbers = self._pending_numbers()
        for start in range(0, len(numbers), 100):
            fold_in_new_transaction(self.env.cr.dbname, numbers[start : start + 100])


def fold_in_new_transaction(dbname, numbers):
    """Fold ``numbers`` in a new READ COMMITTED transaction, waiting for their
    locks: every statement then sees what other transactions committed, and
    nothing fails on serialization.  Retried on a deadlock; never raises
    (after commit the request has already succeeded; the cron retries)."""
    for attempt in range(1, FOLD_TRIES + 1):
        try:
            with sql_db.db_connect(dbname).cursor() as cr:
                cr.execute("SET TRANSACTION ISOLATION LEVEL READ COMMITTED")
                env = api.Environment(cr, SUPERUSER_ID, {"callflow_folding": True})
                Event = env["callflow.preference.event"]
                Event._lock_numbers(numbers, wait=True)
                Event._fold_numbers(numbers)
            return True
        except (*PG_CONCURRENCY_EXCEPTIONS_TO_RETRY, PoolError) as exc:
            # A deadlock, or every connection in use (a threaded server
            # sized below Odoo's two connections per HTTP thread): wait.
            _logger.info("ledger fold, attempt %s: %s", attempt, exc)
            time.sleep(0.1 * attempt)
        except Exception:
            _logger.exception("ledger fold of %s failed; the cron retries", numbers)
            return False
    _logger.warning("ledger fold of %s postponed to the cron", numbers)
    return False
