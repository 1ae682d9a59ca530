"""SQL of the dialer: pure builders of ``odoo.tools.SQL``, no cursor.

The dialer (``callflow.dialer``) runs them; keeping the statements here
lets the picking code read as steps, and lets the shapes be checked without
a database. Aliases: ``e`` entry, ``l`` list, ``c`` company.
"""

from odoo.tools import SQL

from .constants import OPEN_STATES, WAITING_STATES

# First key of the transaction-level advisory lock a pick takes on a number
# while it holds it (the second key is the number's hash): "CFLW".
HOLD_LOCK_SPACE = 0x43464C57
# First key of the transaction-level advisory lock a pick takes on an entry
# before it checks the entry's current version (the second key is the id):
# "CFLE".
ENTRY_LOCK_SPACE = 0x43464C45


# ----------------------------------------------------------------------
# Indexes (model init)
# ----------------------------------------------------------------------
def pick_indexes():
    """Picking walks the first index in pick order, one (list, time zone)
    range at a time, for the time zones whose calling window is open; the
    same index answers "which time zones does this list have". The second
    serves the operators' own due callbacks."""
    return SQL(
        """
        CREATE INDEX IF NOT EXISTS callflow_list_entry_pick_tz_idx
            ON callflow_list_entry
               (list_id, tz, priority DESC, attempt_count, id)
         WHERE state IN %s;
        CREATE INDEX IF NOT EXISTS callflow_list_entry_callback_idx
            ON callflow_list_entry (operator_id, next_attempt)
         WHERE state = 'callback_due'
        """,
        OPEN_STATES,
    )


def one_hold_index_exists():
    return SQL(
        """
        SELECT 1 FROM pg_indexes
         WHERE indexname = 'callflow_list_entry_one_hold_idx'
        """
    )


def one_hold_index():
    """Give back the holds taken twice (the newest kept), then create the
    unique index of held numbers."""
    return SQL(
        """
        UPDATE callflow_list_entry e
           SET state = CASE WHEN e.next_attempt IS NULL THEN 'pending'
                            ELSE 'callback_due' END,
               held_by_id = NULL, held_since = NULL
          FROM (SELECT id, row_number() OVER (
                           PARTITION BY number
                           ORDER BY held_since DESC NULLS LAST, id DESC) AS rank
                  FROM callflow_list_entry
                 WHERE state = 'in_call' AND number IS NOT NULL) AS held
         WHERE e.id = held.id AND held.rank > 1;
        CREATE UNIQUE INDEX callflow_list_entry_one_hold_idx
            ON callflow_list_entry (number) WHERE state = 'in_call'
        """
    )


# ----------------------------------------------------------------------
# Eligibility: conditions on e, l, c
# ----------------------------------------------------------------------
def eligibility(now, stale, window, hours, local):
    """The rules that make an entry callable at ``now``, except the ledger
    and the operator. ``window``, ``hours``: the calling window and the
    preferred hours (SQL); ``local``: ``now`` in the entry's time zone;
    ``stale``: holds older than this are taken over.

    Callbacks keep their promised time: they skip the gap rules (list and
    company) but not the daily cap. A number held on another list is not
    handed out (see ``held_elsewhere``).
    """
    return SQL(
        """
        l.state = 'running' AND l.active
        AND (e.state = 'pending'
             OR (e.state = 'callback_due' AND e.next_attempt <= %(now)s)
             OR (e.state = 'in_call' AND e.held_since < %(stale)s))
        AND e.number IS NOT NULL
        AND NOT %(held_elsewhere)s
        AND e.attempt_count < l.max_attempts
        AND %(list_gap)s
        AND %(window)s
        AND %(hours)s
        AND (NOT c.callflow_cap_enabled OR (%(gap)s AND %(daily)s))
        AND NOT %(complaint)s
        """,
        now=now,
        stale=stale,
        complaint=recent_complaint(now),
        held_elsewhere=held_elsewhere(),
        list_gap=list_gap(now),
        window=window,
        hours=hours,
        # A hold anywhere already excludes the number (held_elsewhere), so
        # the caps need not count holds again here.
        gap=cap_gap(now, count_holds=False),
        daily=cap_daily(local, count_holds=False),
    )


