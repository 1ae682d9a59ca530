from odoo import api, models
from odoo.tools import SQL

from .callflow_optout_response import ANSWER_EVENTS


class CallflowPreferenceState(models.Model):
    _inherit = "callflow.preference.state"

    @api.model
    def _pending_blocks_sql(self, numbers, channel):
        # An answer stored but not yet applied blocks as it will once applied
        # (a wrong-person answer marks the number obsolete).
        answers = [
            answer
            for answer, events in ANSWER_EVENTS.items()
            if any(c in (channel, "all") and a == "opt_out" for c, a in events)
        ]
        self.env["callflow.optout.response"].flush_model(
            ["state", "number", "answer", "reason"]
        )
        return SQL(
            """
            %(ledger)s
            UNION ALL
            SELECT r.number,
                   CASE WHEN r.reason = 'wrong_person' THEN 'obsolete'
                        ELSE 'opt_out' END,
                   CASE WHEN r.reason = 'wrong_person' THEN 1 ELSE 4 END
              FROM callflow_optout_response r
             WHERE r.state = 'pending' AND r.number = ANY(%(numbers)s)
               AND (r.answer = ANY(%(answers)s) OR r.reason = 'wrong_person')
            """,
            ledger=super()._pending_blocks_sql(numbers, channel),
            numbers=numbers,
            answers=answers,
        )
