from datetime import timedelta
from typing import NamedTuple

import psycopg2.errors
import pytz

from odoo import api, fields, models
from odoo.exceptions import AccessError, ValidationError
from odoo.sql_db import db_connect
from odoo.tools import SQL

from ..tools import dialer_sql
from ..tools.phone import display_number
from ..tools.preference_events import SELF_SOURCES

HOLD_TIMEOUT_PARAM = "callflow_odoo.hold_timeout_minutes"
DEFAULT_HOLD_TIMEOUT = 15
# A callback assigned to an operator waits this long for them before any
# other operator of the list may take it.
CALLBACK_GRACE = timedelta(hours=1)
PICK_BATCH = 10
PICK_PAGE = 20
PICK_PAGE_MAX = 20000
# What an operator may edit on an entry by hand (the notes of the dialer
# screen). Everything else - state, attempts, holds, callbacks, the number -
# moves only through the dialer's methods.
OPERATOR_WRITABLE_FIELDS = frozenset({"note"})
MANAGER_GROUP = "callflow_odoo.group_callflow_manager"
# Statements of the pick that failed and were caught (a hold or a
# suppression that met a row changed since the request's snapshot): none in
# normal operation, since each failure is an ERROR in PostgreSQL's log.
# Tests read it.
PICK_FAILURES = {"hold": 0, "suppress": 0}


class PickState(NamedTuple):
    """What a pick needs to know before it walks the queue."""

    held_id: int | None  # the entry the user already holds
    has_callbacks: bool  # the user has due callbacks of their own
    has_skipped: bool  # the lists have entries an operator skipped


class Candidate(NamedTuple):
    """An eligible entry, before the ledger is asked about its number."""

    id: int
    number: str
    purpose: str


ENTRY_STATES = [
    ("pending", "Pending"),
    ("in_call", "In Call"),
    ("callback_due", "Callback"),
    ("done", "Done"),
    ("suppressed", "Suppressed"),
    ("invalid", "Invalid"),
]