def list_gap(now):
    """The list's minimum gap since ``e``'s last attempt has passed (a
    callback keeps its promised time)."""
    return SQL(
        """
        (e.state = 'callback_due' OR e.last_attempt IS NULL
         OR e.last_attempt <= %s - make_interval(secs => l.min_gap_hours * 3600))
        """,
        now,
    )


def recent_complaint(now):
    """``l`` skips people with a recent complaint and ``e``'s person has an
    active one within ``l``'s days: on the number, the contact, the lead or
    the lead's contact, in the list's company. Never NULL (a list that
    never chose has NULL there). A few index probes per candidate."""
    return SQL(
        """
        (l.skip_complaints IS TRUE AND COALESCE(l.skip_complaint_days, 0) > 0
         AND EXISTS (
            SELECT 1 FROM callflow_complaint k
             WHERE k.active AND k.company_id = l.company_id
               AND k.date >= %s - make_interval(days => l.skip_complaint_days)
               AND (k.number = e.number OR k.partner_id = e.partner_id
                    OR k.lead_id = e.lead_id
                    OR k.partner_id = (SELECT ld.partner_id FROM crm_lead ld
                                        WHERE ld.id = e.lead_id))))
        """,
        now,
    )


def held_elsewhere():
    """Another entry of ``e``'s number is held, on any list: one probe of
    the unique index of held numbers. A hold past the timeout counts too
    until it is given back: its operator may still be on the phone."""
    return SQL(
        """
        EXISTS (SELECT 1 FROM callflow_list_entry o
                 WHERE o.number = e.number AND o.state = 'in_call'
                   AND o.id != e.id)
        """
    )


def cap_holds(since):
    """How many other entries of ``e``'s number in ``l``'s company are held
    since ``since``: a hold is a call in progress, and the caps count it
    like a logged attempt."""
    return SQL(
        """
        (SELECT count(*) FROM callflow_list_entry o
          WHERE o.number = e.number AND o.state = 'in_call'
            AND o.id != e.id AND o.company_id = l.company_id
            AND o.held_since >= %s)
        """,
        since,
    )


def cap_gap(now, count_holds=True):
    """The company's minimum gap between two calls of a number."""
    since = SQL("%s - make_interval(secs => c.callflow_cap_gap_hours * 3600)", now)
    return SQL(
        """
        (e.state = 'callback_due' OR (NOT EXISTS (
            SELECT 1 FROM callflow_number_attempt a
             WHERE a.number = e.number AND a.company_id = l.company_id
               AND a.attempt_date > %(since)s)
         AND %(holds)s = 0))
        """,
        since=since,
        holds=cap_holds(since) if count_holds else SQL("0"),
    )


def cap_daily(local, count_holds=True):
    """The company's calls per day of a number, the day in the entry's time
    zone (``local``: now in that time zone)."""
    day_start = SQL(
        """
        ((date_trunc('day', %s) AT TIME ZONE COALESCE(e.tz, 'UTC'))
         AT TIME ZONE 'UTC')
        """,
        local,
    )
    return SQL(
        """
        ((SELECT count(*) FROM callflow_number_attempt a
           WHERE a.number = e.number AND a.company_id = l.company_id
             AND a.attempt_date >= %(day_start)s)
         + %(holds)s
         < c.callflow_cap_calls_per_day)
        """,
        day_start=day_start,
        holds=cap_holds(day_start) if count_holds else SQL("0"),
    )


# ----------------------------------------------------------------------
# Picking
# ----------------------------------------------------------------------
def pick_state(uid, stale, now, list_ids):
    """One row: the entry ``uid`` already holds, whether ``uid`` has due
    callbacks, and whether the lists have skipped entries at all."""
    return SQL(
        """
        SELECT (SELECT id FROM callflow_list_entry
                 WHERE held_by_id = %(uid)s AND state = 'in_call'
                   AND held_since >= %(stale)s AND list_id = ANY(%(lists)s)
                 LIMIT 1),
               EXISTS(SELECT 1 FROM callflow_list_entry
                       WHERE operator_id = %(uid)s AND state = 'callback_due'
                         AND next_attempt <= %(now)s
                         AND list_id = ANY(%(lists)s)),
               EXISTS(SELECT 1 FROM callflow_list_entry
                       WHERE skipped_at IS NOT NULL
                         AND list_id = ANY(%(lists)s)
                         AND state IN %(open_states)s)
        """,
        open_states=OPEN_STATES,
        uid=uid,
        stale=stale,
        now=now,
        lists=list_ids,
    )


