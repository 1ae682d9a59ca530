import logging

from markupsafe import Markup
from psycopg2.extras import Json

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL
from odoo.tools.safe_eval import safe_eval
from odoo.tools.translate import html_translate

from ..tools.constants import OPEN_STATES
from ..tools.hours import set_days
from ..tools.list_rows import EntryRow, SourceRow, source_number
from ..tools.phone import NOT_A_NUMBER, number_time_zone
from ..tools.phone_errors import parse_error_message
from ..tools.purposes import PURPOSES

_logger = logging.getLogger(__name__)

# The records a list calls: its source_model, and the add wizard's.
SOURCE_MODELS = [("crm.lead", "Leads / Opportunities"), ("res.partner", "Contacts")]

WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
# The day checkboxes of the calling window and their ISO digits: a view of
# ``window_days``, turned into it by ``create``/``write``.
WINDOW_FLAGS = {f"window_{day}": str(n) for n, day in enumerate(WEEKDAYS, start=1)}
WINDOW_DAY_FLAG = {"compute": "_compute_window_day_flags", "readonly": False}
SOURCE_CHUNK = 20000
INSERT_CHUNK = 20000
ANALYZE_THRESHOLD = 10000


class CallflowList(models.Model):
    """A call list: who to call, for what, from which published number and
    under which rules (attempts, gaps, calling window in the recipient's
    local time)."""

    _name = "callflow.list"
    _description = "Call List"
    _inherit = ["mail.thread"]
    _order = "state_sequence, id desc"

    name = fields.Char(required=True, tracking=True)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    purpose = fields.Selection(
        PURPOSES,
        required=True,
        default="sales",
        tracking=True,
        help="Why these people are called. The ledger is checked for this "
        "purpose: a refusal for sales calls blocks sales lists only.",
    )
    caller_number_id = fields.Many2one(
        "callflow.caller.number",
        tracking=True,
        domain="[('is_published', '=', True), ('is_retired', '=', False),"
        " ('company_id', 'in', [company_id, False])]",
        help="The published number operators call from. Only numbers listed "
        "in the public directory and in service can be chosen, so every "
        "person called can look the number up.",
    )
    user_ids = fields.Many2many(
        "res.users",
        "callflow_list_user_rel",
        "list_id",
        "user_id",
        string="Operators",
        domain=lambda self: [
            (
                "groups_id",
                "in",
                self.env.ref("callflow_odoo.group_callflow_operator").id,
            )
        ],
        help="Who works this list. Operators only see the lists they are assigned to.",
    )
    team_id = fields.Many2one("crm.team", string="Sales Team")
    state = fields.Selection(
        [
            ("draft", "Draft"),
            ("running", "Running"),
            ("paused", "Paused"),
            ("done", "Done"),
        ],
        default="draft",
        required=True,
        tracking=True,
        copy=False,
    )
    state_sequence = fields.Integer(
        compute="_compute_state_sequence", store=True, export_string_translation=False
    )
    script = fields.Html(
        default=lambda self: self._default_script(),
        sanitize=True,
        translate=html_translate,
        help="Shown to operators during the call. It starts with the "
        "identification the law requires.",
    )
    # Rules
    max_attempts = fields.Integer(
        default=3, help="Attempts per entry before it is closed without a result."
    )
    min_gap_hours = fields.Float(
        string="Minimum Gap (hours)",
        default=4.0,
        help="Minimum time between two attempts on the same entry of this list.",
    )
    # The calling window, in the one representation of days and hours
    # (tools/hours.py); the day checkboxes of the form edit ``window_days``.
    window_days = fields.Char(
        string="Window Weekdays",
        default="12345",
        help="Days calls are allowed, as ISO weekday digits from 1 (Monday) "
        "to 7 (Sunday): 12345 is Monday to Friday. Set with the day checkboxes.",
    )
    window_mon = fields.Boolean("Monday", **WINDOW_DAY_FLAG)
    window_tue = fields.Boolean("Tuesday", **WINDOW_DAY_FLAG)
    window_wed = fields.Boolean("Wednesday", **WINDOW_DAY_FLAG)
    window_thu = fields.Boolean("Thursday", **WINDOW_DAY_FLAG)
    window_fri = fields.Boolean("Friday", **WINDOW_DAY_FLAG)
    window_sat = fields.Boolean("Saturday", **WINDOW_DAY_FLAG)
    window_sun = fields.Boolean("Sunday", **WINDOW_DAY_FLAG)
    window_from = fields.Float(
        string="Window Start",
        default=9.0,
        help="Earliest local time of the recipient (e.g. 9:00).",
    )
    window_to = fields.Float(
        string="Window End",
        default=20.0,
        help="Latest local time of the recipient (e.g. 20:00).",
    )
    # Source
    source_model = fields.Selection(
        SOURCE_MODELS,
        default="crm.lead",
        required=True,
    )
    source_domain = fields.Char(
        default="[]", help="Which leads or contacts belong to the list."
    )
    keep_in_sync = fields.Boolean(
        help="Add new matching records on a schedule (every hour) while the "
        "list is not done."
    )
    last_build = fields.Datetime(readonly=True, copy=False)
    stale_months = fields.Integer(
        string="Stale After (months)",
        help="Don't call numbers whose last confirmation is older than this; "
        "0: the company's setting.",
    )
    entry_ids = fields.One2many("callflow.list.entry", "list_id", string="Entries")
    # Counters
    entry_count = fields.Integer(compute="_compute_counters", string="Total")
    remaining_count = fields.Integer(compute="_compute_counters", string="Remaining")
    done_count = fields.Integer(compute="_compute_counters", string="Done")
    callback_due_count = fields.Integer(
        compute="_compute_counters", string="Callbacks Due"
    )
    suppressed_count = fields.Integer(compute="_compute_counters", string="Suppressed")
    invalid_count = fields.Integer(compute="_compute_counters", string="Invalid")
    progress = fields.Float(compute="_compute_counters", string="Progress (%)")
    call_count = fields.Integer("Calls", compute="_compute_call_count")

    _sql_constraints = [
        (
            "window_check",
            "CHECK(window_from >= 0 AND window_to <= 24 AND window_from < window_to)",
            "The calling window must start before it ends, within the day.",
        ),
        (
            "max_attempts_check",
            "CHECK(max_attempts > 0)",
            "A list needs at least one attempt per entry.",
        ),
    ]

    def _default_script(self):
        """Script template: the §16 identification comes first."""
        return Markup(
            "<h3>%s</h3><p>%s</p><p><em>%s</em></p><h3>%s</h3><p>…</p>"
            "<h3>%s</h3><p>…</p>"
        ) % (
            self.env._("1. Identify yourself (required first)"),
            self.env._(
                "“Hello, this is %(company)s. My name is [your name]. "
                "I am calling about [purpose of the call].”",
                company=self.env.company.name,
            ),
            self.env._(
                "Japan, Act on Specified Commercial Transactions §16: before "
                "anything else, say the company name, your own name, that the "
                "call is to sell and what you sell. If the person does not want "
                "the call, thank them, end the call and log “Refused”."
            ),
            self.env._("2. Reason for the call"),
            self.env._("3. Next step"),
        )

    def _translate_default_script(self):
        """Lists that keep the shipped script get it in every installed
        language, so that each operator reads it in their own: the default
        is written in the language of whoever created the list. Compared in
        the context's language; one UPDATE for all."""
        field = self._fields["script"]
        shipped = field.get_trans_terms(self._default_script())
        untouched = self.filtered(
            lambda rec: field.get_trans_terms(rec.script) == shipped
        )
        if not untouched:
            return
        langs = {code for code, _name in self.env["res.lang"].get_installed()}
        scripts = {
            lang: str(
                field.convert_to_cache(
                    self.with_context(lang=lang)._default_script(), untouched[:1]
                )
            )
            for lang in langs | {"en_US"}
        }
        untouched.flush_recordset(["script"])
        self.env.cr.execute(
            SQL(
                "UPDATE callflow_list SET script = %s WHERE id = ANY(%s)",
                Json(scripts),
                untouched.ids,
            )
        )
        untouched.invalidate_recordset(["script"])

    @api.depends("state")
    def _compute_state_sequence(self):
        order = {"running": 1, "paused": 2, "draft": 3, "done": 4}
        for rec in self:
            rec.state_sequence = order.get(rec.state, 5)

    @api.depends("window_days")
    def _compute_window_day_flags(self):
        for rec in self:
            for fname, digit in WINDOW_FLAGS.items():
                rec[fname] = digit in (rec.window_days or "")

    @api.model_create_multi
    def create(self, vals_list):
        default = self.default_get(["window_days"]).get("window_days")
        lists = super().create(
            [_window_flags_to_days(dict(vals), default) for vals in vals_list]
        )
        lists._translate_default_script()
        return lists

    def write(self, vals):
        if not WINDOW_FLAGS.keys() & vals.keys():
            return super().write(vals)
        for rec in self:  # each list keeps its other days
            super(CallflowList, rec).write(
                _window_flags_to_days(dict(vals), rec.window_days)
            )
        return True

    def _compute_counters(self):
        """All counters in one grouped query."""
        now = fields.Datetime.now()
        by_state = {}
        for lst, state, count in self.env["callflow.list.entry"]._read_group(
            [("list_id", "in", self.ids)], ["list_id", "state"], ["__count"]
        ):
            by_state[lst.id, state] = count
        due = dict(
            self.env["callflow.list.entry"]._read_group(
                [
                    ("list_id", "in", self.ids),
                    ("state", "=", "callback_due"),
                    ("next_attempt", "<=", now),
                ],
                ["list_id"],
                ["__count"],
            )
        )
        for rec in self:
            get = lambda state, rid=rec.id: by_state.get((rid, state), 0)
            total = sum(
                get(state)
                for state in (
                    "pending",
                    "in_call",
                    "callback_due",
                    "done",
                    "suppressed",
                    "invalid",
                )
            )
            rec.entry_count = total
            rec.remaining_count = sum(get(state) for state in OPEN_STATES)
            rec.done_count = get("done")
            rec.callback_due_count = due.get(rec, 0)
            rec.suppressed_count = get("suppressed")
            rec.invalid_count = get("invalid")
            callable_total = total - get("suppressed") - get("invalid")
            rec.progress = (
                100.0 * get("done") / callable_total if callable_total else 0.0
            )

    @api.constrains("caller_number_id", "company_id")
    def _check_caller_number(self):
        for rec in self:
            number = rec.caller_number_id
            if number and (not number.is_published or number.is_retired):
                raise ValidationError(
                    self.env._(
                        "List %(list)s: %(number)s is not a published number in "
                        "service. People must be able to look up the number "
                        "that calls them.",
                        list=rec.name,
                        number=number.display_name,
                    )
                )

    # ------------------------------------------------------------------
    # State buttons
    # ------------------------------------------------------------------
    def action_start(self):
        for rec in self:
            if not rec.caller_number_id:
                raise UserError(
                    self.env._(
                        "Choose the published caller number of list %(list)s "
                        "before starting it.",
                        list=rec.name,
                    )
                )
            if not rec.user_ids:
                raise UserError(
                    self.env._(
                        "Assign at least one operator to list %(list)s.",
                        list=rec.name,
                    )
                )
        self._check_caller_number()
        self.write({"state": "running"})

    def action_pause(self):
        self.write({"state": "paused"})
        self.env["callflow.list.entry"].search(
            [("list_id", "in", self.ids), ("state", "=", "in_call")]
        )._release()

    def action_done(self):
        self.action_pause()
        self.write({"state": "done"})

    def action_draft(self):
        self.write({"state": "draft"})

    def _compute_call_count(self):
        counts = dict(
            self.env["callflow.call"]._read_group(
                [("list_id", "in", self.ids)], ["list_id"], ["__count"]
            )
        )
        for rec in self:
            rec.call_count = counts.get(rec, 0)

    def action_view_entries(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "callflow_odoo.callflow_list_entry_action"
        )
        action["domain"] = [("list_id", "=", self.id)]
        action["context"] = {"default_list_id": self.id}
        return action

    def action_start_calling(self):
        """Open the dialer on the next entry of these lists."""
        return self.env["callflow.list.entry"].action_start_calling(list_ids=self.ids)

    def action_view_calls(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "callflow_odoo.callflow_call_action"
        )
        action["domain"] = [("list_id", "=", self.id)]
        return action

    # ------------------------------------------------------------------
    # Building
    # ------------------------------------------------------------------
    def action_build(self):
        added = 0
        for rec in self:
            added += rec._build_entries()
        message = self.env._("%(count)s entries added.", count=added)
        stale = self.env["callflow.list.entry"].search_count(
            [("list_id", "in", self.ids), ("is_stale", "=", True)]
        )
        if stale:
            message += " " + self.env._(
                "%(count)s held back as stale (no recent confirmation).",
                count=stale,
            )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": message,
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    def _source_domain(self):
        self.ensure_one()
        try:
            domain = safe_eval(self.source_domain or "[]")
        except Exception as exc:
            raise UserError(
                self.env._(
                    "The source filter of %(list)s is not valid.", list=self.name
                )
            ) from exc
        return domain

    def _build_entries(self, record_ids=None):
        """Add the source records matching the list's filter (or the given
        ``record_ids``) as entries; return how many were added.

        Set-based: source rows are read in chunks with SQL, numbers are
        parsed once per distinct (text, region), duplicates are merged, the
        ledger is asked once for all numbers, and entries are inserted in
        bulk.
        """
        self.ensure_one()
        Source = self.env[self.source_model]
        if record_ids is None:
            ids = Source.search(self._source_domain()).ids
        else:
            ids = Source.browse(record_ids).exists()._filtered_access("read").ids
        self.env.flush_all()
        seen_numbers, seen_records = self._existing_entries()
        todo = [i for i in ids if i not in seen_records]
        rows = self._apply_ledger(self._entry_rows(todo, seen_numbers))
        self._insert_entries(rows)
        self.env["callflow.list.entry"]._refresh_staleness(list_ids=self.ids)
        self.last_build = fields.Datetime.now()
        return len(rows)

    def _source_key(self):
        """The entry field that links to a source record."""
        return "lead_id" if self.source_model == "crm.lead" else "partner_id"

    def _existing_entries(self):
        """``(numbers, source record ids)`` already on the list."""
        self.env.cr.execute(
            SQL(
                "SELECT number, %s FROM callflow_list_entry WHERE list_id = %s",
                SQL.identifier(self._source_key()),
                self.id,
            )
        )
        numbers = set()
        records = set()
        for number, rid in self.env.cr.fetchall():
            if number:
                numbers.add(number)
            records.add(rid)
        return numbers, records

    def _entry_rows(self, ids, seen_numbers):
        """``EntryRow``s of the source records ``ids``, read in chunks: an
        invalid number gives an invalid entry, a number already seen (on
        the list or earlier in ``ids``) none. Adds to ``seen_numbers``."""
        company_region = (self.company_id.country_id.code or "").upper()
        company_tz = self.company_id.partner_id.tz or self.env.user.tz or "UTC"
        is_lead = self.source_model == "crm.lead"
        rows = []
        for start in range(0, len(ids), SOURCE_CHUNK):
            self.env.cr.execute(self._source_query(ids[start : start + SOURCE_CHUNK]))
            for source in map(SourceRow._make, self.env.cr.fetchall()):
                region = (source.country_code or company_region or "").upper()
                parsed = source_number(source.phone, source.mobile, region)
                if parsed.number in seen_numbers:
                    continue
                if parsed.number:
                    seen_numbers.add(parsed.number)
                    state, reason = "pending", None
                    tz = source.tz or number_time_zone(parsed.number) or company_tz
                else:
                    state, reason = "invalid", self._invalid_reason(parsed.error)
                    tz = source.tz or company_tz
                rows.append(
                    EntryRow(
                        partner_id=source.partner_id if is_lead else source.id,
                        lead_id=source.id if is_lead else None,
                        name=source.name,
                        raw=parsed.raw,
                        number=parsed.number,
                        state=state,
                        reason=reason,
                        tz=tz,
                    )
                )
        return rows

    def _apply_ledger(self, rows):
        """The rows with the numbers the ledger blocks for the list's
        purpose turned into suppressed entries, with the reason."""
        State = self.env["callflow.preference.state"]
        blocked = State._check_numbers(
            [r.number for r in rows if r.number], "call", self.purpose
        )
        if not blocked:
            return rows
        labels = {code: State._reason_label(code) for code in set(blocked.values())}
        return [
            r._replace(state="suppressed", reason=labels[blocked[r.number]])
            if r.number in blocked
            else r
            for r in rows
        ]

    def _invalid_reason(self, reason):
        return parse_error_message(self.env, reason or NOT_A_NUMBER)

    def _source_query(self, ids):
        """Rows (id, partner_id, name, phone, mobile, country code, tz)."""
        if self.source_model == "crm.lead":
            return SQL(
                """
                SELECT l.id, l.partner_id,
                       COALESCE(NULLIF(l.contact_name, ''), p.name, l.name),
                       l.phone, l.mobile,
                       COALESCE(c.code, pc.code), p.tz
                  FROM crm_lead l
             LEFT JOIN res_partner p ON p.id = l.partner_id
             LEFT JOIN res_country c ON c.id = l.country_id
             LEFT JOIN res_country pc ON pc.id = p.country_id
                 WHERE l.id = ANY(%s)
              ORDER BY l.id
                """,
                ids,
            )
        return SQL(
            """
            SELECT p.id, p.id, p.complete_name, p.phone, p.mobile, c.code, p.tz
              FROM res_partner p
         LEFT JOIN res_country c ON c.id = p.country_id
             WHERE p.id = ANY(%s)
          ORDER BY p.id
            """,
            ids,
        )

    def _insert_entries(self, rows):
        """Bulk INSERT ... SELECT FROM unnest() of ``EntryRow``s: one
        statement per chunk."""
        if not rows:
            return
        cr = self.env.cr
        uid = self.env.uid
        for start in range(0, len(rows), INSERT_CHUNK):
            chunk = rows[start : start + INSERT_CHUNK]
            cr.execute(
                SQL(
                    """
                    INSERT INTO callflow_list_entry
                           (list_id, company_id, partner_id, lead_id, name,
                            raw_number, number, state, state_reason, tz,
                            priority, attempt_count, create_uid, write_uid,
                            create_date, write_date)
                    SELECT %(list)s, %(company)s, u.partner_id, u.lead_id, u.name,
                           u.raw, u.number, u.state, u.reason, u.tz,
                           '0', 0, %(uid)s, %(uid)s,
                           now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'
                      FROM unnest(%(p)s::int[], %(l)s::int[], %(n)s::varchar[],
                                  %(r)s::varchar[], %(e)s::varchar[],
                                  %(s)s::varchar[], %(why)s::varchar[],
                                  %(tz)s::varchar[])
                           AS u(partner_id, lead_id, name, raw, number, state,
                                reason, tz)
                    """,
                    list=self.id,
                    company=self.company_id.id,
                    uid=uid,
                    p=[r.partner_id for r in chunk],
                    l=[r.lead_id for r in chunk],
                    n=[r.name for r in chunk],
                    r=[r.raw for r in chunk],
                    e=[r.number for r in chunk],
                    s=[r.state for r in chunk],
                    why=[r.reason for r in chunk],
                    tz=[r.tz for r in chunk],
                )
            )
        if len(rows) >= ANALYZE_THRESHOLD:
            # fresh statistics, or the planner keeps the plans of an empty
            # table and picking reads the whole list
            cr.execute(SQL("ANALYZE callflow_list_entry"))
        self.env["callflow.list.entry"].invalidate_model()
        self.invalidate_recordset()

    @api.model
    def _cron_sync_lists(self):
        """Add new matches to the lists that keep in sync."""
        for rec in self.search([("keep_in_sync", "=", True), ("state", "!=", "done")]):
            try:
                with self.env.cr.savepoint():
                    rec._build_entries()
            except Exception:
                _logger.exception("Callflow: could not sync call list %s", rec.id)


def _window_flags_to_days(vals, days):
    """``vals`` with its day checkboxes turned into ``window_days``; the days
    neither ticked nor unticked keep what ``days`` (or a given
    ``window_days``) says."""
    flags = {WINDOW_FLAGS[f]: bool(vals.pop(f)) for f in WINDOW_FLAGS if f in vals}
    if flags:
        vals["window_days"] = set_days(vals.get("window_days", days), flags)
    return vals
