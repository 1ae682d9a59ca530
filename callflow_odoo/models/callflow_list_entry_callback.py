from datetime import timedelta

from odoo import fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

from .callflow_callback import MANAGER_GROUP, SNOOZE_MINUTES


class CallflowListEntry(models.Model):
    """The callback side of an entry: when its operator was told it is due,
    and the buttons of that notification (Call, Snooze, Reassign). Apart
    from ``callflow_list_entry.py``, which keeps the entry's own fields."""

    _inherit = "callflow.list.entry"

    callback_notified_at = fields.Datetime(
        string="Callback Notified",
        readonly=True,
        copy=False,
        help="When the operator was told the callback is due; told again "
        "when the callback time moves past it (snoozed, logged anew).",
    )
    callback_escalate_at = fields.Datetime(
        string="Manager Told At",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="The operator was offline when the callback fell due: the "
        "list's manager hears of it at this time unless it was made, "
        "snoozed or reassigned by then.",
    )

    def _register_attempt(self, result=None, outcome=None, callback_at=None):
        """A logged callback runs the callbacks cron at its very minute."""
        res = super()._register_attempt(
            result=result, outcome=outcome, callback_at=callback_at
        )
        callbacks = self.filtered(lambda e: e.state == "callback_due")
        if callbacks:
            Callback = self.env["callflow.callback"]
            Callback._schedule(callbacks.mapped("next_attempt"))
            Callback._plan(callbacks)
        return res

    def _check_callback_owner(self):
        """Only the assigned operator, or a manager, moves a callback."""
        self.check_access("write")
        if self.env.su or self.env.user.has_group(MANAGER_GROUP):
            return
        others = self.filtered(lambda e: e.operator_id != self.env.user)
        if others:
            raise AccessError(
                self.env._(
                    "%(entry)s is a callback of %(user)s: only they or a "
                    "manager may move it.",
                    entry=others[0].display_name,
                    user=others[0].operator_id.name or "-",
                )
            )

    def _check_callback_due(self):
        not_callbacks = self.filtered(lambda e: e.state != "callback_due")
        if not_callbacks:
            raise UserError(
                self.env._(
                    "%(entry)s is no callback waiting to be made.",
                    entry=not_callbacks[0].display_name,
                )
            )

    def action_callback_snooze(self, minutes=SNOOZE_MINUTES):
        """Call back ``minutes`` later (from now): told again then.
        Returns the new time, as the web client shows it."""
        self._check_callback_owner()
        self._check_callback_due()
        when = fields.Datetime.now().replace(microsecond=0) + timedelta(
            minutes=int(minutes)
        )
        self._dialer_write({"next_attempt": when, "callback_escalate_at": False})
        self.env["callflow.callback"]._schedule([when])
        return fields.Datetime.to_string(when)

    def action_callback_reassign(self, user_id):
        """Give the callbacks to ``user_id``, who must work the list (record
        rules: they must see the entry). They are told at once when due."""
        self._check_callback_owner()
        self._check_callback_due()
        user = self.env["res.users"].browse(user_id).exists()
        if not user:
            raise UserError(self.env._("Choose the operator to call back."))
        for entry in self:
            if not entry.with_user(user).has_access("read"):
                raise AccessError(
                    self.env._(
                        "%(user)s does not work the list %(list)s.",
                        user=user.name,
                        list=entry.list_id.name,
                    )
                )
        self._dialer_write(
            {
                "operator_id": user.id,
                "callback_notified_at": False,
                "callback_escalate_at": False,
            }
        )
        Callback = self.env["callflow.callback"]
        Callback._schedule(
            [max(t, fields.Datetime.now()) for t in self.mapped("next_attempt")]
        )
        Callback._plan(self)
        return True

    def action_callback_call(self):
        """Open the dialer on this callback, held for the user, as a pick
        would (eligibility, ledger, one hold per number); when it cannot be
        held now, the dialer on what the user holds or may call next."""
        self.ensure_one()
        self._check_callback_owner()
        Dialer = self.env["callflow.dialer"]
        held = self.search(
            [("state", "=", "in_call"), ("held_by_id", "=", self.env.uid)], limit=1
        )
        if not held and self.state == "callback_due":
            self.env.flush_all()
            now = fields.Datetime.now()
            entry_id = Dialer._pick_from(
                self.list_id,
                SQL("e.id = %s", self.id),
                Dialer._eligibility_sql(now),
                now,
            )
            if entry_id:
                return self._action_open_dialer()
        return self.action_start_calling(list_ids=self.list_id.ids)