def own_callbacks(uid):
    """The operator's own due callbacks."""
    return SQL("e.state = 'callback_due' AND e.operator_id = %s", uid)


def open_to(uid, grace):
    """Entries ``uid`` may take: unassigned, theirs, or callbacks whose
    operator let ``grace`` pass."""
    return SQL(
        """
        (e.operator_id IS NULL OR e.operator_id = %(uid)s
         OR (e.state = 'callback_due' AND e.next_attempt <= %(grace)s))
        """,
        uid=uid,
        grace=grace,
    )


def walk_keyset(last):
    """Rows after ``last`` (id, priority, attempt_count) in pick order."""
    if not last:
        return SQL("TRUE")
    return SQL(
        """
        (e.priority < %(p)s OR (e.priority = %(p)s
         AND (e.attempt_count > %(a)s
              OR (e.attempt_count = %(a)s AND e.id > %(i)s))))
        """,
        p=last[1],
        a=last[2],
        i=last[0],
    )


def walk_page(zones, condition, keyset, page):
    """The next ``page`` rows (id, priority, attempt_count) in pick order,
    read from each (list id, time zone) range of ``zones``."""
    ranges = SQL(" UNION ALL ").join(
        SQL(
            """
            (SELECT e.id, e.priority, e.attempt_count
               FROM callflow_list_entry e
              WHERE e.state IN %(open_states)s
                AND e.list_id = %(list)s AND %(zone)s
                AND %(condition)s AND %(keyset)s
           ORDER BY e.priority DESC, e.attempt_count, e.id
              LIMIT %(page)s)
            """,
            open_states=OPEN_STATES,
            list=list_id,
            zone=SQL("e.tz = %s", tz) if tz else SQL("e.tz IS NULL"),
            condition=condition,
            keyset=keyset,
            page=page,
        )
        for list_id, tz in zones
    )
    return SQL(
        """
        SELECT id, priority, attempt_count FROM (%s) AS walk
      ORDER BY priority DESC, attempt_count, id
         LIMIT %s
        """,
        ranges,
        page,
    )


def open_zones(list_ids, window):
    """(list id, time zone) pairs of the lists' open entries whose calling
    ``window`` (on ``l`` and ``pair.tz``) is open: a loose index scan, one
    probe per time zone."""
    return SQL(
        """
        WITH RECURSIVE zone(list_id, tz) AS (
            SELECT ids.id, (
                SELECT min(e.tz) FROM callflow_list_entry e
                 WHERE e.list_id = ids.id
                   AND e.state IN %(open_states)s)
              FROM unnest(%(lists)s) AS ids(id)
             UNION ALL
            SELECT zone.list_id, (
                SELECT min(e.tz) FROM callflow_list_entry e
                 WHERE e.list_id = zone.list_id AND e.tz > zone.tz
                   AND e.state IN %(open_states)s)
              FROM zone WHERE zone.tz IS NOT NULL
        ), pair(list_id, tz) AS (
            SELECT list_id, tz FROM zone WHERE tz IS NOT NULL
             UNION ALL
            SELECT ids.id, NULL FROM unnest(%(lists)s) AS ids(id)
             WHERE EXISTS (
                SELECT 1 FROM callflow_list_entry e
                 WHERE e.list_id = ids.id AND e.tz IS NULL
                   AND e.state IN %(open_states)s)
        )
        SELECT pair.list_id, pair.tz
          FROM pair JOIN callflow_list l ON l.id = pair.list_id
         WHERE %(window)s
      ORDER BY pair.list_id, pair.tz
        """,
        open_states=OPEN_STATES,
        lists=list_ids,
        window=window,
    )


def pick_candidates(list_ids, condition, eligible, passed, limit):
    """Rows (id, number, purpose) of the first ``limit`` eligible entries
    matching ``condition``, in pick order, except the ``passed`` ids."""
    return SQL(
        """
        SELECT e.id, e.number, l.purpose
          FROM callflow_list_entry e
          JOIN callflow_list l ON l.id = e.list_id
          JOIN res_company c ON c.id = l.company_id
         WHERE e.list_id = ANY(%(lists)s)
           AND e.state IN %(open_states)s
           AND %(condition)s AND %(eligible)s
           AND e.id != ALL(%(passed)s)
      ORDER BY e.priority DESC, e.attempt_count, e.id
         LIMIT %(limit)s
        """,
        open_states=OPEN_STATES,
        lists=list_ids,
        condition=condition,
        eligible=eligible,
        passed=passed,
        limit=limit,
    )


