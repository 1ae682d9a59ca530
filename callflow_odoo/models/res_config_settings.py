from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    callflow_cap_enabled = fields.Boolean(
        related="company_id.callflow_cap_enabled", readonly=False
    )
    callflow_cap_calls_per_day = fields.Integer(
        related="company_id.callflow_cap_calls_per_day", readonly=False
    )
    callflow_cap_gap_hours = fields.Float(
        related="company_id.callflow_cap_gap_hours", readonly=False
    )
    callflow_hold_timeout = fields.Integer(
        string="Release Held Entries After (minutes)",
        config_parameter="callflow_odoo.hold_timeout_minutes",
        default=15,
        help="An entry an operator opened but did not log goes back to the "
        "list after this time.",
    )
    callflow_stale_months = fields.Integer(
        related="company_id.callflow_stale_months", readonly=False
    )
    callflow_reconfirm_days = fields.Integer(
        related="company_id.callflow_reconfirm_days", readonly=False
    )
