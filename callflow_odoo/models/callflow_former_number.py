from odoo import fields, models


class CallflowFormerNumber(models.Model):
    """A number a contact no longer has (left the company, wrong person):
    kept so nobody types it back on the contact."""

    _name = "callflow.former.number"
    _description = "Former number of a contact"
    _order = "retired_date desc, id desc"
    _rec_name = "number"

    partner_id = fields.Many2one(
        "res.partner", string="Contact", required=True, index=True, ondelete="cascade"
    )
    number = fields.Char(required=True, index=True, help="E.164 number.")
    retired_date = fields.Datetime(
        string="Since", required=True, default=fields.Datetime.now
    )
    reason = fields.Char(help="Why the number was retired.")

    _sql_constraints = [
        (
            "partner_number_unique",
            "UNIQUE(partner_id, number)",
            "This number is already a former number of the contact.",
        ),
    ]
