from odoo import api, fields, models
from odoo.exceptions import UserError

from odoo.addons.callflow_odoo.tools.constants import WAITING_STATES


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
        entries = self.entry_ids.filtered(lambda e: e.state in WAITING_STATES)
        sms = self.env["callflow.sms.sender"]._callflow_send(
            entries, self.sms_before_template_id, "before"
        )
        message = self.env._(
            "%(sent)s SMS queued for %(total)s entries (blocked numbers "
            "skipped, night-time messages wait for the morning)."
        )
        return self._sms_notification(message, sms, entries)

    def action_callflow_reconfirm(self):
        """Ask the stale numbers not asked yet whether they are still right:
        "Is this still the right number for <name>? Reply YES, or tap
        <link>". A YES or the link's page makes the number fresh again; no
        answer within the company's delay marks it obsolete."""
        self.ensure_one()
        template = self.env.ref(
            "callflow_sms.callflow_sms_template_reconfirm", raise_if_not_found=False
        )
        if not template or not template.active:
            raise UserError(
                self.env._("The number re-confirmation SMS template is missing.")
            )
        entries = self.env["callflow.list.entry"].search(
            [
                ("list_id", "=", self.id),
                ("is_stale", "=", True),
                ("reconfirm_sent_at", "=", False),
            ]
        )
        sms = self.env["callflow.sms.sender"]._callflow_send(
            entries, template, "reconfirm"
        )
        sent_numbers = set(sms.mapped("number"))
        entries.filtered(lambda e: e.number in sent_numbers)._dialer_write(
            {"reconfirm_sent_at": fields.Datetime.now()}
        )
        message = self.env._(
            "%(sent)s re-confirmation SMS queued for %(total)s stale "
            "numbers (blocked numbers skipped)."
        )
        return self._sms_notification(message, sms, entries)

    @api.model
    def _sms_notification(self, message, sms, entries):
        """A notification of ``sms`` queued for ``entries`` (``message``, with
        ``%(sent)s`` and ``%(total)s``): a warning when none was."""
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success" if sms else "warning",
                "message": message % {"sent": len(sms), "total": len(entries)},
            },
        }
