from odoo import models
from odoo.tools import SQL


class CallflowPreferenceEvent(models.Model):
    _inherit = "callflow.preference.event"

    def _cancel_obsolete_sms(self, numbers):
        """An obsolete number gets none of the SMS still queued for it."""
        res = super()._cancel_obsolete_sms(numbers)
        # sudo: the SMS queue is not readable by operators, who log the
        # "left the company" result.
        Sms = self.env["sms.sms"].sudo()
        Sms.flush_model(["number", "state"])
        self.env.cr.execute(
            SQL(
                "UPDATE sms_sms SET state = 'canceled', failure_type = 'sms_blacklist'"
                " WHERE number = ANY(%s) AND state = 'outgoing'",
                list(numbers),
            )
        )
        Sms.invalidate_model(["state", "failure_type"])
        return res
