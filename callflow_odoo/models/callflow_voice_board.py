from odoo import api, models


class CallflowVoice(models.AbstractModel):
    """The live board follows each call's state: ringing, in call, then
    wrap-up until the result is logged (``callflow.operator.state``)."""

    _inherit = "callflow.voice"

    @api.model
    def _send_state(self, calls):
        res = super()._send_state(calls)
        self.env["callflow.operator.state"]._on_calls(calls)
        return res
