from odoo import api, models


class CallflowInbound(models.AbstractModel):
    """Inbound calls and the live board: the operators whose screen pops
    are ringing; a paused operator is not available for inbound calls."""

    _inherit = "callflow.inbound"

    @api.model
    def _pop(self, call, users):
        res = super()._pop(call, users)
        State = self.env["callflow.operator.state"]
        for user in users:
            State._set(user, call.company_id, "ringing", call=call)
        return res

    @api.model
    def _available(self, users):
        available = super()._available(users)
        if not available:
            return available
        State = self.env["callflow.operator.state"]
        return available - State._paused_users(available, self.env.company)
