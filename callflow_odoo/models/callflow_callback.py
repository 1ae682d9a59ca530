from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

from ..tools.phone import display_number

GRACE_PARAM = "callflow_odoo.callback_grace_minutes"
DEFAULT_GRACE = 15
SNOOZE_MINUTES = 10
MANAGER_GROUP = "callflow_odoo.group_callflow_manager"
CRON_XMLID = "callflow_odoo.ir_cron_callflow_callbacks"
# How far ahead the web client plans its timers (its own precision: the
# cron runs every minute).
UPCOMING = timedelta(minutes=15)


class CallflowCallback(models.AbstractModel):
    """Callbacks at their minute: the assigned operator hears "Call back
    <name> now" on the bus when a promised callback is due, and the list's
    manager hears it after a grace period when that operator was offline.
    A service of its own so that the dialer keeps the queue and the entry
    its fields; what it remembers is in ``callflow.callback.notice``."""

    _name = "callflow.callback"
    _description = "Callflow callbacks at their minute"

    # ------------------------------------------------------------------
    # Settings and scheduling
    # ------------------------------------------------------------------
    @api.model
    def _grace(self):
        """The grace period before a manager hears of an offline operator's
        due callback (Settings, minutes)."""
        value = (
            self.env["ir.config_parameter"].sudo().get_param(GRACE_PARAM)
        )  # sudo: a system parameter, read when callbacks are due
        try:
            minutes = max(int(value), 0) if value else DEFAULT_GRACE
        except ValueError:
            minutes = DEFAULT_GRACE
        return timedelta(minutes=minutes)

    @api.model
    def _schedule(self, times):
        """Run the callbacks cron at each of ``times`` (UTC, naive), not
        only on its minute tick."""
        times = [t for t in times if t]
        if not times:
            return
        cron = self.env.ref(CRON_XMLID, raise_if_not_found=False)
        if cron:
            # sudo: operators logging a callback may not write cron
            # triggers; the trigger only runs the cron earlier.
            cron.sudo()._trigger(at=sorted(set(times)))

    # ------------------------------------------------------------------
    # The cron
    # ------------------------------------------------------------------
    @api.model
    def _cron_notify(self):
        """Every minute (and at each logged callback's time): tell the
        operators whose callbacks are due, once per callback time, and the
        managers of those an offline operator left past the grace period."""
        now = fields.Datetime.now()
        self.env["callflow.list.entry"].flush_model()
        due = self._claim_due(now)
        if due:
            self._notify_operators(due)
            self._plan_escalations(due, now)
        late = self._claim_escalations(now)
        if late:
            self._notify_managers(late)

    @api.model
    def _claim_due(self, now):
        """Mark the due callbacks nobody was told of as notified, in one
        statement, and return them. A callback is told of once per time:
        snoozed or logged anew, its time passes its mark and it is due
        again."""
        self.env["callflow.callback.notice"].flush_model()
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO callflow_callback_notice (entry_id, notified_at)
                SELECT e.id, %(now)s
                  FROM callflow_list_entry e
             LEFT JOIN callflow_callback_notice n ON n.entry_id = e.id
                 WHERE e.state = 'callback_due'
                   AND e.operator_id IS NOT NULL
                   AND e.next_attempt <= %(now)s
                   AND (n.notified_at IS NULL OR n.notified_at < e.next_attempt)
                ON CONFLICT (entry_id) DO UPDATE
                   SET notified_at = EXCLUDED.notified_at, escalate_at = NULL
             RETURNING entry_id
                """,
                now=now,
            )
        )
        ids = [row[0] for row in self.env.cr.fetchall()]
        self.env["callflow.callback.notice"].invalidate_model()
        return self.env["callflow.list.entry"].browse(ids)

    @api.model
    def _offline_operators(self, users):
        """The ``users`` not online now (Odoo presence), in one query."""
        if not users:
            return users
        self.env["bus.presence"].flush_model()
        self.env.cr.execute(
            SQL(
                """
                SELECT u.id FROM res_users u
                 WHERE u.id = ANY(%(ids)s)
                   AND NOT EXISTS (SELECT 1 FROM bus_presence p
                                    WHERE p.user_id = u.id
                                      AND p.status = 'online')
                """,
                ids=users.ids,
            )
        )
        return users.browse([row[0] for row in self.env.cr.fetchall()])

    @api.model
    def _plan_escalations(self, entries, now):
        """The callbacks of operators offline at their time: their manager
        hears of them once the grace period is over (unless the callback
        was made, snoozed or reassigned meanwhile)."""
        offline = self._offline_operators(entries.operator_id)
        late = entries.filtered(lambda e: e.operator_id in offline)
        if not late:
            return
        grace = self._grace()
        self.env.cr.execute(
            SQL(
                """
                UPDATE callflow_callback_notice n
                   SET escalate_at = e.next_attempt + %(grace)s
                  FROM callflow_list_entry e
                 WHERE e.id = n.entry_id AND n.entry_id = ANY(%(ids)s)
             RETURNING n.escalate_at
                """,
                grace=grace,
                ids=late.ids,
            )
        )
        times = [row[0] for row in self.env.cr.fetchall()]
        self.env["callflow.callback.notice"].invalidate_model()
        self._schedule([t for t in times if t > now])

    @api.model
    def _claim_escalations(self, now):
        """The still-due callbacks whose grace period is over, cleared so
        that they are told once."""
        self.env.cr.execute(
            SQL(
                """
                UPDATE callflow_callback_notice n
                   SET escalate_at = NULL
                  FROM callflow_list_entry e
                 WHERE e.id = n.entry_id AND n.escalate_at <= %(now)s
             RETURNING n.entry_id, e.state = 'callback_due'
                """,
                now=now,
            )
        )
        ids = [entry_id for entry_id, still_due in self.env.cr.fetchall() if still_due]
        self.env["callflow.callback.notice"].invalidate_model()
        return self.env["callflow.list.entry"].browse(ids)

    # ------------------------------------------------------------------
    # The notifications
    # ------------------------------------------------------------------
    @api.model
    def _payload(self, entry):
        """What the web client shows of a callback (``callflow.callback/due``)."""
        return {
            "entry_id": entry.id,
            "name": entry.display_name,
            "number": entry.number or "",
            "number_display": display_number(
                entry.number, entry.company_id.country_id.code
            )
            or "",
            "list": entry.list_id.name,
            "list_id": entry.list_id.id,
            "callback_at": fields.Datetime.to_string(entry.next_attempt),
            "operator_id": entry.operator_id.id,
            "operator": entry.operator_id.name or "",
        }

    @api.model
    def _plan(self, entries):
        """Tell the operators' open web clients of these callbacks' new
        time (``callflow.callback/planned``): they show each at its minute,
        before the cron's tick."""
        for entry in entries.sudo():  # sudo: the list's name, for the payload
            if entry.operator_id:
                entry.operator_id._bus_send(
                    "callflow.callback/planned", self._payload(entry)
                )

    @api.model
    def _notify_operators(self, entries):
        """One bus notification per due callback, to its operator."""
        for entry in entries.sudo():  # sudo: the cron's run reads any list
            entry.operator_id._bus_send("callflow.callback/due", self._payload(entry))

    @api.model
    def _managers(self, call_list):
        """Who hears of an offline operator's callback: the leader of the
        list's sales team when they manage Callflow, else the company's
        Callflow managers."""
        group = self.env.ref(MANAGER_GROUP)
        leader = call_list.team_id.user_id
        if leader and group in leader.groups_id:
            return leader
        return group.users.filtered(
            lambda u: not u.share and call_list.company_id in u.company_ids
        )

    @api.model
    def _notify_managers(self, entries):
        """Each late callback to its list's managers: a bus notification and
        an activity on the person's lead or contact."""
        Activity = self.env["mail.activity"].sudo()  # sudo: the cron's run
        for entry in entries.sudo():  # sudo: the cron's run reads any list
            managers = self._managers(entry.list_id)
            payload = dict(self._payload(entry), escalated=True)
            for manager in managers:
                manager._bus_send("callflow.callback/late", payload)
            record = entry.lead_id or entry.partner_id
            if not (record and managers):
                continue
            Activity.create(
                [
                    {
                        "res_model_id": self.env["ir.model"]._get_id(record._name),
                        "res_id": record.id,
                        "activity_type_id": self.env.ref(
                            "mail.mail_activity_data_call"
                        ).id,
                        # In the manager's language: the cron's is English.
                        "summary": self.with_context(lang=manager.lang).env._(
                            "Callback missed: %(operator)s was offline (%(list)s)",
                            operator=entry.operator_id.name,
                            list=entry.list_id.name,
                        ),
                        "user_id": manager.id,
                        "date_deadline": fields.Date.context_today(self),
                    }
                    for manager in managers
                ]
            )

    # ------------------------------------------------------------------
    # For the web client
    # ------------------------------------------------------------------
    @api.model
    def upcoming(self):
        """The user's callbacks due now or within the next minutes, for the
        web client's timers: a callback shows at its very minute, and one
        that fell due while the user was away shows when they come back."""
        if not self.env.user.has_group("callflow_odoo.group_callflow_operator"):
            return []
        Entry = self.env["callflow.list.entry"]
        entries = Entry.search(
            [
                ("state", "=", "callback_due"),
                ("operator_id", "=", self.env.uid),
                ("next_attempt", "<=", fields.Datetime.now() + UPCOMING),
            ],
            order="next_attempt",
            limit=10,
        )
        return [self._payload(entry) for entry in entries]

    # ------------------------------------------------------------------
    # The notification's buttons (and the reassign dialog)
    # ------------------------------------------------------------------
    @api.model
    def _callback_entry(self, entry_id):
        """The callback ``entry_id``, if the user may move it: its operator
        or a manager (record rules apply), and still waiting."""
        entry = self.env["callflow.list.entry"].browse(int(entry_id)).exists()
        if not entry:
            raise UserError(self.env._("This callback no longer exists."))
        entry.check_access("write")
        user = self.env.user
        if not (self.env.su or user.has_group(MANAGER_GROUP)) and (
            entry.operator_id != user
        ):
            raise AccessError(
                self.env._(
                    "%(entry)s is a callback of %(user)s: only they or a "
                    "manager may move it.",
                    entry=entry.display_name,
                    user=entry.operator_id.name or "-",
                )
            )
        if entry.state != "callback_due":
            raise UserError(
                self.env._(
                    "%(entry)s is no callback waiting to be made.",
                    entry=entry.display_name,
                )
            )
        return entry

    @api.model
    def _notices(self, entries):
        # sudo: the notices are the cron's bookkeeping, moved with the
        # entry the user was allowed to move (see _callback_entry).
        return (
            self.env["callflow.callback.notice"]
            .sudo()
            .search([("entry_id", "in", entries.ids)])
        )

    @api.model
    def snooze(self, entry_id, minutes=SNOOZE_MINUTES):
        """Call back ``minutes`` later (from now): told again then. Returns
        the new time, as the web client shows it."""
        entry = self._callback_entry(entry_id)
        when = fields.Datetime.now().replace(microsecond=0) + timedelta(
            minutes=int(minutes)
        )
        entry._dialer_write({"next_attempt": when})
        self._notices(entry).write({"escalate_at": False})
        self._schedule([when])
        return fields.Datetime.to_string(when)

    @api.model
    def reassign(self, entry_id, user_id):
        """Give the callback to ``user_id``, who must work its list (record
        rules: they must see the entry); told at once when it is due."""
        entry = self._callback_entry(entry_id)
        user = self.env["res.users"].browse(int(user_id)).exists()
        if not user:
            raise UserError(self.env._("Choose the operator to call back."))
        # As the new operator, in their companies (not the caller's).
        as_user = entry.with_user(user).with_context(
            allowed_company_ids=user.company_ids.ids
        )
        if not as_user.has_access("read"):
            raise AccessError(
                self.env._(
                    "%(user)s does not work the list %(list)s.",
                    user=user.name,
                    list=entry.list_id.name,
                )
            )
        entry._dialer_write({"operator_id": user.id})
        self._notices(entry).unlink()
        self._schedule([max(entry.next_attempt, fields.Datetime.now())])
        self._plan(entry)
        return True

    @api.model
    def call(self, entry_id):
        """The dialer on the callback, held for the user as a pick would
        hold it (eligibility, ledger, one hold per number); when it cannot
        be held now, the dialer on what the user holds or may call next."""
        entry = self._callback_entry(entry_id)
        Entry = self.env["callflow.list.entry"]
        Dialer = self.env["callflow.dialer"]
        held = Entry.search(
            [("state", "=", "in_call"), ("held_by_id", "=", self.env.uid)], limit=1
        )
        if not held:
            self.env.flush_all()
            now = fields.Datetime.now()
            eligible = Dialer._eligibility_sql(now)
            condition = SQL("e.id = %s", entry.id)
            if Dialer._pick_from(entry.list_id, condition, eligible, now):
                return entry._action_open_dialer()
        return Entry.action_start_calling(list_ids=entry.list_id.ids)

    @api.model
    def _logged(self, entries):
        """Callbacks just logged: run the cron at their very minute and tell
        the operators' open web clients."""
        callbacks = entries.filtered(lambda e: e.state == "callback_due")
        if callbacks:
            self._schedule(callbacks.mapped("next_attempt"))
            self._plan(callbacks)
