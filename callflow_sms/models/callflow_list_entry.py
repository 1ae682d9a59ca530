from odoo import models
from odoo.exceptions import UserError


class CallflowListEntry(models.Model):
    _inherit = "callflow.list.entry"

    def _register_attempt(self, result=None, outcome=None, callback_at=None):
        """After chosen results, send the list's after-call SMS."""
        res = super()._register_attempt(
            result=result, outcome=outcome, callback_at=callback_at
        )
        if result:
            auto = self.filtered(
                lambda e: (
                    e.list_id.sms_after_template_id
                    and result in e.list_id.sms_after_result_ids
                )
            )
            for template, entries in auto.grouped(
                lambda e: e.list_id.sms_after_template_id
            ).items():
                self.env["sms.sms"]._callflow_send(entries, template, "after")
        return res

    def action_callflow_send_sms(self):
        """One-click after-call SMS from the dialer."""
        for template, entries in self.grouped(
            lambda e: e.list_id.sms_after_template_id
        ).items():
            if not template:
                raise UserError(
                    self.env._("This call list has no after-call SMS template.")
                )
            self.env["sms.sms"]._callflow_send(entries, template, "after")
        return True
