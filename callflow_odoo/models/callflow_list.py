from markupsafe import Markup
from psycopg2.extras import Json

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL
from odoo.tools.translate import html_translate

from ..tools.complaints import SKIP_HELP
from ..tools.constants import OPEN_STATES
from ..tools.hours import WINDOW_DAY_FLAG, WINDOW_FLAGS, window_flags_to_days
from ..tools.purposes import PURPOSES
from ..tools.voice import POWER_HELP

# The records a list calls: its source_model, and the add wizard's.
SOURCE_MODELS = [("crm.lead", "Leads / Opportunities"), ("res.partner", "Contacts")]


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
    record_calls = fields.Boolean(help="Announce, then record voice calls.")
    recording_announcement = fields.Char("Announcement", translate=True)
    # Power mode (issue #13): the dialer dials the next person by itself.
    power_mode = fields.Boolean("Power mode", help=POWER_HELP[0])
    wrap_up_seconds = fields.Integer("Wrap-up (s)", default=10, help=POWER_HELP[1])
    ring_timeout_seconds = fields.Integer(
        "Ring timeout (s)", default=25, help=POWER_HELP[2]
    )
    # Complaints (issue #14): people with a recent complaint wait.
    skip_complaints = fields.Boolean("Skip recent complaints", help=SKIP_HELP[0])
    skip_complaint_days = fields.Integer("Days to skip", default=90, help=SKIP_HELP[1])

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
            [window_flags_to_days(dict(vals), default) for vals in vals_list]
        )
        lists._translate_default_script()
        return lists

    def write(self, vals):
        if not WINDOW_FLAGS.keys() & vals.keys():
            return super().write(vals)
        for rec in self:  # each list keeps its other days
            super(CallflowList, rec).write(
                window_flags_to_days(dict(vals), rec.window_days)
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
        return self.env["callflow.list.builder"]._action_build(self)

    def _build_entries(self, record_ids=None):
        """Add the source records matching the list's filter (or the given
        ``record_ids``) as entries; return how many were added."""
        return self.env["callflow.list.builder"]._build_entries(self, record_ids)

    @api.model
    def _cron_sync_lists(self):
        """Add new matches to the lists that keep in sync."""
        return self.env["callflow.list.builder"]._cron_sync_lists()
