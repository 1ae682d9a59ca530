"""SQL of the live board (issue #14): the operators' state upserts and the
board's first load, a few grouped statements whatever the number of
operators and calls. Pure functions returning ``odoo.tools.SQL``."""

from odoo.tools import SQL

# A call's voice state -> the operator's state (final states: wrap-up until
# the operator logs the result, available once it is logged).
LIVE_CALL_STATES = {
    "queued": "ringing",
    "initiated": "ringing",
    "ringing": "ringing",
    "in_progress": "in_call",
}
FINAL_CALL_STATES = ("completed", "busy", "no_answer", "failed", "canceled")
# Entries a list has worked to the end.
FINISHED_ENTRY_STATES = ("done", "suppressed", "invalid")
RETURNING = SQL(
    "RETURNING s.id, s.company_id, s.user_id, s.state, s.since, s.paused, "
    "s.call_id, s.entry_id"
)


def state_of_call(voice_state, has_result):
    """The operator's state for a call in ``voice_state``, or None."""
    if voice_state in LIVE_CALL_STATES:
        return LIVE_CALL_STATES[voice_state]
    if voice_state in FINAL_CALL_STATES:
        return "available" if has_result else "wrap_up"
    return None


def state_of_inbound(inbound_status, voice_state):
    """The answering operator's state for an inbound call, or None: no
    result to log after an inbound call, so available once it is over."""
    if inbound_status == "ringing":
        return "ringing"
    if inbound_status == "answered":
        return "available" if voice_state in FINAL_CALL_STATES else "in_call"
    if inbound_status in ("missed", "voicemail"):
        return "available"
    return None


def state_payload(row):
    """The bus payload of a ``RETURNING`` row (see ``RETURNING``)."""
    _id, company_id, user_id, state, since, paused, call_id, entry_id = row
    return {
        "company_id": company_id,
        "user_id": user_id,
        "state": state,
        "since": since and since.strftime("%Y-%m-%d %H:%M:%S"),
        "paused": bool(paused),
        "call_id": call_id or False,
        "entry_id": entry_id or False,
    }


def call_day_index():
    return SQL(
        "CREATE INDEX IF NOT EXISTS callflow_call_company_date_start_idx "
        "ON callflow_call (company_id, date_start)"
    )


def _effective_state():
    """The new state: a paused operator who becomes available stays paused."""
    return SQL(
        "(CASE WHEN s.paused AND EXCLUDED.state = 'available' "
        "THEN 'paused' ELSE EXCLUDED.state END)"
    )


def upsert_state(user_id, company_id, state, call_id, entry_id, now, uid):
    """Set the state of one operator, in one statement (no read-modify-
    write race); returns the row only when something changed. An event of
    an older call than the current one is ignored (late callbacks)."""
    new = _effective_state()
    return SQL(
        """
        INSERT INTO callflow_operator_state AS s
            (user_id, company_id, state, since, paused, call_id, entry_id,
             create_uid, create_date, write_uid, write_date)
        VALUES (%(user)s, %(company)s, %(state)s, %(now)s, FALSE, %(call)s,
                %(entry)s, %(uid)s, %(now)s, %(uid)s, %(now)s)
        ON CONFLICT (user_id, company_id) DO UPDATE SET
            state = %(new)s,
            since = CASE WHEN s.state = %(new)s THEN s.since
                         ELSE EXCLUDED.since END,
            call_id = EXCLUDED.call_id,
            entry_id = EXCLUDED.entry_id,
            write_uid = EXCLUDED.write_uid,
            write_date = EXCLUDED.write_date
        WHERE (s.state, s.call_id, s.entry_id)
              IS DISTINCT FROM (%(new)s, EXCLUDED.call_id, EXCLUDED.entry_id)
          AND (EXCLUDED.call_id IS NULL OR s.call_id IS NULL
               OR EXCLUDED.call_id >= s.call_id)
        %(returning)s
        """,
        user=user_id,
        company=company_id,
        state=state,
        call=call_id,
        entry=entry_id,
        now=now,
        uid=uid,
        new=new,
        returning=RETURNING,
    )