def try_hold(uid, now, entry_id, number):
    """In savepoint ``callflow_hold``: hold the entry and its number unless
    another transaction holds either; returns the id when held."""
    return SQL(
        """
        SAVEPOINT callflow_hold;
        UPDATE callflow_list_entry
           SET state = 'in_call', held_by_id = %(uid)s,
               held_since = %(now)s, write_uid = %(uid)s,
               write_date = %(now)s
         WHERE (SELECT %(number)s::text IS NULL
                       OR pg_try_advisory_xact_lock(
                              %(space)s, hashtext(%(number)s::text)))
           AND id IN (SELECT id FROM callflow_list_entry
                       WHERE id = %(id)s
                         AND state IN %(open_states)s
                         FOR UPDATE SKIP LOCKED)
     RETURNING id
        """,
        open_states=OPEN_STATES,
        uid=uid,
        now=now,
        id=entry_id,
        number=number,
        space=HOLD_LOCK_SPACE,
    )


def claim_hold(entry_id, number):
    """Claim the entry and its number with advisory locks, never waited for
    and kept until the transaction ends: no other pick is then between its
    hold of either and its commit. One row: whether both were claimed, the
    ``ctid`` and ``xmin`` of the entry's version this transaction sees, and
    whether that version and those of the number's other entries are
    untouched: nobody locked or replaced them since they were written
    (``xmax`` 0), so they are the current ones.
    """
    return SQL(
        """
        SELECT (%(number)s::text IS NULL
                OR pg_try_advisory_xact_lock(
                       %(number_space)s, hashtext(%(number)s::text)))
               AND pg_try_advisory_xact_lock(%(entry_space)s, %(id)s),
               e.ctid::text, e.xmin::text,
               e.xmax::text = '0' AND NOT EXISTS (
                   SELECT 1 FROM callflow_list_entry o
                    WHERE o.number = %(number)s AND o.id != %(id)s
                      AND o.xmax::text != '0')
          FROM callflow_list_entry e
         WHERE e.id = %(id)s
        """,
        id=entry_id,
        number=number,
        number_space=HOLD_LOCK_SPACE,
        entry_space=ENTRY_LOCK_SPACE,
    )


def current_version(entry_id, number):
    """Run on a fresh snapshot: the ``ctid`` and ``xmax`` of the entry's
    last committed version (NULL when none is committed), and whether
    another entry of its number is held, on any list."""
    return SQL(
        """
        SELECT e.ctid::text, e.xmax::text,
               EXISTS (SELECT 1 FROM callflow_list_entry o
                        WHERE o.number = %(number)s AND o.state = 'in_call'
                          AND o.id != %(id)s)
          FROM (VALUES (%(id)s)) AS v(id)
     LEFT JOIN callflow_list_entry e ON e.id = v.id
        """,
        id=entry_id,
        number=number,
    )


def suppress(ids, reason, uid):
    """Suppress the entries, skipping the rows other transactions lock."""
    return SQL(
        """
        UPDATE callflow_list_entry
           SET state = 'suppressed', state_reason = %(reason)s,
               held_by_id = NULL, held_since = NULL,
               write_uid = %(uid)s,
               write_date = now() AT TIME ZONE 'UTC'
         WHERE id IN (SELECT id FROM callflow_list_entry
                       WHERE id = ANY(%(ids)s)
                         FOR UPDATE SKIP LOCKED)
        """,
        reason=reason,
        uid=uid,
        ids=ids,
    )


def record_blocked_picks(ids, now):
    """Remember when the ledger first kept each suppressed entry out."""
    return SQL(
        """
        INSERT INTO callflow_preference_block
               (number, entry_id, list_id, blocked_at)
        SELECT number, id, list_id, %(now)s
          FROM callflow_list_entry
         WHERE id = ANY(%(ids)s) AND state = 'suppressed'
               AND number IS NOT NULL
        ON CONFLICT (entry_id) DO NOTHING
        """,
        ids=list(ids),
        now=now,
    )


