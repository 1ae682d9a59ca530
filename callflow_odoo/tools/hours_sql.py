"""Days and hours as SQL conditions: the dialer's test of calling windows
and preferred hours, pure builders of ``odoo.tools.SQL``, no cursor.

:func:`in_hours_sql` is the SQL twin of :func:`.hours.in_hours` (the same
days and hours, see ``tools/hours.py``). Aliases: ``e`` entry, ``l`` list.
"""

from odoo.tools import SQL


def local_sql(now, tz=None):
    """``now`` as local time in ``tz`` (an SQL expression, ``e.tz`` by
    default; no time zone means UTC)."""
    return SQL(
        "((%s::timestamp AT TIME ZONE 'UTC') AT TIME ZONE COALESCE(%s, 'UTC'))",
        now,
        tz if tz is not None else SQL("e.tz"),
    )


def window_sql(now, tz=None):
    """Whether ``now`` is inside list ``l``'s calling window in ``tz``."""
    return in_hours_sql(
        local_sql(now, tz),
        SQL("COALESCE(l.window_days, '')"),
        SQL("l.window_from"),
        SQL("l.window_to"),
    )


def in_hours_sql(local, days, start, end):
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


def preferred_hours_sql(now):
    """The person asked to be called only at certain times (opt-out
    page, "only at certain times"): ``now`` is inside them, in their
    local time. One index probe on the ledger per candidate."""
    inside = in_hours_sql(
        local_sql(now),
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
