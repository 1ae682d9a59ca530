from odoo import api, fields, models

from ..models.callflow_call import OUTCOMES
from ..models.callflow_call_result import NOT_REACHED


class CallflowCallLog(models.TransientModel):
    """What the operator fills in after a call."""

    _name = "callflow.call.log"
    _description = "Log a call result"

    entry_id = fields.Many2one("callflow.list.entry", required=True)
    outcome = fields.Selection(OUTCOMES, required=True, default="answered")
    result_id = fields.Many2one("callflow.call.result", required=True)
    schedule_callback = fields.Boolean(related="result_id.schedule_callback")
    is_complaint = fields.Boolean(related="result_id.is_complaint")
    note = fields.Text("Notes")
    callback_at = fields.Datetime("Call back at")

    @api.onchange("outcome")
    def _onchange_outcome(self):
        """Keep a result that fits the new outcome; else propose the one
        made for it when the person was not reached (Busy, Voicemail left)."""
        Result = self.env["callflow.call.result"]
        if self.result_id and self.result_id.filtered_domain(
            Result._fitting_domain(self.outcome)
        ):
            return
        self.result_id = (
            Result.search([("outcome_hint", "=", self.outcome)], limit=1)
            if self.outcome in NOT_REACHED
            else False
        )

    def _log(self):
        self.ensure_one()
        call = self.env["callflow.call"]._log_call(
            self.entry_id,
            self.outcome,
            self.result_id,
            note=self.note,
            callback_at=self.callback_at,
        )
        if call.callback_at:
            self.env["callflow.callback"]._logged(self.entry_id)
        return call

    def action_log_next(self):
        """Log, then open the next entry of the same list (auto-next)."""
        call = self._log()
        Dialer = self.env["callflow.dialer"]
        nxt = Dialer._pick_next(call.list_id.ids)
        action = nxt._action_replace_dialer() if nxt else None
        if action and nxt.list_id.power_mode:
            # Power mode: the dialer counts the wrap-up down, then calls.
            action["context"] = {"callflow_power_dial": True}
        return self._logged_notification(
            call, action or Dialer._action_nothing_to_call()
        )

    def _logged_notification(self, call, next_action):
        """A short confirmation that the call was saved, then ``next_action``."""
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": self.env._(
                    "Call with %(name)s logged (%(result)s)",
                    name=self.entry_id.display_name,
                    result=call.result_id.name,
                ),
                "next": next_action,
            },
        }

    def action_log_pause(self):
        """Log and stop: back to the lists."""
        self._log()
        return self.env["ir.actions.act_window"]._for_xml_id(
            "callflow_odoo.callflow_list_action"
        )