# ----------------------------------------------------------------------
# Why not callable now; stale numbers
# ----------------------------------------------------------------------
def blocked_flags(now, where, window, hours, local):
    """Rows (id, daily cap, company gap, list gap, window, preferred hours,
    held elsewhere, complaint days) of the open entries matching ``where``:
    a flag is true when that rule blocks the entry now; complaint days are
    the list's days when a recent complaint does (else NULL)."""
    return SQL(
        """
        SELECT e.id,
               c.callflow_cap_enabled AND NOT %(daily)s,
               c.callflow_cap_enabled AND NOT %(gap)s,
               NOT %(list_gap)s,
               NOT %(window)s,
               NOT %(hours)s,
               %(held_elsewhere)s,
               CASE WHEN %(complaint)s THEN l.skip_complaint_days END
          FROM callflow_list_entry e
          JOIN callflow_list l ON l.id = e.list_id
          JOIN res_company c ON c.id = l.company_id
         WHERE %(where)s AND e.state IN %(waiting_states)s
           AND e.number IS NOT NULL
        """,
        waiting_states=WAITING_STATES,
        list_gap=list_gap(now),
        daily=cap_daily(local),
        gap=cap_gap(now),
        window=window,
        hours=hours,
        held_elsewhere=held_elsewhere(),
        complaint=recent_complaint(now),
        where=where,
    )


def refresh_staleness(where, sources, now, reason):
    """One UPDATE: suppress the open entries matching ``where`` whose number
    was last confirmed before their list's limit (``reason`` with
    ``{month}``), and put back the stale ones confirmed since. ``sources``:
    the ledger sources whose opt-in confirms a number."""
    return SQL(
        """
        WITH cand AS (
            SELECT e.id, e.number, e.is_stale,
                   COALESCE(ld.create_date, p.create_date, e.create_date)
                       AS baseline,
                   %(now)s - make_interval(months => COALESCE(
                       NULLIF(l.stale_months, 0),
                       c.callflow_stale_months, 0)) AS cutoff,
                   COALESCE(NULLIF(l.stale_months, 0),
                            c.callflow_stale_months, 0) > 0 AS enabled
              FROM callflow_list_entry e
              JOIN callflow_list l ON l.id = e.list_id
              JOIN res_company c ON c.id = l.company_id
         LEFT JOIN crm_lead ld ON ld.id = e.lead_id
         LEFT JOIN res_partner p ON p.id = e.partner_id
             WHERE %(where)s AND e.number IS NOT NULL
               AND (e.state = 'pending' OR e.is_stale)
        ), judged AS (
            -- only numbers that appeared before the cutoff may be
            -- stale: the confirmations are looked up for them alone
            SELECT id, is_stale, confirmed, confirmed < cutoff AS stale
              FROM (SELECT cand.*, GREATEST(
                       baseline,
                       (SELECT max(ev.event_date)
                          FROM callflow_preference_event ev
                         WHERE ev.number = cand.number
                           AND ev.action = 'opt_in'
                           AND ev.source = ANY(%(sources)s)),
                       (SELECT max(k.date_start) FROM callflow_call k
                         WHERE k.dialed_number = cand.number
                           AND k.outcome = 'answered'),
                       (SELECT max(nc.confirmed_date)
                          FROM callflow_number_confirmation nc
                         WHERE nc.number = cand.number)) AS confirmed
                      FROM cand
                     WHERE enabled AND baseline < cutoff) old
             UNION ALL
            SELECT id, is_stale, baseline, FALSE
              FROM cand
             WHERE is_stale AND NOT (enabled AND baseline < cutoff)
        )
        UPDATE callflow_list_entry e
           SET confirmed_date = j.confirmed,
               is_stale = j.stale,
               state = CASE WHEN j.stale THEN 'suppressed'
                            ELSE 'pending' END,
               state_reason = CASE WHEN j.stale
                   THEN replace(%(reason)s, '{month}',
                                to_char(j.confirmed, 'YYYY-MM')) END,
               reconfirm_sent_at = CASE WHEN j.stale
                   THEN e.reconfirm_sent_at END
          FROM judged j
         WHERE j.id = e.id AND (j.stale OR j.is_stale)
        """,
        sources=sources,
        where=where,
        now=now,
        reason=reason,
    )
