"""SQL of the dial gate: pure builders of ``odoo.tools.SQL``, no cursor.

The gate asks every number-level rule in one statement. It reuses the
dialer's conditions (``dialer_sql``), which read the aliases ``e`` (entry),
``l`` (list) and ``c`` (company): here ``e`` and ``l`` are one derived row
each, built from the list entry when the call comes from the dialer, or
from the number and the default calling window when it does not (the phone
widget), so both paths are judged by the very same conditions.
"""

from odoo.tools import SQL

from . import dialer_sql


def entry_list(entry_id):
    """One row (the list's purpose, its caller number) of the entry's list,
    none when the entry is gone: what the gate needs before its statement,
    without reading the list's other columns (its script)."""
    return SQL(
        """
        SELECT l.purpose, l.caller_number_id
          FROM callflow_list_entry e
          JOIN callflow_list l ON l.id = e.list_id
         WHERE e.id = %s
        """,
        entry_id,
    )


def entry_rows(entry_id, number):
    """``e`` and ``l`` of a call from the dialer: the entry (dialling
    ``number``) and its list. A callback (``next_attempt`` set) keeps its
    promised time: it is judged as ``callback_due``, whatever its hold."""
    return SQL(
        """
        (SELECT x.id, %(number)s::varchar AS number, x.tz,
                CASE WHEN x.next_attempt IS NOT NULL THEN 'callback_due'
                     ELSE 'pending' END AS state,
                x.last_attempt, x.list_id
           FROM callflow_list_entry x
          WHERE x.id = %(entry)s) AS e
        JOIN callflow_list l ON l.id = e.list_id
        """,
        entry=entry_id,
        number=number,
    )


def number_rows(number, uid, tz, company_id, window):
    """``e`` and ``l`` of a call outside the dialer: the number in ``tz``,
    for ``company_id``, under ``window`` (days, from, to), no list gap. A
    hold of the number by ``uid`` itself (the dialer open on that person)
    is that call: ``e`` takes its id, so it is neither another operator's
    hold nor counted twice in the caps."""
    days, hour_from, hour_to = window
    return SQL(
        """
        (SELECT COALESCE((SELECT h.id FROM callflow_list_entry h
                           WHERE h.number = %(number)s AND h.state = 'in_call'
                             AND h.held_by_id = %(uid)s
                           LIMIT 1), 0) AS id,
                %(number)s::varchar AS number, %(tz)s::varchar AS tz,
                'pending'::varchar AS state,
                NULL::timestamp AS last_attempt) AS e
        CROSS JOIN (SELECT %(company)s::int AS company_id,
                           0.0::float AS min_gap_hours,
                           %(days)s::varchar AS window_days,
                           %(from)s::float AS window_from,
                           %(to)s::float AS window_to) AS l
        """,
        number=number,
        uid=uid,
        tz=tz,
        company=company_id,
        days=days,
        **{"from": hour_from, "to": hour_to},
    )


def held_by(uid):
    """The operator holding ``e``'s number in another call, or NULL: a hold
    of another entry (any list), or of ``e`` itself by someone else. The
    unique index of held numbers makes it one row at most."""
    return SQL(
        """
        (SELECT COALESCE(o.held_by_id, 0) FROM callflow_list_entry o
          WHERE o.number = e.number AND o.state = 'in_call'
            AND (o.id != e.id OR o.held_by_id IS DISTINCT FROM %s)
          LIMIT 1)
        """,
        uid,
    )


def caller_allowed(caller_id, uid, today, users):
    """The caller number ``caller_id`` is active, published, in service on
    ``today`` and of ``c``'s company, and ``uid`` may use it: it names no
    users (any user of the company), or names ``uid``. ``users``: the
    relation of ``callflow.caller.number.user_ids`` (table, number column,
    user column)."""
    table, number_col, user_col = users
    return SQL(
        """
        EXISTS (
            SELECT 1 FROM callflow_caller_number cn
             WHERE cn.id = %(caller)s AND cn.active AND cn.is_published
               AND cn.company_id = c.id
               AND (cn.date_start IS NULL OR cn.date_start <= %(today)s)
               AND (cn.date_end IS NULL OR cn.date_end > %(today)s)
               AND (NOT EXISTS (SELECT 1 FROM %(table)s r
                                 WHERE r.%(number_col)s = cn.id)
                    OR EXISTS (SELECT 1 FROM %(table)s r
                                WHERE r.%(number_col)s = cn.id
                                  AND r.%(user_col)s = %(uid)s)))
        """,
        caller=caller_id,
        today=today,
        uid=uid,
        table=SQL.identifier(table),
        number_col=SQL.identifier(number_col),
        user_col=SQL.identifier(user_col),
    )


def gate(rows, ledger, caller, uid, now, window, hours, local):
    """One row, every number-level rule of the gate at ``now``: the
    strongest ledger block (or NULL), the operator holding the number (or
    NULL), and flags that are true when the rule lets the call through:
    caller ID, daily cap, company gap, list gap, calling window, preferred
    hours; then what the messages quote: the company's caps, the list's
    gap and window, the person's time zone. ``rows``: ``entry_rows`` or
    ``number_rows``; ``ledger``: rows (number, reason, rank) of the blocks
    of the number (``callflow.preference.state``)."""
    return SQL(
        """
        SELECT (SELECT blocked.reason FROM (%(ledger)s) AS blocked
                 ORDER BY blocked.rank LIMIT 1),
               %(held_by)s,
               %(caller)s,
               NOT c.callflow_cap_enabled OR %(daily)s,
               NOT c.callflow_cap_enabled OR %(gap)s,
               %(list_gap)s,
               %(window)s,
               %(hours)s,
               c.callflow_cap_calls_per_day, c.callflow_cap_gap_hours,
               l.min_gap_hours, l.window_days, l.window_from, l.window_to,
               e.tz
          FROM %(rows)s
          JOIN res_company c ON c.id = l.company_id
        """,
        ledger=ledger,
        held_by=held_by(uid),
        caller=caller,
        daily=dialer_sql.cap_daily(local),
        gap=dialer_sql.cap_gap(now),
        list_gap=dialer_sql.list_gap(now),
        window=window,
        hours=hours,
        rows=rows,
    )
