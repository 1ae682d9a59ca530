from odoo import models

BOARD_FIELDS = {"inbound_status", "voice_state", "user_id"}


class CallflowCall(models.Model):
    """Inbound calls move their operator's live state (board) whichever
    code writes their status: ringing, in call, then available."""

    _inherit = "callflow.call"

    def write(self, vals):
        res = super().write(vals)
        if BOARD_FIELDS.intersection(vals):
            inbound = self.filtered(lambda call: call.direction == "inbound")
            if inbound:
                self.env["callflow.operator.state"]._on_calls(inbound)
        return res
