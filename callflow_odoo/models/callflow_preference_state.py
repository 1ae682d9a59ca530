from typing import NamedTuple

from odoo import api, fields, models
from odoo.tools import SQL

from ..tools.hours import format_hours
from ..tools.phone import format_number, try_parse_number
from ..tools.purposes import MARKETING_PURPOSES

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


class ContactFacts(NamedTuple):
    """What the ledger knows of some contacts (``_summarise_contacts``)."""

    numbers_by_key: dict  # {key: set of e164}
    blocked: dict  # {channel: {e164: reason}}, call and sms
    event_groups: list  # [(partner, number, count)] of the ledger's events
    hours: dict  # {e164: (days, from, to)} the person asked to be called at


class CallflowPreferenceState(models.Model):
    """Current contact preferences of one phone number.

    Maintained by ``callflow.preference.event`` (never edited by hand).  Its
    lines keep, per channel/scope/purpose/action, the latest event; the
    precedence rule documented on the event model is applied when checking,
    by :meth:`_check_numbers`, in one indexed query.
    """

    _name = "callflow.preference.state"
    _description = "Contact preferences of a number"
    _order = "id desc"
    _rec_name = "number"
    # Rows are upserted in SQL by the ledger (concurrent opt-outs); the event
    # history says who and when.
    _log_access = False

    number = fields.Char(
        required=True,
        readonly=True,
        help="The phone number in E.164 form.",
    )
    number_international = fields.Char(
        string="Number (formatted)",
        compute="_compute_number_international",
        help="The number as people read it.",
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Contact",
        index="btree_not_null",
        readonly=True,
        ondelete="set null",
        help="The contact last known to hold this number.",
    )
    event_ids = fields.One2many(
        "callflow.preference.event", "state_id", string="History", readonly=True
    )
    event_count = fields.Integer(compute="_compute_event_count", string="Events")
    line_ids = fields.One2many(
        "callflow.preference.state.line",
        "state_id",
        string="Current preferences",
        readonly=True,
    )
    last_event_date = fields.Datetime(
        compute="_compute_event_count",
        help="When the latest event was recorded for the number.",
    )
    call_status = fields.Char(
        string="Calls", compute="_compute_status", help="May this number be called?"
    )
    sms_status = fields.Char(
        string="SMS", compute="_compute_status", help="May this number be texted?"
    )
    email_status = fields.Char(
        string="Email", compute="_compute_status", help="May this person be emailed?"
    )
    fold_count = fields.Integer(
        readonly=True,
        help="How many times the ledger was folded into this row. Each fold "
        "writes the row, so that a transaction with an older view of the "
        "number fails there rather than deciding on it.",
    )
    is_blocked = fields.Boolean(
        string="Blocked",
        compute="_compute_status",
        search="_search_is_blocked",
        help="Some channel is blocked for some purpose.",
    )

    _sql_constraints = (
        ("number_unique", "UNIQUE(number)", "One preference record per number."),
    )

    @api.depends("number")
    def _compute_number_international(self):
        for state in self:
            state.number_international = format_number(state.number)

    def _compute_event_count(self):
        # Not stored: writing it on every event would make concurrent events
        # of one number collide on this row.
        groups = {
            state: (count, last)
            for state, count, last in self.env["callflow.preference.event"]._read_group(
                [("state_id", "in", self.ids)],
                ["state_id"],
                ["__count", "event_date:max"],
            )
        }
        for state in self:
            state.event_count, state.last_event_date = groups.get(state, (0, False))

    def _compute_status(self):
        numbers = [n for n in self.mapped("number") if n]
        # Purpose-less check: any block for any purpose counts, so the summary
        # never says "allowed" while a purpose is refused.
        blocked = {
            channel: self._check_numbers(numbers, channel)
            for channel in ("call", "sms", "email")
        }
        allowed = self.env._("Allowed")
        for state in self:
            for channel in ("call", "sms", "email"):
                code = blocked[channel].get(state.number)
                state[f"{channel}_status"] = (
                    self._reason_label(code) if code else allowed
                )
            state.is_blocked = any(state.number in blocked[c] for c in blocked)

    def _search_is_blocked(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            return NotImplemented
        # Candidates are the numbers with some block line; the checks then
        # drop those whose blocks were all lifted by a later opt-in.
        self.env.cr.execute(
            SQL(
                "SELECT DISTINCT number FROM callflow_preference_state_line"
                " WHERE action NOT IN ('opt_in', 'hours')"
                " UNION SELECT number FROM callflow_preference_event WHERE pending"
            )
        )
        candidates = [row[0] for row in self.env.cr.fetchall()]
        blocked = set()
        for channel in ("call", "sms", "email"):
            blocked.update(self._check_numbers(candidates, channel))
        positive = (operator == "=") == value
        return [("number", "in" if positive else "not in", list(blocked))]

    # ------------------------------------------------------------------
    # API
    # ------------------------------------------------------------------

    @api.model
    def _reason_label(self, code):
        """Translated label of a reason code returned by _check_numbers."""
        labels = {
            "opt_out": self.env._("Opted out"),
            "refusal": self.env._("Refused (do not solicit again)"),
            "dnc": self.env._("Do not call"),
            "obsolete": self.env._("Number obsolete (person left or wrong person)"),
            "blacklist": self.env._("Blacklisted for SMS"),
            "mail_blacklist": self.env._("Blacklisted for email"),
        }
        return labels.get(code, code or "")

    @api.model
    def _check_numbers(self, numbers, channel, purpose=None, include_blacklist=True):
        """Which of ``numbers`` may NOT be contacted now on ``channel``.

        :param numbers: iterable of E.164 numbers (any count)
        :param channel: ``call``, ``sms`` or ``email``
        :param purpose: a PURPOSES key; ``None`` = unknown purpose, checked
            conservatively (a block for any purpose counts, only an opt-in for
            all contact or all marketing lifts it)
        :return: ``{e164: reason}`` for the blocked numbers only; reason is
            ``obsolete``, ``dnc``, ``refusal``, ``opt_out``, ``blacklist``
            (SMS) or ``mail_blacklist`` (email; the strongest when several
            apply)

        One SQL query whatever the number of numbers.
        """
        # Only E.164 strings can be in the ledger or the blacklist; the rest
        # is dropped, which also makes the comma-joined parameter safe.
        numbers = {n for n in numbers if n and n[0] == "+" and n[1:].isdigit()}
        if not numbers:
            return {}
        # One text parameter split in SQL: much cheaper to send and to plan
        # than an array literal of 100,000 items, and used in both branches.
        numbers = SQL("string_to_array(%s, ',')::varchar[]", ",".join(numbers))
        query = SQL(
            """
            SELECT DISTINCT ON (blocked.number) blocked.number, blocked.reason
              FROM (%(ledger)s %(blacklist)s) AS blocked
             ORDER BY blocked.number, blocked.rank
            """,
            ledger=self._ledger_blocks_sql(numbers, channel, purpose),
            blacklist=self._blacklist_blocks_sql(numbers, channel, include_blacklist),
        )
        self.env["callflow.preference.state.line"].flush_model()
        self.env["callflow.preference.event"].flush_model()
        self.env["phone.blacklist"].flush_model(["number", "active"])
        self.env.cr.execute(query)
        return dict(self.env.cr.fetchall())

    @api.model
    def _ledger_blocks_sql(self, numbers, channel, purpose):
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
        lift_purpose = (
            SQL("FALSE") if purpose is None else SQL("o.purpose = %s", purpose)
        )
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

    @api.model
    def _blacklist_blocks_sql(self, numbers, channel, include_blacklist):
        """``UNION ALL`` rows of the blocks outside the ledger: pending
        blocks, and the phone (SMS) or mail (email) blacklist."""
        blacklist = self._pending_blocks_sql(numbers, channel)
        if channel == "sms" and include_blacklist:
            blacklist = SQL(
                """
                %(pending)s
                UNION ALL
                SELECT bl.number, 'blacklist', %(rank)s
                  FROM phone_blacklist bl
                 WHERE bl.active AND bl.number = ANY(%(numbers)s)
                """,
                rank=REASON_RANK["blacklist"],
                pending=blacklist,
                numbers=numbers,
            )
        elif channel == "email" and include_blacklist:
            blacklist = SQL("%s %s", blacklist, self._mail_blacklist_sql(numbers))
        return blacklist

    @api.model
    def _mail_blacklist_sql(self, numbers):
        """Rows ``(number, 'mail_blacklist', rank)`` for the numbers whose email
        Odoo's email blacklist holds: an email their events gave, or their
        contact's.  So an unsubscribe from a mailing (or an entry by hand)
        shows on the email channel, as ``phone.blacklist`` does on SMS."""
        self.env["callflow.preference.event"].flush_model(["number", "email"])
        self.env["res.partner"].flush_model(["email_normalized"])
        self.env["mail.blacklist"].flush_model(["email", "active"])
        self.flush_model(["number", "partner_id"])
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

    @api.model
    def _pending_blocks_sql(self, numbers, channel):
        """Rows ``(number, reason, rank)`` of what is recorded but not yet
        folded and blocks ``channel``: a block holds the instant it commits.

        A pending block counts for every purpose (conservative); a pending
        opt-in lifts nothing until it is folded, a moment later.
        """
        return SQL(
            """
            UNION ALL
            SELECT p.number, p.action, %(rank)s
              FROM callflow_preference_event p
             WHERE p.pending AND p.number = ANY(%(numbers)s)
               AND p.action NOT IN ('opt_in', 'hours')
               AND p.channel IN (%(channel)s, 'all')
            """,
            rank=reason_rank_sql(SQL("p.action")),
            numbers=numbers,
            channel=channel,
        )

    @api.model
    def _call_hours(self, numbers):
        """``{e164: (days, from, to)}`` for the numbers whose person asked to
        be called only at certain times (their latest preferred-hours event,
        unless it lifted the restriction). One query."""
        numbers = [n for n in numbers if n]
        if not numbers:
            return {}
        self.env["callflow.preference.state.line"].flush_model()
        self.env.cr.execute(
            SQL(
                """
                SELECT h.number, ev.hours_days, ev.hours_from, ev.hours_to
                  FROM callflow_preference_state_line h
                  JOIN callflow_preference_event ev ON ev.id = h.event_id
                 WHERE h.number = ANY(%s) AND h.action = 'hours'
                   AND COALESCE(ev.hours_days, '') != ''
                """,
                numbers,
            )
        )
        return {number: tuple(rest) for number, *rest in self.env.cr.fetchall()}

    @api.model
    def _ensure_states(self, partner_by_number):
        """Return ``{number: state_id}``, creating missing states.

        ``INSERT .. ON CONFLICT DO NOTHING`` and no write to an existing row
        unless its contact changes: concurrent opt-outs of one number
        (parallel web requests) then neither fail on the unique constraint
        nor collide on the same row.
        """
        if not partner_by_number:
            return {}
        numbers = sorted(partner_by_number)  # same lock order in every batch
        partners = [partner_by_number[n] or None for n in numbers]
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO callflow_preference_state (number, partner_id)
                SELECT number, partner_id
                  FROM unnest(%s::varchar[], %s::int[]) AS t(number, partner_id)
                ON CONFLICT (number) DO NOTHING
                """,
                numbers,
                partners,
            )
        )
        self.env.cr.execute(
            SQL(
                """
                UPDATE callflow_preference_state s
                   SET partner_id = t.partner_id
                  FROM unnest(%s::varchar[], %s::int[]) AS t(number, partner_id)
                 WHERE s.number = t.number
                   AND t.partner_id IS NOT NULL
                   AND s.partner_id IS DISTINCT FROM t.partner_id
                """,
                numbers,
                partners,
            )
        )
        self.env.cr.execute(
            SQL(
                "SELECT number, id FROM callflow_preference_state"
                " WHERE number = ANY(%s::varchar[])",
                numbers,
            )
        )
        result = dict(self.env.cr.fetchall())
        self.invalidate_model(["partner_id"])
        return result

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_record_event(self):
        """Open the manual-entry wizard for this number."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "callflow_odoo.callflow_preference_event_wizard_action"
        )
        action["context"] = {
            "default_number": self.number,
            "default_partner_id": self.partner_id.id,
        }
        return action

    # ------------------------------------------------------------------
    # Contacts and leads: smart button and warning banner
    # ------------------------------------------------------------------

    @api.model
    def _contact_numbers(self, contacts):
        """The E.164 numbers of each contact: those typed on the record, and
        those the ledger already links to the contact.

        :param contacts: ``{key: (partner_id or False, [raw numbers], region)}``
        :return: ``({key: set of e164}, set of partner ids)``
        """
        numbers_by_key = {}
        keys_by_partner = {}
        for key, (partner, raw_numbers, region) in contacts.items():
            numbers_by_key[key] = {
                e164
                for e164, _error in (
                    try_parse_number(raw, region) for raw in raw_numbers
                )
                if e164
            }
            if partner:
                keys_by_partner.setdefault(partner, []).append(key)
        if keys_by_partner:
            for state in self.search_fetch(
                [("partner_id", "in", list(keys_by_partner))], ["number", "partner_id"]
            ):
                for key in keys_by_partner[state.partner_id.id]:
                    numbers_by_key[key].add(state.number)
        return numbers_by_key, set(keys_by_partner)

    @api.model
    def _summarise_contacts(self, contacts):
        """Preference summary of several contacts at once.

        :param contacts: ``{key: (partner_id or False, [raw numbers], region)}``
        :return: ``{key: {"numbers": [e164], "event_count": int,
                  "warning": str}}`` (warning empty when nothing is blocked)

        A handful of queries for any number of records (no query per record).
        sudo: the warning must reach every user who might contact the person,
        also users without access to the ledger; only counts and reason labels
        are exposed.
        """
        facts = self.sudo()._contact_facts(contacts)  # sudo: see above
        result = {}
        for key, (partner, _n, _r) in contacts.items():
            numbers = facts.numbers_by_key[key]
            result[key] = {
                "numbers": sorted(numbers),
                "event_count": sum(
                    count
                    for group_partner, number, count in facts.event_groups
                    if (partner and group_partner.id == partner) or number in numbers
                ),
                "warning": self._contact_warning(numbers, facts),
            }
        return result

    @api.model
    def _contact_facts(self, contacts):
        """What the summary of ``contacts`` needs, read in a few queries."""
        numbers_by_key, partner_ids = self._contact_numbers(contacts)
        all_numbers = set().union(*numbers_by_key.values()) if numbers_by_key else set()
        groups = []
        if all_numbers or partner_ids:
            groups = self.env["callflow.preference.event"]._read_group(
                [
                    "|",
                    ("partner_id", "in", list(partner_ids)),
                    ("number", "in", list(all_numbers)),
                ],
                ["partner_id", "number"],
                ["__count"],
            )
        return ContactFacts(
            numbers_by_key=numbers_by_key,
            blocked={
                channel: self._check_numbers(all_numbers, channel)
                for channel in ("call", "sms")
            },
            event_groups=groups,
            hours=self._call_hours(all_numbers),
        )

    @api.model
    def _contact_warning(self, numbers, facts):
        """The banner text for a contact with ``numbers``: the strongest
        block per channel, and the hours the person asked to be called at;
        empty when there is nothing to say."""
        channel_labels = {"call": self.env._("Calls"), "sms": self.env._("SMS")}
        parts = []
        for channel in ("call", "sms"):
            blocked = facts.blocked[channel]
            reasons = {blocked[n] for n in numbers if n in blocked}
            if reasons:
                strongest = min(reasons, key=REASON_RANK.get)
                parts.append(
                    self.env._(
                        "%(channel)s: %(reason)s",
                        channel=channel_labels[channel],
                        reason=self._reason_label(strongest),
                    )
                )
        lang = self.env.lang or "en_US"
        for number in sorted(numbers):
            if number in facts.hours and number not in facts.blocked["call"]:
                parts.append(
                    self.env._(
                        "%(channel)s: only %(hours)s (their time)",
                        channel=channel_labels["call"],
                        hours=format_hours(*facts.hours[number], lang),
                    )
                )
        if not parts:
            return ""
        return self.env._(
            "Contact preferences: %(blocked)s. Check the history before "
            "contacting this person.",
            blocked="; ".join(parts),
        )

    @api.model
    def _action_open_events(self, partner_id, numbers, name):
        """Event history of a contact: its own events and its numbers'."""
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "callflow_odoo.callflow_preference_event_action"
        )
        domain = [("number", "in", list(numbers))]
        if partner_id:
            domain = ["|", ("partner_id", "=", partner_id), *domain]
        action.update(domain=domain, name=name, context={"create": False})
        return action
