from odoo import api, models
from odoo.tools import SQL


class CallflowPreferenceFold(models.AbstractModel):
    _inherit = "callflow.preference.fold"

    @api.model
    def _fold_pending_answers(self, numbers):
        # Pending answers of the opt-out page become events first, so that
        # the ledger's fold applies them with the rest.
        result = super()._fold_pending_answers(numbers)
        self.env["callflow.optout.response"]._fold_pending(numbers)
        return result

    @api.model
    def _pending_numbers(self, limit=1000):
        numbers = super()._pending_numbers(limit)
        self.env["callflow.optout.response"].flush_model(["state", "number"])
        self.env.cr.execute(
            SQL(
                "SELECT DISTINCT number FROM callflow_optout_response"
                " WHERE state = 'pending' AND number IS NOT NULL LIMIT %s",
                limit,
            )
        )
        return sorted(set(numbers) | {row[0] for row in self.env.cr.fetchall()})