class CallflowListEntry(models.Model):
    """One person to call on one list, with the state of the attempts."""

    _name = "callflow.list.entry"
    _description = "Call List Entry"
    _order = "list_id, priority desc, attempt_count, id"
    _rec_name = "name"

    list_id = fields.Many2one(
        "callflow.list", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(
        related="list_id.company_id", store=True, index=True, readonly=True
    )
    list_state = fields.Selection(related="list_id.state", string="List Status")
    purpose = fields.Selection(related="list_id.purpose")
    name = fields.Char(help="Who is called: the contact or lead name.")
    partner_id = fields.Many2one(
        "res.partner", string="Contact", index="btree_not_null"
    )
    lead_id = fields.Many2one("crm.lead", index="btree_not_null")
    number = fields.Char(
        index=True, help="The number to dial, normalised to E.164 (+81…)."
    )
    raw_number = fields.Char(string="Number as Typed")
    state = fields.Selection(ENTRY_STATES, default="pending", required=True, index=True)
    state_reason = fields.Char(
        string="Reason",
        help="Why the entry is suppressed, invalid or done (the ledger's "
        "reason, the parsing error, the last result).",
    )
    attempt_count = fields.Integer(string="Attempts", default=0)
    last_attempt = fields.Datetime()
    next_attempt = fields.Datetime(
        string="Callback At", help="When the person asked to be called back."
    )
    operator_id = fields.Many2one(
        "res.users",
        string="Assigned Operator",
        help="Only this operator gets the entry (a callback stays with the "
        "operator who promised it, for an hour past its time).",
    )
    held_by_id = fields.Many2one("res.users", readonly=True)
    skipped_at = fields.Datetime(
        string="Skipped",
        readonly=True,
        index="btree_not_null",
        help="An operator skipped the entry: it waits behind the others "
        "until its next attempt is logged.",
    )
    held_since = fields.Datetime(readonly=True)
    priority = fields.Selection(
        [("0", "Normal"), ("1", "Medium"), ("2", "High"), ("3", "Very High")],
        default="0",
    )
    last_result_id = fields.Many2one("callflow.call.result")
    tz = fields.Char(
        string="Time Zone",
        help="The recipient's time zone: the calling window applies in it. "
        "From the contact, else from the number, else the company's.",
    )
    is_stale = fields.Boolean(
        string="Stale",
        readonly=True,
        index=True,
        help="Held back: nobody confirmed the number recently (see the "
        "company's and the list's stale setting).",
    )
    confirmed_date = fields.Datetime(
        string="Last Confirmed",
        readonly=True,
        help="Of a number held back as stale (or put back): its last "
        "connected call, opt-in from the person, registration or "
        "re-confirmation; without any, when the number first appeared.",
    )
    reconfirm_sent_at = fields.Datetime(
        string="Re-confirmation Sent",
        readonly=True,
        help="When a re-confirmation SMS was sent to this stale number.",
    )
    blocked_reason = fields.Char(
        compute="_compute_blocked_reason",
        search="_search_blocked_reason",
        string="Blocked Now",
        help="Why the entry cannot be called at this moment (company caps, "
        "gap, calling window).",
    )
    provenance = fields.Char(
        string="Number obtained",
        compute="_compute_provenance",
        help="Where and when the number was obtained, from its first contact "
        "preference event.",
    )

    # The operator's side of an entry: the dialer screen and its buttons.
    call_ids = fields.One2many("callflow.call", "entry_id", "Calls")
    preference_warning = fields.Char(
        "Preference on record", compute="_compute_preference_warning"
    )
    list_script = fields.Html(related="list_id.script", string="Call script")
    caller_number_display = fields.Char(
        related="list_id.caller_number_id.number_international", string="Call from"
    )
    caller_number_label = fields.Char(
        related="list_id.caller_number_id.name", string="Caller number"
    )
    commercial_partner_id = fields.Many2one(
        related="partner_id.commercial_partner_id", string="Customer company"
    )
    note = fields.Text("Notes", help="Notes about this person, kept on the entry.")
    number_display = fields.Char(
        "Number to Call",
        compute="_compute_number_display",
        help="The number as people read it: national for the company's "
        "country, international otherwise.",
    )
    show_commercial_partner = fields.Boolean(compute="_compute_show_commercial_partner")

    _sql_constraints = [
        (
            "number_list_unique",
            "UNIQUE(list_id, number)",
            "A number appears only once in a list.",
        ),
    ]

    def init(self):
        self.env.cr.execute(dialer_sql.pick_indexes())
        self._init_one_hold_per_number()

    def write(self, vals):
        self._check_dialer_fields(vals)
        return super().write(vals)

    def _check_dialer_fields(self, vals):
        """Refuse an operator's direct write to anything but the notes.

        Operators need write access to entries (the dialer screen saves its
        notes), but an entry's state, attempt count, hold and callback are
        the dialer's to change: written over RPC they would reset the
        attempts cap or take an entry another operator holds. The dialer's
        methods check the operator's right to the entry and then write as
        superuser (``sudo()``), which no RPC caller can obtain. A context key
        would not do: ``/web/dataset/call_kw`` passes any context the caller
        sends. Field ``groups`` would not do either: operators must still
        read these fields.
        """
        if self.env.su or self.env.user.has_group(MANAGER_GROUP):
            return
        protected = set(vals) - self._operator_writable_fields()
        if protected:
            raise AccessError(
                self.env._(
                    "Call list entries change through the dialer (log a "
                    "result, skip, pause); an operator may only edit the "
                    "notes. Refused fields: %(fields)s",
                    fields=", ".join(sorted(protected)),
                )
            )

    @api.model
    def _operator_writable_fields(self):
        """Fields an operator may write directly (extend to add one)."""
        return OPERATOR_WRITABLE_FIELDS

    def _dialer_write(self, vals):
        """Write dialer fields after checking ``env.user``'s right to write
        these entries (record rules: the lists they work) and that no other
        operator holds them."""
        self.check_access("write")
        if not (self.env.su or self.env.user.has_group(MANAGER_GROUP)):
            taken = self.filtered(
                lambda e: (
                    e.state == "in_call"
                    and e.held_by_id
                    and e.held_by_id != self.env.user
                )
            )
            if taken:
                raise AccessError(
                    self.env._(
                        "%(entry)s is being called by %(user)s.",
                        entry=taken[0].display_name,
                        user=taken[0].held_by_id.name or "-",
                    )
                )
        # sudo: the dialer fields are refused to operators' direct writes
        # (see _check_dialer_fields); access was checked just above.
        return self.sudo().write(vals)

    def _init_one_hold_per_number(self):
        """One number is held by one operator at a time, whatever the list:
        a unique index on the held numbers. Unlike a check on the picker's
        snapshot, it sees holds that other transactions committed since, so
        two lists cannot ring one person at once. Holds taken twice before
        the index existed are given back first, the newest kept."""
        self.env.cr.execute(dialer_sql.one_hold_index_exists())
        if self.env.cr.fetchone():
            return
        self.env.cr.execute(dialer_sql.one_hold_index())

    @api.constrains("tz")
    def _check_tz(self):
        for rec in self:
            if rec.tz and rec.tz not in pytz.all_timezones_set:
                raise ValidationError(
                    self.env._("%(tz)s is not a time zone.", tz=rec.tz)
                )

    # ------------------------------------------------------------------
    # Eligibility in SQL
    # ------------------------------------------------------------------
    @api.model
    def _hold_timeout(self):
        value = (
            self.env["ir.config_parameter"].sudo().get_param(HOLD_TIMEOUT_PARAM)
        )  # sudo: a system parameter, read by operators when they pick
        try:
            return max(int(value), 1) if value else DEFAULT_HOLD_TIMEOUT
        except ValueError:
            return DEFAULT_HOLD_TIMEOUT

    @api.model
    def _eligibility_sql(self, now):
        """Conditions on ``e`` (entry), ``l`` (list) and ``c`` (company):
        the rules that make an entry callable at ``now``, except the ledger
        (asked afterwards for the few candidates) and the operator (see
        ``dialer_sql.eligibility``)."""
        return dialer_sql.eligibility(
            now,
            stale=now - timedelta(minutes=self._hold_timeout()),
            window=self._window_sql(now),
            hours=self._preferred_hours_sql(now),
            local=self._local_sql(now),
        )

    @api.model
    def _local_sql(self, now, tz=None):
        """``now`` as local time in ``tz`` (an SQL expression, ``e.tz`` by
        default; no time zone means UTC)."""
        return SQL(
            "((%s::timestamp AT TIME ZONE 'UTC') AT TIME ZONE COALESCE(%s, 'UTC'))",
            now,
            tz if tz is not None else SQL("e.tz"),
        )

    @api.model
    def _window_sql(self, now, tz=None):
        """Whether ``now`` is inside list ``l``'s calling window in ``tz``."""
        return self._in_hours_sql(
            self._local_sql(now, tz),
            SQL("COALESCE(l.window_days, '')"),
            SQL("l.window_from"),
            SQL("l.window_to"),
        )

    @api.model
    def _in_hours_sql(self, local, days, start, end):
        """Whether the local time ``local`` falls on one of ``days`` (ISO
        weekday digits) between ``start`` (included) and ``end`` (excluded),
        hours as floats: the one test of calling windows and preferred
        hours."""
        return SQL(
            """
            (position(extract(isodow FROM %(local)s)::int::text IN %(days)s) > 0
             AND extract(hour FROM %(local)s) + extract(minute FROM %(local)s) / 60.0
                 >= %(start)s
             AND extract(hour FROM %(local)s) + extract(minute FROM %(local)s) / 60.0
                 < %(end)s)
            """,
            local=local,
            days=days,
            start=start,
            end=end,
        )

    @api.model
    def _preferred_hours_sql(self, now):
        """The person asked to be called only at certain times (opt-out
        page, "only at certain times"): ``now`` is inside them, in their
        local time. One index probe on the ledger per candidate."""
        inside = self._in_hours_sql(
            self._local_sql(now),
            SQL("ev.hours_days"),
            SQL("ev.hours_from"),
            SQL("ev.hours_to"),
        )
        return SQL(
            """
            NOT EXISTS (
                SELECT 1 FROM callflow_preference_state_line h
                  JOIN callflow_preference_event ev ON ev.id = h.event_id
                 WHERE h.number = e.number AND h.action = 'hours'
                   AND COALESCE(ev.hours_days, '') != ''
                   AND NOT %s)
            """,
            inside,
        )

    # ------------------------------------------------------------------
    # Picking
    # ------------------------------------------------------------------
    @api.model
    def _pick_next(self, list_ids=None):
        """Hold and return the next entry ``env.user`` may call now.

        Due callbacks assigned to the user come first, then priority,
        fewest attempts, oldest. Rows are locked with ``FOR UPDATE SKIP
        LOCKED`` so two operators never get the same entry. An entry the
        user already holds is returned again (a reloaded screen keeps its
        call). Returns an empty recordset when nothing is callable.
        """
        lists = self._pick_lists(list_ids)
        if not lists:
            return self.browse()
        self.env.flush_all()
        now = fields.Datetime.now()
        state = self._pick_state(lists, now)
        if state.held_id:
            return self.browse(state.held_id)
        zones = self._open_zones(lists, now)
        if not zones:
            return self.browse()
        return self.browse(self._pick_in_passes(lists, zones, state, now))

    @api.model
    def _pick_lists(self, list_ids):
        """The lists to pick from: the user's running lists, or ``list_ids``
        (deleted ones ignored, those of other operators refused)."""
        user = self.env.user
        List = self.env["callflow.list"]
        if list_ids is None:
            return List.search([("user_ids", "in", user.id), ("state", "=", "running")])
        # One search applies the record rules.
        lists = List.search([("id", "in", list(list_ids))])
        if len(lists) < len(set(list_ids)):
            hidden = List.sudo().browse(list_ids).exists() - lists.sudo()
            if hidden:
                hidden.with_env(self.env).check_access("read")
        return lists

    @api.model
    def _pick_state(self, lists, now):
        """One round trip: the entry the user already holds, and whether the
        user has due callbacks or the lists have skipped entries at all."""
        stale = now - timedelta(minutes=self._hold_timeout())
        self.env.cr.execute(dialer_sql.pick_state(self.env.uid, stale, now, lists.ids))
        return PickState(*self.env.cr.fetchone())

    @api.model
    def _pick_in_passes(self, lists, zones, state, now):
        """The id held for the user, or None: skipped entries wait behind
        all the others and come back only when nothing else can be called;
        in each pass the user's own due callbacks come first (few rows, on
        their own index), then everybody's queue in pick order."""
        eligible = self._eligibility_sql(now)
        uid = self.env.uid
        mine_first = dialer_sql.own_callbacks(uid)
        others = dialer_sql.open_to(uid, now - CALLBACK_GRACE)
        passes = [SQL("e.skipped_at IS NULL")]
        if state.has_skipped:
            passes.append(SQL("e.skipped_at IS NOT NULL"))
        for skip in passes:
            entry_id = state.has_callbacks and self._pick_from(
                lists, SQL("%s AND %s", mine_first, skip), eligible, now
            )
            entry_id = entry_id or self._walk(
                lists, zones, SQL("%s AND %s", others, skip), eligible, now
            )
            if entry_id:
                return entry_id
        return None

    @api.model
    def _walk(self, lists, zones, condition, eligible, now):
        """Walk the queue in pick order a page at a time, only in the (list,
        time zone) ranges whose calling window is open now, and return the
        first eligible id the ledger allows (locked), or None.

        The gaps and caps are checked on each page only, so a pick reads a
        few hundred rows, not the whole list, even when most entries are
        outside their window (a list mixing Tokyo and New York).
        """
        cr = self.env.cr
        last = None
        page = PICK_PAGE
        while True:
            keyset = dialer_sql.walk_keyset(last)
            cr.execute(dialer_sql.walk_page(zones, condition, keyset, page))
            rows = cr.fetchall()
            if not rows:
                return None
            last = rows[-1]
            in_page = SQL("e.id = ANY(%s)", [row[0] for row in rows])
            entry_id = self._pick_from(
                lists, SQL("%s AND %s", condition, in_page), eligible, now
            )
            if entry_id:
                return entry_id
            page = min(page * 4, PICK_PAGE_MAX)

    @api.model
    def _open_zones(self, lists, now):
        """The (list id, time zone) pairs of ``lists`` whose calling window
        is open at ``now``, among the time zones of their open entries.

        The distinct time zones come from a loose index scan (one index
        probe per time zone, not a scan of the list), so this stays cheap
        with 100,000 entries.
        """
        self.env["callflow.list"].flush_model()
        self.flush_model()
        self.env.cr.execute(
            dialer_sql.open_zones(lists.ids, self._window_sql(now, SQL("pair.tz")))
        )
        return self.env.cr.fetchall()

    def _pick_from(self, lists, condition, eligible, now):
        """Hold the first eligible entry matching ``condition`` that the
        ledger allows and return its id, or None.

        Candidates are read in pick order, then held one at a time, locked
        with ``FOR UPDATE SKIP LOCKED`` in a savepoint: a row another
        operator holds is skipped, and a row another operator took and
        committed since this transaction began is passed over before any
        statement fails on it (see ``_claim_current``).
        """
        cr = self.env.cr
        passed = []
        while True:
            cr.execute(
                dialer_sql.pick_candidates(
                    lists.ids, condition, eligible, passed, PICK_BATCH
                )
            )
            candidates = [Candidate(*row) for row in cr.fetchall()]
            if not candidates:
                return None
            numbers = {c.id: c.number for c in candidates}
            for entry_id in self._allowed(candidates):
                if self._try_hold(entry_id, now, numbers[entry_id]):
                    return entry_id
            passed += list(numbers)

    def _try_hold(self, entry_id, now, number=None):
        """Hold the entry for ``env.user`` unless another transaction holds
        it or changed it since this one began.

        The number is held too, for every list: another transaction that is
        holding it right now has its advisory lock (the hold is passed over
        without waiting), and one that held it and committed since this one
        began is seen by ``_claim_current``; the unique index of held
        numbers stays the guarantee.
        """
        cr = self.env.cr
        if not self._claim_current(entry_id, number):
            return False
        try:
            cr.execute(
                dialer_sql.try_hold(self.env.uid, now, entry_id, number),
                log_exceptions=False,
            )
        except (
            psycopg2.errors.SerializationFailure,
            psycopg2.errors.UniqueViolation,
        ):
            # Only a writer that is not a pick (a manager, a cron) can get
            # here, between _claim_current and this statement.
            PICK_FAILURES["hold"] += 1
            cr.execute(SQL("ROLLBACK TO SAVEPOINT callflow_hold"))
            return False
        if not cr.fetchone():
            return False
        self.browse(entry_id).invalidate_recordset()
        return True

    def _claim_current(self, entry_id, number):
        """Whether the hold of the entry can be taken without a failing
        statement: it and its number are claimed, and nobody committed a
        change of the entry, or a hold of its number, since this
        transaction's snapshot.

        Under REPEATABLE READ, locking a row that another transaction
        changed since the snapshot fails ("could not serialize access"), an
        ERROR in PostgreSQL's log even when caught. So the entry and its
        number are first claimed with advisory locks, which every pick takes
        before holding: once claimed, no other pick can commit a hold of
        either until this transaction ends. Then a cursor of its own, on a
        fresh snapshot, reads the entry's last committed version: when it
        is the version this transaction sees (same ``ctid``), or the one
        this transaction itself replaced (its ``xmax`` is the ``xmin`` of
        ours), the hold sees the current row. A row this transaction
        created is not committed yet: nobody else can have changed it. The
        usual case needs no second cursor: when nobody locked or replaced
        the versions of the entry and of its number's other entries that
        this transaction sees, they are the current ones.
        """
        cr = self.env.cr
        cr.execute(dialer_sql.claim_hold(entry_id, number))
        row = cr.fetchone()
        if not (row and row[0]):
            return False
        _claimed, ctid, xmin, untouched = row
        if untouched:
            return True
        fresh = db_connect(cr.dbname).cursor()
        try:
            fresh.execute(dialer_sql.current_version(entry_id, number))
            current_ctid, current_xmax, held_elsewhere = fresh.fetchone()
        finally:
            fresh.close()
        if held_elsewhere:
            return False
        return current_ctid in (None, ctid) or current_xmax == xmin

    @api.model
    def _allowed(self, candidates):
        """Ask the ledger once about the candidates (``Candidate`` rows);
        suppress the blocked ones (they would be blocked for every later
        pick too) and return the allowed ids in order."""
        State = self.env["callflow.preference.state"]
        blocked = {}
        for purpose in {c.purpose for c in candidates}:
            numbers = [c.number for c in candidates if c.purpose == purpose]
            for number, code in State._check_numbers(numbers, "call", purpose).items():
                blocked[number, purpose] = code
        allowed = []
        suppress = {}
        for c in candidates:
            code = blocked.get((c.number, c.purpose))
            if code:
                suppress.setdefault(code, []).append(c.id)
            else:
                allowed.append(c.id)
        for code, ids in suppress.items():
            self._suppress(ids, State._reason_label(code))
        return allowed

    def _suppress(self, ids, reason):
        """Mark entries suppressed, skipping rows other operators hold or
        changed meanwhile (a later pick suppresses them)."""
        cr = self.env.cr
        try:
            with cr.savepoint(flush=False):
                cr.execute(
                    dialer_sql.suppress(ids, reason, self.env.uid),
                    log_exceptions=False,
                )
        except psycopg2.errors.SerializationFailure:
            PICK_FAILURES["suppress"] += 1
            return
        self.invalidate_model()
        self._record_blocked_picks(ids)

    def _record_blocked_picks(self, ids):
        """Remember when the ledger first kept each entry out of a pick: the
        audit export measures how fast an opt-out took effect."""
        self.env.cr.execute(dialer_sql.record_blocked_picks(ids, fields.Datetime.now()))

    # ------------------------------------------------------------------
    # After the call
    # ------------------------------------------------------------------
    def _register_attempt(self, result=None, outcome=None, callback_at=None):
        """Count an attempt and move the entry on; releases the hold.

        :param result: ``callflow.call.result`` (optional)
        :param outcome: technical outcome (``no_answer``, ``answered``…)
        :param callback_at: datetime (UTC, naive) of a promised callback
        """
        now = fields.Datetime.now()
        for entry in self:
            entry._dialer_write(entry._attempt_vals(result, callback_at, now))
        self.env["callflow.number.attempt"]._log(self, outcome, now)
        return True

    def _attempt_vals(self, result, callback_at, now):
        """The entry's values after one more attempt: done (by the result or
        the attempts cap), a callback, or back in the queue."""
        self.ensure_one()
        count = self.attempt_count + 1
        vals = {
            "attempt_count": count,
            "last_attempt": now,
            "last_result_id": result.id if result else False,
            "held_by_id": False,
            "held_since": False,
            "next_attempt": False,
            "skipped_at": False,
        }
        if result and result._ends_entry():
            vals.update(state="done", state_reason=result.name)
        elif callback_at and (not result or result.schedule_callback):
            vals.update(
                state="callback_due",
                next_attempt=callback_at,
                operator_id=self.operator_id.id or self.env.uid,
                state_reason=result.name if result else False,
            )
        elif count >= self.list_id.max_attempts:
            vals.update(
                state="done",
                state_reason=self.env._(
                    "Maximum attempts reached (%(count)s)", count=count
                ),
            )
        else:
            vals.update(state="pending", state_reason=result.name if result else False)
        return vals

    def _release(self, skip=False):
        """Drop the hold without counting an attempt; ``skip`` puts the
        entries behind the others in the queue."""
        held = self.filtered(lambda e: e.state == "in_call")
        if not (self.env.su or self.env.user.has_group(MANAGER_GROUP)):
            # An operator gives back only what they hold themselves.
            held = held.filtered(lambda e: e.held_by_id == self.env.user)
        if skip:
            held._dialer_write({"skipped_at": fields.Datetime.now()})
        callbacks = held.filtered("next_attempt")
        callbacks._dialer_write(
            {"state": "callback_due", "held_by_id": False, "held_since": False}
        )
        (held - callbacks)._dialer_write(
            {"state": "pending", "held_by_id": False, "held_since": False}
        )
        return True

    @api.model
    def _cron_release_stale_holds(self):
        """Give back the entries of operators who walked away."""
        stale = fields.Datetime.now() - timedelta(minutes=self._hold_timeout())
        self.search([("state", "=", "in_call"), ("held_since", "<", stale)])._release()

    def action_release(self):
        self._release()

    # ------------------------------------------------------------------
    # Why not callable now (managers' view of the caps)
    # ------------------------------------------------------------------
    def _blocked_reasons(self, ids=None, caps_only=False):
        """``{entry_id: reason}`` for open entries blocked right now by the
        company caps, the list gap, the calling window or a hold of the
        number on another list."""
        now = fields.Datetime.now()
        where = SQL("TRUE") if ids is None else SQL("e.id = ANY(%s)", list(ids))
        self.env.flush_all()
        self.env.cr.execute(
            dialer_sql.blocked_flags(
                now,
                where,
                window=self._window_sql(now),
                hours=self._preferred_hours_sql(now),
                local=self._local_sql(now),
            )
        )
        labels = [
            self.env._("Company cap: calls per day reached"),
            self.env._("Company cap: minimum gap between calls"),
            self.env._("List gap between attempts"),
            self.env._("Outside the calling window (recipient's time)"),
            self.env._("Outside the hours the person asked to be called at"),
            self.env._("In a call from another list right now"),
        ]
        result = {}
        for entry_id, *flags in self.env.cr.fetchall():
            if caps_only:
                flags = flags[:2] + [False] * (len(flags) - 2)
            reasons = [label for label, flag in zip(labels, flags, strict=True) if flag]
            if reasons:
                result[entry_id] = ", ".join(reasons)
        return result

    def _compute_blocked_reason(self):
        reasons = self._blocked_reasons(self.ids) if self.ids else {}
        for entry in self:
            entry.blocked_reason = reasons.get(entry.id, False)

    def _search_blocked_reason(self, operator, value):
        """``!= False``: blocked now; ``= 'company_cap'``: blocked by a
        company cap; ``= False``: not blocked."""
        if operator not in ("=", "!="):
            raise ValidationError(self.env._("Unsupported search on Blocked Now."))
        if value == "company_cap":
            ids = list(self._blocked_reasons(caps_only=True))
            return [("id", "in" if operator == "=" else "not in", ids)]
        ids = list(self._blocked_reasons())
        blocked = bool(value) if operator == "=" else not value
        return [("id", "in" if blocked else "not in", ids)]

    # ------------------------------------------------------------------
    # Stale numbers
    # ------------------------------------------------------------------
    @api.model
    def _confirmation_sources(self):
        """Ledger sources whose opt-in confirms a number: the person's own
        (see ``SELF_SOURCES``) and a registration."""
        return sorted(SELF_SOURCES | {"event"})

    @api.model
    def _refresh_staleness(self, list_ids=None, numbers=None):
        """Hold back (suppress, with the reason) the open entries whose number
        was last confirmed before their list's limit, and put back in the
        queue the stale ones confirmed since: one statement.

        The last confirmation is the latest of: a call logged as connected
        (``answered``), an opt-in from the person or a registration, a
        re-confirmation (``callflow.number.confirmation``). A number never
        confirmed counts from its first appearance: the creation of the lead
        or contact it came from (else of the entry), so a fresh lead is not
        stale, and a years-old one that was never reached is. Computed here
        (at build, by the daily cron, on a confirmation) rather than at each
        pick, which stays a plain ``state`` filter.
        """
        self.env.flush_all()
        where = [SQL("TRUE")]
        if list_ids is not None:
            where.append(SQL("e.list_id = ANY(%s)", list(list_ids)))
        if numbers is not None:
            where.append(SQL("e.number = ANY(%s)", list(numbers)))
        reason = self.env._("stale: last confirmed %(month)s", month="{month}")
        # The plan's cost on a big list triggers PostgreSQL's JIT, which
        # takes seconds to compile what runs in a fraction of one.
        self.env.cr.execute(SQL("SET LOCAL jit = off"))
        self.env.cr.execute(
            dialer_sql.refresh_staleness(
                SQL(" AND ").join(where),
                self._confirmation_sources(),
                fields.Datetime.now(),
                reason,
            )
        )
        count = self.env.cr.rowcount
        self.env.cr.execute(SQL("SET LOCAL jit TO DEFAULT"))
        self.invalidate_model()
        return count

    @api.model
    def _cron_refresh_staleness(self):
        """Daily: numbers age even when nothing happens."""
        lists = self.env["callflow.list"].search([("state", "!=", "done")])
        if lists:
            self._refresh_staleness(list_ids=lists.ids)

    @api.depends("number")
    def _compute_provenance(self):
        found = self.env["callflow.preference.state"]._provenance(
            [n for n in self.mapped("number") if n]
        )
        for entry in self:
            first = found.get(entry.number)
            entry.provenance = first and first["label"]

    # ------------------------------------------------------------------
    # Dialer screen
    # ------------------------------------------------------------------
    def _compute_preference_warning(self):
        """Any block on record for the number (any purpose), in one query."""
        Preference = self.env["callflow.preference.state"]
        blocked = Preference._check_numbers(
            [n for n in self.mapped("number") if n], "call"
        )
        for rec in self:
            code = blocked.get(rec.number)
            rec.preference_warning = Preference._reason_label(code) if code else False

    def _action_open_dialer(self):
        self.ensure_one()
        view = self.env.ref("callflow_odoo.callflow_list_entry_view_form_dialer")
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Calling"),
            "res_model": "callflow.list.entry",
            "res_id": self.id,
            "view_mode": "form",
            "views": [(view.id, "form")],
            "target": "current",
        }

    @api.model
    def _action_nothing_to_call(self):
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "info",
                "title": self.env._("Nothing to call right now"),
                "message": self.env._(
                    "No entry of your running lists may be called now (calling "
                    "windows, gaps, caps or preferences). Try again later."
                ),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    @api.model
    def action_start_calling(self, list_ids=None):
        """Open the dialer on the entry this operator holds, else the next."""
        domain = [("state", "=", "in_call"), ("held_by_id", "=", self.env.uid)]
        if list_ids:
            domain.append(("list_id", "in", list_ids))
        entry = self.search(domain, limit=1) or self._pick_next(list_ids)
        return entry._action_open_dialer() if entry else self._action_nothing_to_call()

    def action_log_result(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Log result"),
            "res_model": "callflow.call.log",
            "view_mode": "form",
            "target": "new",
            "context": {"default_entry_id": self.id},
        }

    def action_skip(self):
        """Give this entry back behind the others and open the next one."""
        self.ensure_one()
        list_ids = self.list_id.ids
        self._release(skip=True)
        nxt = self._pick_next(list_ids)
        return nxt._action_replace_dialer() if nxt else self._action_nothing_to_call()

    def action_pause(self):
        """Give the entry back and stop calling."""
        self.filtered(lambda e: e.state == "in_call")._release()
        return self.env["ir.actions.act_window"]._for_xml_id(
            "callflow_odoo.callflow_list_action"
        )

    @api.depends("number", "company_id.country_id")
    def _compute_number_display(self):
        for entry in self:
            entry.number_display = display_number(
                entry.number, entry.company_id.country_id.code
            )

    @api.depends("partner_id", "commercial_partner_id")
    def _compute_show_commercial_partner(self):
        """The customer company says something only when it is another
        record than the person called (a contact of a company)."""
        for entry in self:
            entry.show_commercial_partner = bool(
                entry.commercial_partner_id
                and entry.commercial_partner_id != entry.partner_id
            )

    @api.model
    def _action_operator_home(self):
        """Where an operator lands after login: the dialer with the person
        they hold or the next one, else their call lists."""
        action = self.action_start_calling()
        if action.get("tag") == "display_notification":
            action["params"]["next"] = self.env["ir.actions.act_window"]._for_xml_id(
                "callflow_odoo.callflow_list_action"
            )
        return action

    def _action_replace_dialer(self):
        """The dialer on this entry in place of the current screen: calling
        person after person keeps one breadcrumb level, not one per call."""
        action = self._action_open_dialer()
        action["target"] = "main"
        return action