def upsert_paused(user_id, company_id, paused, now, uid):
    """Pause or resume one operator: an available operator shows paused at
    once, one in a call once the call is logged."""
    new = SQL(
        "(CASE WHEN EXCLUDED.paused AND s.state = 'available' THEN 'paused' "
        "WHEN NOT EXCLUDED.paused AND s.state = 'paused' THEN 'available' "
        "ELSE s.state END)"
    )
    return SQL(
        """
        INSERT INTO callflow_operator_state AS s
            (user_id, company_id, state, since, paused,
             create_uid, create_date, write_uid, write_date)
        VALUES (%(user)s, %(company)s,
                CASE WHEN %(paused)s THEN 'paused' ELSE 'available' END,
                %(now)s, %(paused)s, %(uid)s, %(now)s, %(uid)s, %(now)s)
        ON CONFLICT (user_id, company_id) DO UPDATE SET
            paused = EXCLUDED.paused,
            state = %(new)s,
            since = CASE WHEN s.state = %(new)s THEN s.since
                         ELSE EXCLUDED.since END,
            write_uid = EXCLUDED.write_uid,
            write_date = EXCLUDED.write_date
        WHERE s.paused IS DISTINCT FROM EXCLUDED.paused
        %(returning)s
        """,
        user=user_id,
        company=company_id,
        paused=paused,
        now=now,
        uid=uid,
        new=new,
        returning=RETURNING,
    )


def release_ringing(call_id, keep_user_id, now, uid):
    """The other operators an inbound call rang: available again (paused
    ones paused) once someone answered or nobody did."""
    return SQL(
        """
        UPDATE callflow_operator_state AS s
           SET state = CASE WHEN s.paused THEN 'paused' ELSE 'available' END,
               since = %(now)s, call_id = NULL, entry_id = NULL,
               write_uid = %(uid)s, write_date = %(now)s
         WHERE s.call_id = %(call)s AND s.state = 'ringing'
           AND s.user_id IS DISTINCT FROM %(keep)s
        %(returning)s
        """,
        now=now,
        uid=uid,
        call=call_id,
        keep=keep_user_id,
        returning=RETURNING,
    )


def free_entries(entry_ids, now, uid):
    """The operators on these entries (dialling by hand, ringing, in call
    or wrapping up): available again, paused ones paused."""
    return SQL(
        """
        UPDATE callflow_operator_state AS s
           SET state = CASE WHEN s.paused THEN 'paused' ELSE 'available' END,
               since = %(now)s, call_id = NULL, entry_id = NULL,
               write_uid = %(uid)s, write_date = %(now)s
         WHERE s.entry_id = ANY(%(entries)s)
           AND s.state IN ('ringing', 'in_call', 'wrap_up')
        %(returning)s
        """,
        now=now,
        uid=uid,
        entries=list(entry_ids),
        returning=RETURNING,
    )


# ----------------------------------------------------------------------
# The board's first load
# ----------------------------------------------------------------------
def _only(column, user_id):
    """An operator's board: their own rows only (``user_id`` None: all)."""
    return SQL("TRUE") if user_id is None else SQL("%s = %s", column, user_id)


def operators(company_id, group_id, user_id=None):
    """The company's operators with their state, current entry and
    presence (offline is Odoo's presence, read here, not stored)."""
    return SQL(
        """
        SELECT u.id, p.name, p.id, COALESCE(s.state, 'available'), s.since,
               COALESCE(s.paused, FALSE), s.call_id, s.entry_id, e.name,
               COALESCE(bp.status, 'offline')
          FROM res_users u
          JOIN res_partner p ON p.id = u.partner_id
          JOIN res_groups_users_rel g ON g.uid = u.id AND g.gid = %(group)s
          JOIN res_company_users_rel cu ON cu.user_id = u.id
                                       AND cu.cid = %(company)s
     LEFT JOIN callflow_operator_state s ON s.user_id = u.id
                                        AND s.company_id = %(company)s
     LEFT JOIN callflow_list_entry e ON e.id = s.entry_id
     LEFT JOIN bus_presence bp ON bp.user_id = u.id
         WHERE u.active AND %(only)s
         ORDER BY p.name, u.id
        """,
        group=group_id,
        company=company_id,
        only=_only(SQL("u.id"), user_id),
    )


