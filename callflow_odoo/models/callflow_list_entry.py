from datetime import timedelta

import pytz

from odoo import api, fields, models
from odoo.exceptions import AccessError, ValidationError

from ..tools import dialer_sql
from ..tools.constants import ENTRY_STATES
from ..tools.phone import display_number

# What an operator may edit on an entry by hand (the notes of the dialer
# screen). Everything else - state, attempts, holds, callbacks, the number -
# moves only through the dialer's methods.
OPERATOR_WRITABLE_FIELDS = frozenset({"note"})
MANAGER_GROUP = "callflow_odoo.group_callflow_manager"


class CallflowListEntry(models.Model):
    """One person to call on one list, with the state of the attempts."""

    _name = "callflow.list.entry"
    _inherit = ["callflow.complaint.mixin"]
    _description = "Call List Entry"
    _order = "list_id, priority desc, attempt_count, id"
    _rec_name = "name"

    list_id = fields.Many2one(
        "callflow.list", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(
        related="list_id.company_id", store=True, index=True, readonly=True
    )
    list_state = fields.Selection(related="list_id.state", string="List Status")
    purpose = fields.Selection(related="list_id.purpose")
    name = fields.Char(help="Who is called: the contact or lead name.")
    partner_id = fields.Many2one(
        "res.partner", string="Contact", index="btree_not_null"
    )
    lead_id = fields.Many2one("crm.lead", index="btree_not_null")
    number = fields.Char(
        index=True, help="The number to dial, normalised to E.164 (+81…)."
    )
    raw_number = fields.Char(string="Number as Typed")
    state = fields.Selection(ENTRY_STATES, default="pending", required=True, index=True)
    state_reason = fields.Char(
        string="Reason",
        help="Why the entry is suppressed, invalid or done (the ledger's "
        "reason, the parsing error, the last result).",
    )
    attempt_count = fields.Integer(string="Attempts", default=0)
    last_attempt = fields.Datetime()
    next_attempt = fields.Datetime(
        string="Callback At", help="When the person asked to be called back."
    )
    operator_id = fields.Many2one(
        "res.users",
        string="Assigned Operator",
        help="Only this operator gets the entry (a callback stays with the "
        "operator who promised it, for an hour past its time).",
    )
    held_by_id = fields.Many2one("res.users", readonly=True)
    skipped_at = fields.Datetime(
        string="Skipped",
        readonly=True,
        index="btree_not_null",
        help="An operator skipped the entry: it waits behind the others "
        "until its next attempt is logged.",
    )
    held_since = fields.Datetime(readonly=True)
    priority = fields.Selection(
        [("0", "Normal"), ("1", "Medium"), ("2", "High"), ("3", "Very High")],
        default="0",
    )
    last_result_id = fields.Many2one("callflow.call.result")
    tz = fields.Char(
        string="Time Zone",
        help="The recipient's time zone: the calling window applies in it. "
        "From the contact, else from the number, else the company's.",
    )
    is_stale = fields.Boolean(
        string="Stale",
        readonly=True,
        index=True,
        help="Held back: nobody confirmed the number recently (see the "
        "company's and the list's stale setting).",
    )
    confirmed_date = fields.Datetime(
        string="Last Confirmed",
        readonly=True,
        help="Of a number held back as stale (or put back): its last "
        "connected call, opt-in from the person, registration or "
        "re-confirmation; without any, when the number first appeared.",
    )
    reconfirm_sent_at = fields.Datetime(
        string="Re-confirmation Sent",
        readonly=True,
        help="When a re-confirmation SMS was sent to this stale number.",
    )
    blocked_reason = fields.Char(
        compute="_compute_blocked_reason",
        search="_search_blocked_reason",
        string="Blocked Now",
        help="Why the entry cannot be called at this moment (company caps, "
        "gap, calling window).",
    )
    provenance = fields.Char(
        string="Number obtained",
        compute="_compute_provenance",
        help="Where and when the number was obtained, from its first contact "
        "preference event.",
    )

    # The operator's side of an entry: the dialer screen and its buttons.
    call_ids = fields.One2many("callflow.call", "entry_id", "Calls")
    preference_warning = fields.Char(
        "Preference on record", compute="_compute_preference_warning"
    )
    list_script = fields.Html(related="list_id.script", string="Call script")
    caller_number_display = fields.Char(
        related="list_id.caller_number_id.number_international", string="Call from"
    )
    caller_number_label = fields.Char(
        related="list_id.caller_number_id.name", string="Caller number"
    )
    commercial_partner_id = fields.Many2one(
        related="partner_id.commercial_partner_id", string="Customer company"
    )
    note = fields.Text("Notes", help="Notes about this person, kept on the entry.")
    number_display = fields.Char(
        "Number to Call",
        compute="_compute_number_display",
        help="The number as people read it: national for the company's "
        "country, international otherwise.",
    )
    show_commercial_partner = fields.Boolean(compute="_compute_show_commercial_partner")
    voice_enabled = fields.Boolean(
        compute="_compute_voice_enabled",
        help="A voice provider places the calls (Settings > Callflow > Voice).",
    )

    _sql_constraints = [
        (
            "number_list_unique",
            "UNIQUE(list_id, number)",
            "A number appears only once in a list.",
        ),
    ]

    def init(self):
        self.env.cr.execute(dialer_sql.pick_indexes())
        self.env["callflow.dialer.hold"]._init_one_hold_per_number()

    def write(self, vals):
        self._check_dialer_fields(vals)
        return super().write(vals)

    def _check_dialer_fields(self, vals):
        """Refuse an operator's direct write to anything but the notes.

        Operators need write access to entries (the dialer screen saves its
        notes), but an entry's state, attempt count, hold and callback are
        the dialer's to change: written over RPC they would reset the
        attempts cap or take an entry another operator holds. The dialer's
        methods check the operator's right to the entry and then write as
        superuser (``sudo()``), which no RPC caller can obtain. A context key
        would not do: ``/web/dataset/call_kw`` passes any context the caller
        sends. Field ``groups`` would not do either: operators must still
        read these fields.
        """
        if self.env.su or self.env.user.has_group(MANAGER_GROUP):
            return
        protected = set(vals) - self._operator_writable_fields()
        if protected:
            raise AccessError(
                self.env._(
                    "Call list entries change through the dialer (log a "
                    "result, skip, pause); an operator may only edit the "
                    "notes. Refused fields: %(fields)s",
                    fields=", ".join(sorted(protected)),
                )
            )

    @api.model
    def _operator_writable_fields(self):
        """Fields an operator may write directly (extend to add one)."""
        return OPERATOR_WRITABLE_FIELDS

    def _dialer_write(self, vals):
        """Write dialer fields after checking ``env.user``'s right to write
        these entries (record rules: the lists they work) and that no other
        operator holds them."""
        self.check_access("write")
        if not (self.env.su or self.env.user.has_group(MANAGER_GROUP)):
            taken = self.filtered(
                lambda e: (
                    e.state == "in_call"
                    and e.held_by_id
                    and e.held_by_id != self.env.user
                )
            )
            if taken:
                raise AccessError(
                    self.env._(
                        "%(entry)s is being called by %(user)s.",
                        entry=taken[0].display_name,
                        user=taken[0].held_by_id.name or "-",
                    )
                )
        # sudo: the dialer fields are refused to operators' direct writes
        # (see _check_dialer_fields); access was checked just above.
        return self.sudo().write(vals)

    @api.constrains("tz")
    def _check_tz(self):
        for rec in self:
            if rec.tz and rec.tz not in pytz.all_timezones_set:
                raise ValidationError(
                    self.env._("%(tz)s is not a time zone.", tz=rec.tz)
                )

    # ------------------------------------------------------------------
    # After the call
    # ------------------------------------------------------------------
    def _register_attempt(self, result=None, outcome=None, callback_at=None):
        """Count an attempt and move the entry on; releases the hold.

        :param result: ``callflow.call.result`` (optional)
        :param outcome: technical outcome (``no_answer``, ``answered``…)
        :param callback_at: datetime (UTC, naive) of a promised callback
        """
        now = fields.Datetime.now()
        Dialer = self.env["callflow.dialer"]
        for entry in self:
            entry._dialer_write(Dialer._attempt_vals(entry, result, callback_at, now))
        self.env["callflow.number.attempt"]._log(self, outcome, now)
        return True

    def _release(self, skip=False):
        """Drop the hold without counting an attempt; ``skip`` puts the
        entries behind the others in the queue."""
        held = self.filtered(lambda e: e.state == "in_call")
        if not (self.env.su or self.env.user.has_group(MANAGER_GROUP)):
            # An operator gives back only what they hold themselves.
            held = held.filtered(lambda e: e.held_by_id == self.env.user)
        if skip:
            held._dialer_write({"skipped_at": fields.Datetime.now()})
        callbacks = held.filtered("next_attempt")
        callbacks._dialer_write(
            {"state": "callback_due", "held_by_id": False, "held_since": False}
        )
        (held - callbacks)._dialer_write(
            {"state": "pending", "held_by_id": False, "held_since": False}
        )
        return True

    @api.model
    def _cron_release_stale_holds(self):
        """Give back the entries of operators who walked away."""
        timeout = self.env["callflow.dialer"]._hold_timeout()
        stale = fields.Datetime.now() - timedelta(minutes=timeout)
        self.search([("state", "=", "in_call"), ("held_since", "<", stale)])._release()

    def action_release(self):
        self._release()

    # ------------------------------------------------------------------
    # Why not callable now (managers' view of the caps)
    # ------------------------------------------------------------------
    def _compute_blocked_reason(self):
        Dialer = self.env["callflow.dialer"]
        reasons = Dialer._blocked_reasons(self.ids) if self.ids else {}
        for entry in self:
            entry.blocked_reason = reasons.get(entry.id, False)

    def _search_blocked_reason(self, operator, value):
        return self.env["callflow.dialer"]._blocked_domain(operator, value)

    @api.model
    def _cron_refresh_staleness(self):
        """Daily: numbers age even when nothing happens."""
        lists = self.env["callflow.list"].search([("state", "!=", "done")])
        if lists:
            Confirmation = self.env["callflow.number.confirmation"]
            Confirmation._refresh_staleness(list_ids=lists.ids)

    @api.depends("number")
    def _compute_provenance(self):
        Mixin = self.env["callflow.preference.mixin"]
        found = Mixin._callflow_provenance(self.mapped("number"))
        for entry in self:
            first = found.get(entry.number)
            entry.provenance = first and first["label"]

    # ------------------------------------------------------------------
    # Dialer screen
    # ------------------------------------------------------------------
    def _compute_preference_warning(self):
        """Any block on record for the number (any purpose), in one query."""
        Preference = self.env["callflow.preference.state"]
        blocked = Preference._check_numbers(
            [n for n in self.mapped("number") if n], "call"
        )
        for rec in self:
            code = blocked.get(rec.number)
            rec.preference_warning = Preference._reason_label(code) if code else False

    def _action_open_dialer(self):
        self.ensure_one()
        view = self.env.ref("callflow_odoo.callflow_list_entry_view_form_dialer")
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Calling"),
            "res_model": "callflow.list.entry",
            "res_id": self.id,
            "view_mode": "form",
            "views": [(view.id, "form")],
            "target": "current",
        }

    @api.model
    def action_start_calling(self, list_ids=None):
        """Open the dialer on the entry this operator holds, else the next."""
        domain = [("state", "=", "in_call"), ("held_by_id", "=", self.env.uid)]
        if list_ids:
            domain.append(("list_id", "in", list_ids))
        Dialer = self.env["callflow.dialer"]
        entry = self.search(domain, limit=1) or Dialer._pick_next(list_ids)
        return (
            entry._action_open_dialer() if entry else Dialer._action_nothing_to_call()
        )

    def action_log_result(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Log result"),
            "res_model": "callflow.call.log",
            "view_mode": "form",
            "target": "new",
            "context": {"default_entry_id": self.id},
        }

    def action_skip(self):
        """Give this entry back behind the others and open the next one."""
        self.ensure_one()
        list_ids = self.list_id.ids
        self._release(skip=True)
        Dialer = self.env["callflow.dialer"]
        nxt = Dialer._pick_next(list_ids)
        return nxt._action_replace_dialer() if nxt else Dialer._action_nothing_to_call()

    def action_pause(self):
        """Give the entry back and stop calling."""
        self.filtered(lambda e: e.state == "in_call")._release()
        return self.env["ir.actions.act_window"]._for_xml_id(
            "callflow_odoo.callflow_list_action"
        )

    @api.depends("number", "company_id.country_id")
    def _compute_number_display(self):
        for entry in self:
            entry.number_display = display_number(
                entry.number, entry.company_id.country_id.code
            )

    @api.depends("partner_id", "commercial_partner_id")
    def _compute_show_commercial_partner(self):
        """The customer company says something only when it is another
        record than the person called (a contact of a company)."""
        for entry in self:
            entry.show_commercial_partner = bool(
                entry.commercial_partner_id
                and entry.commercial_partner_id != entry.partner_id
            )

    def _action_replace_dialer(self):
        """The dialer on this entry in place of the current screen: calling
        person after person keeps one breadcrumb level, not one per call."""
        action = self._action_open_dialer()
        action["target"] = "main"
        return action

    def _compute_voice_enabled(self):
        self.voice_enabled = (
            self.env["callflow.voice"]._config()["provider"] != "manual"
        )

    def action_voice_call(self):
        """Call the person through the voice provider (callflow.voice)."""
        self.ensure_one()
        return self.env["callflow.voice"]._call_entry(self)
