from odoo import api, fields, models
from odoo.tools import SQL


class CallflowNumberAttempt(models.Model):
    """Every dial of a number, whatever the list: the company caps (calls
    per number per day, gap between calls) are counted here, so rotating
    lists or caller numbers cannot call one person ten times a day."""

    _name = "callflow.number.attempt"
    _description = "Call Attempt per Number"
    _order = "attempt_date desc, id desc"
    _log_access = False

    number = fields.Char(required=True)
    company_id = fields.Many2one("res.company", required=True, ondelete="cascade")
    attempt_date = fields.Datetime(required=True, default=fields.Datetime.now)
    list_id = fields.Many2one("callflow.list", ondelete="set null")
    entry_id = fields.Many2one("callflow.list.entry", ondelete="set null")
    user_id = fields.Many2one("res.users", string="Operator", ondelete="set null")
    outcome = fields.Char()

    def init(self):
        self.env.cr.execute(
            SQL(
                """
                CREATE INDEX IF NOT EXISTS callflow_number_attempt_number_idx
                    ON callflow_number_attempt (number, attempt_date)
                """
            )
        )

    @api.model
    def _log(self, entries, outcome, when):
        """One attempt per call list entry with a number, by ``env.user``."""
        # sudo: the attempt log feeds the company caps; operators never edit it
        return self.sudo().create(
            [
                {
                    "number": entry.number,
                    "company_id": entry.company_id.id,
                    "list_id": entry.list_id.id,
                    "entry_id": entry.id,
                    "user_id": self.env.uid,
                    "attempt_date": when,
                    "outcome": outcome,
                }
                for entry in entries
                if entry.number
            ]
        )
