from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL, email_normalize

from ..tools.hours import clean_days, format_hours, hours_error
from ..tools.phone import try_parse_number
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


class CallflowPreferenceEvent(models.Model):
    """One thing a person said (or we learnt) about being contacted.

    Append-only: events are never edited or deleted by users; a correction is
    a new event.  Creating an event updates ``callflow.preference.state`` (the
    table the dialer and the SMS sender query) and ``phone.blacklist`` in the
    same transaction.  Server code records events with :meth:`_record`.

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

    @api.model_create_multi
    def create(self, vals_list):
        # before the state upsert below, which is plain SQL
        self.check_access("create")
        vals_list = self._prepare_event_vals(vals_list)
        states = self.env["callflow.preference.state"]._ensure_states(
            {vals["number"]: vals.get("partner_id") for vals in vals_list}
        )
        for vals in vals_list:
            vals["state_id"] = states[vals["number"]]
        events = super().create(vals_list)
        self.env["callflow.preference.state.line"]._apply_events(events)
        events._sync_blacklist()
        events._sync_mail_blacklist()
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
                        error=error,
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
            changed = blacklist.browse(row[0] for row in self.env.cr.fetchall())
            blacklist.invalidate_model()
            # A note on each new or re-activated entry says where it came
            # from; not for big imports (one message each would take minutes;
            # the ledger is the record).
            if len(changed) <= BLACKLIST_NOTE_LIMIT:
                for entry in changed.with_context(mail_create_nosubscribe=True):
                    entry.message_post(
                        body=self.env._(
                            "Opted out in the Callflow contact preferences."
                        ),
                        subtype_xmlid="mail.mt_note",
                    )
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
            changed = blacklist.browse(row[0] for row in self.env.cr.fetchall())
            blacklist.invalidate_model()
            if len(changed) <= BLACKLIST_NOTE_LIMIT:
                for entry in changed.with_context(mail_create_nosubscribe=True):
                    entry.message_post(
                        body=self.env._(
                            "Opted out in the Callflow contact preferences."
                        ),
                        subtype_xmlid="mail.mt_note",
                    )
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
                   AND state IN ('pending', 'callback_due')
                """,
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
