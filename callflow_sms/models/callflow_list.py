from odoo import fields, models
from odoo.exceptions import UserError


class CallflowList(models.Model):
    _inherit = "callflow.list"

    sms_before_template_id = fields.Many2one(
        "callflow.sms.template",
        string="Before-call SMS",
        domain="[('when', '=', 'before')]",
        help="Sent to every eligible entry by the Announce button.",
    )
    sms_after_template_id = fields.Many2one(
        "callflow.sms.template",
        string="After-call SMS",
        domain="[('when', '=', 'after')]",
        help="Sent by operators in one click, and automatically after the "
        "results below.",
    )
    sms_after_result_ids = fields.Many2many(
        "callflow.call.result",
        string="Send After Results",
        help="Results (e.g. No answer) after which the after-call SMS is sent "
        "automatically.",
    )

    def action_callflow_announce(self):
        """Send the before-call SMS to every entry still to be called."""
        self.ensure_one()
        if not self.sms_before_template_id:
            raise UserError(
                self.env._("Choose a before-call SMS template for this list first.")
            )
        entries = self.entry_ids.filtered(
            lambda e: e.state in ("pending", "callback_due")
        )
        sms = self.env["sms.sms"]._callflow_send(
            entries, self.sms_before_template_id, "before"
        )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success" if sms else "warning",
                "message": self.env._(
                    "%(sent)s SMS queued for %(total)s entries (blocked numbers "
                    "skipped, night-time messages wait for the morning).",
                    sent=len(sms),
                    total=len(entries),
                ),
            },
        }
