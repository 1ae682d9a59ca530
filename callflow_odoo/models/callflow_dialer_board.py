from odoo import api, models


class CallflowDialer(models.AbstractModel):
    """Without a voice provider the operator dials by hand: holding an entry
    is being on its call (live board). With a provider, the call's own
    states tell (``callflow.voice``)."""

    _inherit = "callflow.dialer"

    @api.model
    def _pick_next(self, list_ids=None):
        entry = super()._pick_next(list_ids=list_ids)
        if entry and self.env["callflow.voice"]._config()["provider"] == "manual":
            self.env["callflow.operator.state"]._set(
                self.env.user, entry.company_id, "in_call", entry=entry
            )
        return entry
