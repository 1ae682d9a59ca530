from datetime import timedelta

from odoo import api, fields, models
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
                self.env["callflow.sms.sender"]._callflow_send(
                    entries, template, "after"
                )
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
            self.env["callflow.sms.sender"]._callflow_send(entries, template, "after")
        return True

    @api.model
    def _cron_callflow_reconfirm_expired(self):
        """Stale numbers sent a re-confirmation that got no reply within the
        company's delay become obsolete in the ledger (which also retires
        them from the contact, their leads, every list and the SMS queue)."""
        now = fields.Datetime.now()
        entries = self.search(
            [("is_stale", "=", True), ("reconfirm_sent_at", "!=", False)]
        ).filtered(
            lambda e: (
                e.reconfirm_sent_at
                <= now - timedelta(days=e.company_id.callflow_reconfirm_days or 14)
            )
        )
        events, seen = [], set()
        for entry in entries:
            if entry.number in seen:
                continue
            seen.add(entry.number)
            events.append(
                {
                    "number": entry.number,
                    "partner_id": entry.partner_id.id,
                    "action": "obsolete",
                    "source": "reconfirm",
                    "reason": self.env._("No reply to the re-confirmation SMS"),
                    "evidence": self.env._(
                        "Re-confirmation SMS sent %(date)s, list %(list)s",
                        date=entry.reconfirm_sent_at,
                        list=entry.list_id.name,
                    ),
                }
            )
        if events:
            self.env["callflow.preference.event"]._record(events)
        return len(events)
