"""SQL builders of the ledger's check (``callflow.preference.state.
_check_numbers``): each returns rows ``(number, reason, rank)`` of what
blocks some numbers; building them needs no database.
"""

from odoo.tools import SQL

from .purposes import MARKETING_PURPOSES

# When several things block a number, the reason shown is the strongest one.
REASON_RANK = {
    "obsolete": 1,
    "dnc": 2,
    "refusal": 3,
    "opt_out": 4,
    "blacklist": 5,
    "mail_blacklist": 5,
}


def reason_rank_sql(action):
    """SQL twin of :data:`REASON_RANK`: the rank of the reason in the
    ``action`` column (any other block ranks as an opt-out)."""
    return SQL(
        "CASE %s %s ELSE %s END",
        action,
        SQL(" ").join(
            SQL("WHEN %s THEN %s", reason, rank) for reason, rank in REASON_RANK.items()
        ),
        REASON_RANK["opt_out"],
    )


def ledger_blocks_sql(numbers, channel, purpose):
    """Rows (number, reason, rank) of the ledger's blocks of ``numbers``
    on ``channel`` for ``purpose`` that no later opt-in of the person
    lifts (see ``_check_numbers``)."""
    marketing = purpose is None or purpose in MARKETING_PURPOSES
    if purpose is None:
        block_purpose = SQL("TRUE")
    else:
        block_purpose = SQL("b.purpose = %s", purpose)
    # A later opt-in lifts the block when it covers this check; for an
    # unknown purpose only a broad (all / all marketing) opt-in does.
    lift_purpose = SQL("FALSE") if purpose is None else SQL("o.purpose = %s", purpose)
    return SQL(
        """
            SELECT b.number, b.action AS reason, %(rank)s AS rank
              FROM callflow_preference_state_line b
             WHERE b.number = ANY(%(numbers)s)
               AND b.action NOT IN ('opt_in', 'hours')
               AND b.channel = ANY(%(channels)s)
               AND (b.scope = 'all'
                    OR (b.scope = 'marketing' AND %(marketing)s)
                    OR (b.scope = 'purpose' AND %(block_purpose)s))
               AND NOT EXISTS (
                   SELECT 1
                     FROM callflow_preference_state_line o
                    WHERE o.number = b.number
                      AND o.action = 'opt_in'
                      AND o.channel = ANY(%(channels)s)
                      AND (o.scope = 'all'
                           OR (o.scope = 'marketing' AND %(marketing)s)
                           OR (o.scope = 'purpose' AND %(lift_purpose)s))
                      AND (o.event_date, o.event_id) > (b.event_date, b.event_id)
                      AND o.is_self)
        """,
        rank=reason_rank_sql(SQL("b.action")),
        numbers=numbers,
        channels=[channel, "all"],
        marketing=marketing,
        block_purpose=block_purpose,
        lift_purpose=lift_purpose,
    )


def mail_blacklist_sql(numbers):
    """Rows ``(number, 'mail_blacklist', rank)`` for the numbers whose email
    Odoo's email blacklist holds: an email their events gave, or their
    contact's.  So an unsubscribe from a mailing (or an entry by hand)
    shows on the email channel, as ``phone.blacklist`` does on SMS.  The
    caller flushes the columns it reads."""
    return SQL(
        """
        UNION ALL
        SELECT ev.number, 'mail_blacklist', %(rank)s
          FROM callflow_preference_event ev
          JOIN mail_blacklist mb ON mb.email = ev.email AND mb.active
         WHERE ev.number = ANY(%(numbers)s)
        UNION ALL
        SELECT st.number, 'mail_blacklist', %(rank)s
          FROM callflow_preference_state st
          JOIN res_partner p ON p.id = st.partner_id
          JOIN mail_blacklist mb ON mb.email = p.email_normalized AND mb.active
         WHERE st.number = ANY(%(numbers)s)
        """,
        rank=REASON_RANK["mail_blacklist"],
        numbers=numbers,
    )


def first_events_sql(numbers):
    """Rows ``(number, source, event_date, reason)``: the first ledger event
    of each of ``numbers`` (where the number was obtained)."""
    return SQL(
        """
        SELECT DISTINCT ON (number) number, source, event_date, reason
          FROM callflow_preference_event
         WHERE number = ANY(%(numbers)s)
         ORDER BY number, event_date, id
        """,
        numbers=sorted(set(numbers)),
    )
