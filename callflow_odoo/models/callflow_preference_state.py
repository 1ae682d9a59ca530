from odoo import api, fields, models
from odoo.tools import SQL

from ..tools.phone import format_number
from ..tools.preference_sql import (
    REASON_RANK,
    ledger_blocks_sql,
    mail_blacklist_sql,
    reason_rank_sql,
)


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
    # Where the number came from: its first event in the ledger. Not stored
    # (the row is upserted by concurrent opt-outs and must not be rewritten
    # by each event).
    provenance_source = fields.Selection(
        selection="_selection_provenance_source",
        string="Obtained from",
        compute="_compute_provenance",
        help="Where the number first reached the ledger: event registration, "
        "contact form, import, operator, opt-out page...",
    )
    provenance_date = fields.Datetime(
        string="Obtained on",
        compute="_compute_provenance",
        help="When the number's first ledger event was recorded.",
    )
    provenance = fields.Char(
        compute="_compute_provenance",
        help="Where and when the number was obtained, with its evidence.",
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

    @api.model
    def _selection_provenance_source(self):
        # The ledger's sources, with those other addons add.
        return self.env["callflow.preference.event"]._fields["source"].selection

    def _compute_provenance(self):
        Mixin = self.env["callflow.preference.mixin"]
        found = Mixin._callflow_provenance(self.mapped("number"))
        for state in self:
            first = found.get(state.number)
            state.provenance_source = first and first["source"]
            state.provenance_date = first and first["date"]
            state.provenance = first and first["label"]

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
            ledger=ledger_blocks_sql(numbers, channel, purpose),
            blacklist=self._blacklist_blocks_sql(numbers, channel, include_blacklist),
        )
        self.env["callflow.preference.state.line"].flush_model()
        self.env["callflow.preference.event"].flush_model()
        self.env["phone.blacklist"].flush_model(["number", "active"])
        self.env.cr.execute(query)
        return dict(self.env.cr.fetchall())

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
            # what mail_blacklist_sql reads
            self.env["callflow.preference.event"].flush_model(["number", "email"])
            self.env["res.partner"].flush_model(["email_normalized"])
            self.env["mail.blacklist"].flush_model(["email", "active"])
            self.flush_model(["number", "partner_id"])
            blacklist = SQL("%s %s", blacklist, mail_blacklist_sql(numbers))
        return blacklist

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

    def action_export_ledger(self):
        """Everything the ledger holds for this number."""
        self.ensure_one()
        return self.env["callflow.ledger.export"]._action_open(number=self.number)
