from odoo import api, fields, models


class CallflowNumberConfirmation(models.Model):
    """The person confirmed that a number is still theirs (the re-confirmation
    page, an SMS reply): it makes the number fresh again without saying
    anything about being contacted, so it lives outside the preference
    ledger (an opt-in there would lift blocks)."""

    _name = "callflow.number.confirmation"
    _description = "Number confirmation"
    _order = "confirmed_date desc, id desc"
    _rec_name = "number"

    number = fields.Char(required=True, index=True, readonly=True)
    partner_id = fields.Many2one(
        "res.partner", string="Contact", readonly=True, ondelete="set null"
    )
    confirmed_date = fields.Datetime(
        required=True, readonly=True, default=fields.Datetime.now
    )
    source = fields.Selection(
        [("link", "Personal link"), ("sms", "SMS reply")],
        required=True,
        readonly=True,
    )
    evidence = fields.Text(readonly=True)

    @api.model
    def _confirm(self, vals_list):
        """Record confirmations and put the numbers' stale entries back in
        their queues. Trusted server code only (checked link or webhook)."""
        # sudo: users read confirmations only; the page and the webhook
        # record them after checking the link or the signature.
        records = self.sudo().create(vals_list)
        self.env["callflow.list.entry"]._refresh_staleness(
            numbers=set(records.mapped("number"))
        )
        return records
