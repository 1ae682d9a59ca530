from datetime import datetime, time, timedelta

import pytz

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from ..tools import board_sql

OPERATOR = "callflow_odoo.group_callflow_operator"
MANAGER = "callflow_odoo.group_callflow_manager"
CALLBACK_HORIZON = timedelta(hours=1)


def _dt(value):
    return fields.Datetime.to_string(value) if value else False


class CallflowLiveBoard(models.AbstractModel):
    """The floor's live board (Callflow > Live): its first load in a few
    grouped statements, then the bus (``callflow.operator/state``) keeps the
    operators' lines current. Managers see the company's operators;
    operators only their own line, enforced here since the SQL bypasses
    record rules."""

    _name = "callflow.live.board"
    _description = "Callflow live board"

    @api.model
    def _scope(self):
        """None for a manager (every operator), else the operator's id."""
        user = self.env.user
        if user.has_group(MANAGER):
            return None
        if user.has_group(OPERATOR):
            return user.id
        raise AccessError(self.env._("The live board is for Callflow operators."))

    @api.model
    def _day_start(self):
        """Midnight today in the user's time zone, as naive UTC."""
        tz = pytz.timezone(self.env.user.tz or "UTC")
        today = datetime.now(tz).date()
        start = tz.localize(datetime.combine(today, time.min))
        return start.astimezone(pytz.utc).replace(tzinfo=None)

    @api.model
    def load(self):
        """Everything the board shows at first: operators (state, since,
        today's figures), lists (progress, today's figures), callbacks due
        within the hour and inbound calls waiting or missed today."""
        only = self._scope()
        company = self.env.company
        day_start = self._day_start()
        now = fields.Datetime.now()
        self.env.flush_all()
        operators = self._operator_rows(company, only)
        self.env.cr.execute(board_sql.call_totals(company.id, day_start, only))
        by_user, by_list = {}, {}
        for is_user, key, calls, connects, talk, positive in self.env.cr.fetchall():
            figures = {
                "calls": calls,
                "connects": connects,
                "talk_seconds": talk,
                "positive": positive,
            }
            (by_user if is_user else by_list)[key] = figures
        empty = {"calls": 0, "connects": 0, "talk_seconds": 0, "positive": 0}
        for line in operators:
            line.update(by_user.get(line["user_id"], empty))
        self.env.cr.execute(board_sql.list_progress(company.id, only))
        lists = [
            {"id": lid, "name": name, "done": done, "total": total}
            | by_list.get(lid, empty)
            for lid, name, done, total in self.env.cr.fetchall()
        ]
        self.env.cr.execute(
            board_sql.callbacks_due(company.id, now + CALLBACK_HORIZON, only)
        )
        callbacks = [
            {
                "id": row[0],
                "name": row[1] or row[2],
                "number": row[2],
                "next_attempt": _dt(row[3]),
                "operator_id": row[4] or False,
                "operator_name": row[5] or "",
                "list_name": row[6],
            }
            for row in self.env.cr.fetchall()
        ]
        return {
            "company_id": company.id,
            "is_manager": only is None,
            "server_now": _dt(now),
            "operators": operators,
            "lists": lists,
            "callbacks": callbacks,
            "has_inbound": "direction" in self.env["callflow.call"]._fields,
            "inbound": self._inbound(company, day_start, only),
        }

    @api.model
    def _operator_rows(self, company, only):
        group = self.env.ref(OPERATOR)
        self.env.cr.execute(board_sql.operators(company.id, group.id, only))
        return [
            {
                "user_id": row[0],
                "name": row[1],
                "partner_id": row[2],
                "state": row[3],
                "since": _dt(row[4]),
                "paused": row[5],
                "call_id": row[6] or False,
                "entry_id": row[7] or False,
                "entry_name": row[8] or "",
                "im_status": row[9],
            }
            for row in self.env.cr.fetchall()
        ]

    @api.model
    def _operator_line(self, user_id):
        """One operator's line (state only), as the board shows it."""
        only = self._scope()
        if only is not None and only != user_id:
            raise AccessError(self.env._("Operators see only their own line."))
        rows = self._operator_rows(self.env.company, user_id)
        return rows[0] if rows else False

    @api.model
    def _inbound(self, company, day_start, only):
        if "direction" not in self.env["callflow.call"]._fields:
            return []
        self.env.cr.execute(board_sql.inbound_waiting(company.id, day_start, only))
        return [
            {
                "id": row[0],
                "number": row[1],
                "name": row[2] or "",
                "status": row[3],
                "date": _dt(row[4]),
                "user_id": row[5] or False,
                "user_name": row[6] or "",
            }
            for row in self.env.cr.fetchall()
        ]

    @api.model
    def reassign_callback(self, entry_id, user_id):
        """A manager gives a due callback to another operator."""
        if self._scope() is not None:
            raise AccessError(self.env._("Only a manager can reassign a callback."))
        entry = self.env["callflow.list.entry"].browse(int(entry_id)).exists()
        if not entry or entry.state != "callback_due":
            raise UserError(self.env._("This callback is no longer due."))
        entry.check_access("write")
        user = self.env["res.users"].browse(int(user_id)).exists()
        # sudo: the manager may not read the user's groups and companies
        target = user.sudo()
        if not (
            target
            and target.has_group(OPERATOR)
            and entry.company_id in target.company_ids
        ):
            raise UserError(
                self.env._("Give the callback to an operator of the company.")
            )
        entry.write({"operator_id": user.id})
        return True
