from datetime import timedelta
from typing import NamedTuple

import psycopg2.errors

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL

from ..tools import dialer_sql
from ..tools.hours_sql import local_sql, preferred_hours_sql, window_sql

HOLD_TIMEOUT_PARAM = "callflow_odoo.hold_timeout_minutes"
DEFAULT_HOLD_TIMEOUT = 15
# A callback assigned to an operator waits this long for them before any
# other operator of the list may take it.
CALLBACK_GRACE = timedelta(hours=1)
PICK_BATCH = 10
PICK_PAGE = 20
PICK_PAGE_MAX = 20000
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


class CallflowDialer(models.AbstractModel):
    """Who calls whom next: picks and holds the next entry an operator may
    call now, and tells managers why an entry cannot be called. A service
    of its own so that ``callflow.list.entry`` keeps the record's fields and
    buttons, and the queue's machinery reads in one place."""

    _name = "callflow.dialer"
    _description = "Callflow dialer"

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
            window=window_sql(now),
            hours=preferred_hours_sql(now),
            local=local_sql(now),
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
        Entry = self.env["callflow.list.entry"]
        lists = self._pick_lists(list_ids)
        if not lists:
            return Entry.browse()
        self.env.flush_all()
        now = fields.Datetime.now()
        state = self._pick_state(lists, now)
        if state.held_id:
            return Entry.browse(state.held_id)
        zones = self._open_zones(lists, now)
        if not zones:
            return Entry.browse()
        return Entry.browse(self._pick_in_passes(lists, zones, state, now))

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
            # sudo: tell deleted lists from hidden ones; the hidden ones are
            # then refused by check_access as the user.
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
        self.env["callflow.list.entry"].flush_model()
        self.env.cr.execute(
            dialer_sql.open_zones(lists.ids, window_sql(now, SQL("pair.tz")))
        )
        return self.env.cr.fetchall()

    def _pick_from(self, lists, condition, eligible, now):
        """Hold the first eligible entry matching ``condition`` that the
        ledger allows and return its id, or None.

        Candidates are read in pick order, then held one at a time, locked
        with ``FOR UPDATE SKIP LOCKED`` in a savepoint: a row another
        operator holds is skipped, and a row another operator took and
        committed since this transaction began is passed over before any
        statement fails on it (see ``callflow.dialer.hold``).
        """
        cr = self.env.cr
        Hold = self.env["callflow.dialer.hold"]
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
                if Hold._try_hold(entry_id, now, numbers[entry_id]):
                    return entry_id
            passed += list(numbers)

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
        self.env["callflow.list.entry"].invalidate_model()
        self._record_blocked_picks(ids)

    def _record_blocked_picks(self, ids):
        """Remember when the ledger first kept each entry out of a pick: the
        audit export measures how fast an opt-out took effect."""
        self.env.cr.execute(dialer_sql.record_blocked_picks(ids, fields.Datetime.now()))

    # ------------------------------------------------------------------
    # After the call
    # ------------------------------------------------------------------
    @api.model
    def _attempt_vals(self, entry, result, callback_at, now):
        """``entry``'s values after one more attempt: done (by the result or
        the attempts cap), a callback, or back in the queue."""
        entry.ensure_one()
        count = entry.attempt_count + 1
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
                operator_id=entry.operator_id.id or self.env.uid,
                state_reason=result.name if result else False,
            )
        elif count >= entry.list_id.max_attempts:
            vals.update(
                state="done",
                state_reason=self.env._(
                    "Maximum attempts reached (%(count)s)", count=count
                ),
            )
        else:
            vals.update(state="pending", state_reason=result.name if result else False)
        return vals

    # ------------------------------------------------------------------
    # Dialer screen
    # ------------------------------------------------------------------
    @api.model
    def _action_nothing_to_call(self):
        """What the dialer screen shows when ``_pick_next`` finds nobody."""
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
    def _action_operator_home(self):
        """Where an operator lands after login: the dialer with the person
        they hold or the next one, else their call lists."""
        action = self.env["callflow.list.entry"].action_start_calling()
        if action.get("tag") == "display_notification":
            action["params"]["next"] = self.env["ir.actions.act_window"]._for_xml_id(
                "callflow_odoo.callflow_list_action"
            )
        return action

    # ------------------------------------------------------------------
    # Why not callable now (managers' view of the caps)
    # ------------------------------------------------------------------
    @api.model
    def _blocked_reasons(self, ids=None, caps_only=False):
        """``{entry_id: reason}`` for open entries blocked right now by the
        company caps, the list gap, the calling window, a hold of the
        number on another list or a recent complaint."""
        now = fields.Datetime.now()
        where = SQL("TRUE") if ids is None else SQL("e.id = ANY(%s)", list(ids))
        self.env.flush_all()
        self.env.cr.execute(
            dialer_sql.blocked_flags(
                now,
                where,
                window=window_sql(now),
                hours=preferred_hours_sql(now),
                local=local_sql(now),
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
        for entry_id, *flags, complaint_days in self.env.cr.fetchall():
            if caps_only:
                flags = flags[:2] + [False] * (len(flags) - 2)
                complaint_days = None
            reasons = [label for label, flag in zip(labels, flags, strict=True) if flag]
            if complaint_days:
                reasons.append(
                    self.env._("Complaint within %(days)s days", days=complaint_days)
                )
            if reasons:
                result[entry_id] = ", ".join(reasons)
        return result

    @api.model
    def _blocked_domain(self, operator, value):
        """Search on the entries' Blocked Now: ``!= False``: blocked now;
        ``= 'company_cap'``: blocked by a company cap; ``= False``: not
        blocked."""
        if operator not in ("=", "!="):
            raise ValidationError(self.env._("Unsupported search on Blocked Now."))
        if value == "company_cap":
            ids = list(self._blocked_reasons(caps_only=True))
            return [("id", "in" if operator == "=" else "not in", ids)]
        ids = list(self._blocked_reasons())
        blocked = bool(value) if operator == "=" else not value
        return [("id", "in" if blocked else "not in", ids)]