def call_totals(company_id, day_start, user_id=None):
    """Today's calls, connects, talk time and positive results, per
    operator and per list in one scan (grouping sets)."""
    return SQL(
        """
        SELECT GROUPING(c.user_id) = 0 AS by_user,
               CASE WHEN GROUPING(c.user_id) = 0 THEN c.user_id
                    ELSE c.list_id END,
               COUNT(*), COALESCE(SUM(c.is_connect), 0),
               COALESCE(SUM(c.talk_seconds), 0), COALESCE(SUM(c.is_positive), 0)
          FROM callflow_call c
         WHERE c.company_id = %s AND c.date_start >= %s AND %s
         GROUP BY GROUPING SETS ((c.user_id), (c.list_id))
        """,
        company_id,
        day_start,
        _only(SQL("c.user_id"), user_id),
    )


def list_progress(company_id, user_id=None):
    """Entries worked to the end / total, per running list."""
    only = (
        SQL("TRUE")
        if user_id is None
        else SQL(
            "EXISTS (SELECT 1 FROM callflow_list_user_rel r "
            "WHERE r.list_id = l.id AND r.user_id = %s)",
            user_id,
        )
    )
    return SQL(
        """
        SELECT l.id, l.name,
               (SELECT COUNT(*) FROM callflow_list_entry e
                 WHERE e.list_id = l.id AND e.state IN %(finished)s),
               (SELECT COUNT(*) FROM callflow_list_entry e
                 WHERE e.list_id = l.id)
          FROM callflow_list l
         WHERE l.company_id = %(company)s AND l.active
           AND l.state = 'running' AND %(only)s
         ORDER BY l.name, l.id
        """,
        finished=FINISHED_ENTRY_STATES,
        company=company_id,
        only=only,
    )


def callbacks_due(company_id, until, user_id=None, limit=100):
    """Callbacks of running lists due before ``until`` (overdue ones too),
    soonest first."""
    return SQL(
        """
        SELECT e.id, e.name, e.number, e.next_attempt, e.operator_id,
               p.name, l.name
          FROM callflow_list_entry e
          JOIN callflow_list l ON l.id = e.list_id
     LEFT JOIN res_users u ON u.id = e.operator_id
     LEFT JOIN res_partner p ON p.id = u.partner_id
         WHERE e.company_id = %s AND e.state = 'callback_due'
           AND l.active AND l.state = 'running'
           AND e.next_attempt <= %s AND %s
         ORDER BY e.next_attempt, e.id
         LIMIT %s
        """,
        company_id,
        until,
        _only(SQL("e.operator_id"), user_id),
        limit,
    )


def inbound_waiting(company_id, day_start, user_id=None, limit=100):
    """Inbound calls ringing now or missed today (voicemail included)."""
    return SQL(
        """
        SELECT c.id, c.dialed_number, rp.name, c.inbound_status, c.date_start,
               c.user_id, p.name
          FROM callflow_call c
     LEFT JOIN res_partner rp ON rp.id = c.partner_id
     LEFT JOIN res_users u ON u.id = c.user_id
     LEFT JOIN res_partner p ON p.id = u.partner_id
         WHERE c.company_id = %s AND c.direction = 'inbound'
           AND c.inbound_status IN ('ringing', 'missed', 'voicemail')
           AND c.date_start >= %s AND %s
         ORDER BY c.date_start DESC, c.id DESC
         LIMIT %s
        """,
        company_id,
        day_start,
        _only(SQL("c.user_id"), user_id),
        limit,
    )
