from odoo import fields, models


class SmsTracker(models.Model):
    _inherit = "sms.tracker"

    callflow_provider_ref = fields.Char(
        string="Provider Message ID",
        readonly=True,
        index="btree_not_null",
        help="The provider's id for the SMS: its delivery reports may quote "
        "only that id, after the sent SMS itself is gone.",
    )
