from odoo import api, fields, models

from ..models.callflow_call import OUTCOMES


class CallflowCallLog(models.TransientModel):
    """What the operator fills in after a call."""

    _name = "callflow.call.log"
    _description = "Log a call result"

    entry_id = fields.Many2one("callflow.list.entry", required=True)
    outcome = fields.Selection(OUTCOMES, required=True, default="answered")
    result_id = fields.Many2one("callflow.call.result", required=True)
    schedule_callback = fields.Boolean(related="result_id.schedule_callback")
    note = fields.Text("Notes")
    callback_at = fields.Datetime("Call back at")

    @api.onchange("outcome")
    def _onchange_outcome(self):
        if self.outcome in ("no_answer", "busy", "voicemail") and not self.result_id:
            self.result_id = self.env.ref(
                "callflow_odoo.call_result_no_answer", raise_if_not_found=False
            )

    def _log(self):
        self.ensure_one()
        return self.env["callflow.call"]._log_call(
            self.entry_id,
            self.outcome,
            self.result_id,
            note=self.note,
            callback_at=self.callback_at,
        )

    def action_log_next(self):
        """Log, then open the next entry of the same list (auto-next)."""
        call = self._log()
        Entry = self.env["callflow.list.entry"]
        nxt = Entry._pick_next(call.list_id.ids)
        return nxt._action_open_dialer() if nxt else Entry._action_nothing_to_call()

    def action_log_pause(self):
        """Log and stop: back to the lists."""
        self._log()
        return self.env["ir.actions.act_window"]._for_xml_id(
            "callflow_odoo.callflow_list_action"
        )
