"""The fold: pending ledger events (and answers) into the current
preferences, the state lines and Odoo's blacklists.

A service of its own, apart from the event model: the event model records,
this folds (see ``callflow.preference.event``'s class doc for why the fold
is deferred when another transaction holds a number).
"""

import logging
import time
from functools import partial

import psycopg2
from psycopg2.pool import PoolError

from odoo import SUPERUSER_ID, api, models, sql_db
from odoo.service.model import PG_CONCURRENCY_EXCEPTIONS_TO_RETRY
from odoo.tools import SQL

# Attempts of a fold after commit before the cron is left to do it.
FOLD_TRIES = 8
# Advisory locks of the fold: (class, bucket of the number's hash).
LOCK_CLASS = 11011
LOCK_BUCKETS = 1024

_logger = logging.getLogger(__name__)


class _NumbersBusy(Exception):
    """Another transaction is folding one of the numbers right now."""


class _SnapshotTooOld(Exception):
    """Another transaction folded one of the numbers after this one began."""


class CallflowPreferenceFold(models.AbstractModel):
    """Fold pending events of some numbers into their current preferences."""

    _name = "callflow.preference.fold"
    _description = "Contact preference fold"

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
        lock nor folded one since this transaction's snapshot (asked without
        a failing statement: ``_folded_since_snapshot``).  Every fold also
        writes the numbers' state rows first, so a view of a number older
        than another transaction's fold would fail there, at once (the
        safeguard).  Any such failure only rolls the savepoint back: the
        events stay inserted and pending, and a fresh transaction folds them
        after commit.  Without concurrency (tests, most requests) the fold happens
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
                if self._folded_since_snapshot(numbers):
                    raise _SnapshotTooOld()
                # sudo: states, lines and phone.blacklist are system tables
                # every recorded event must reach.
                self.sudo().with_context(callflow_folding=True)._fold_numbers(numbers)
            return True
        except _NumbersBusy:
            reason = "numbers busy"
        except _SnapshotTooOld:
            reason = "folded since this transaction began"
        except PG_CONCURRENCY_EXCEPTIONS_TO_RETRY as exc:
            reason = type(exc).__name__
        # the savepoint's rollback dropped the ORM cache of the fold
        self.env.invalidate_all(flush=False)
        _logger.info(
            "ledger fold of %s numbers after commit (%s)", len(numbers), reason
        )
        cr.postcommit.add(partial(fold_in_new_transaction, cr.dbname, numbers))
        return False

    @api.model
    def _folded_since_snapshot(self, numbers):
        """Whether another transaction folded one of ``numbers`` (created or
        wrote its state row) after this transaction's snapshot: folding here
        would then fail on that row (REPEATABLE READ), so the fold is left
        to after commit instead, without a failing statement.

        Every fold adds one to the row's ``fold_count``; a cursor of its own
        reads the committed counts.  The caller holds the numbers' locks,
        which every fold takes, so they cannot change before this
        transaction ends.  While modules load, or without a spare
        connection: False (the fold is tried, as before; a failure only
        defers it).
        """
        query = SQL(
            "SELECT number, COALESCE(fold_count, 0) FROM callflow_preference_state"
            " WHERE number = ANY(%s::varchar[])",
            numbers,
        )
        if not self.env.registry.ready:
            return False  # installing: the table is not committed yet
        cr = self.env.cr
        cr.execute(query)
        seen = dict(cr.fetchall())  # (a row only here: this transaction's)
        try:
            with sql_db.db_connect(cr.dbname).cursor() as probe:
                probe.execute(query)
                committed = probe.fetchall()
        except (PoolError, psycopg2.Error):
            return False
        return any(count > seen.get(number, -1) for number, count in committed)

    @api.model
    def _sync_blacklists(self, events, states):
        """After a fold of ``events``: the blacklist follows the latest SMS
        event of each number, also when an older event is folded after a
        newer one: the newer one, already applied, is synced again with it
        (it changes nothing else). The email blacklist likewise (only events
        that gave an email add to it; only a proving opt-in lifts, see
        ``mail.blacklist._callflow_sync``). ``states``: ``{number: state id}``."""
        sms_current = self._current_events(events, states, "sms")
        self.env["phone.blacklist"]._callflow_sync(events | sms_current)
        if self._numbers_on_channel(events, "email"):
            self.env["mail.blacklist"]._callflow_sync(
                events | self._current_events(events, states, "email")
            )

    @api.model
    def _numbers_on_channel(self, events, channel):
        """The numbers of ``events`` that speak of all contact on
        ``channel``."""
        return {
            event.number
            for event in events
            if event.channel in (channel, "all") and event.scope == "all"
        }

    @api.model
    def _current_events(self, events, states, channel):
        """The events in force on ``channel`` (all contact) for the numbers
        of ``events`` that speak of it."""
        numbers = self._numbers_on_channel(events, channel)
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
        Event = self.env["callflow.preference.event"]
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
        Event.flush_model()
        events = Event.search(
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
        self._sync_blacklists(events, states)
        return events

    @api.model
    def _apply_in_order(self, events):
        """Fold ``events`` into the lines; for SMS keywords, first note
        whether the number was already blocked on that channel, in the
        order the events were recorded (one check per keyword: bursts of
        keywords are rare, batches of imports have none)."""
        Line = self.env["callflow.preference.state.line"]
        State = self.env["callflow.preference.state"]
        done = self.env["callflow.preference.event"]
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
                Fold = env["callflow.preference.fold"]
                Fold._lock_numbers(numbers, wait=True)
                Fold._fold_numbers(numbers)
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
