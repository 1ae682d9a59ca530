from odoo import api, fields, models
from odoo.exceptions import ValidationError


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

    @api.model
    def _callflow_bounds(self):
        """``{field: (lowest, highest)}`` of the numeric Callflow settings
        kept as system parameters; each addon adds its own.  A lowest of 0
        means 0 is a meaningful value ("off", "never")."""
        return {"callflow_hold_timeout": (1, 24 * 60)}

    @api.constrains(lambda self: list(self._callflow_bounds()))
    def _check_callflow_bounds(self):
        """Refuse a value out of its bounds with a message naming the
        setting: a negative limit or a zero timeout would silently disable
        a protection or block the work."""
        bounds = self._callflow_bounds()
        for settings in self:
            for name, (low, high) in bounds.items():
                value = settings[name]
                if not low <= value <= high:
                    label = self._fields[name].get_description(self.env)["string"]
                    raise ValidationError(
                        self.env._(
                            "%(setting)s must be between %(low)s and %(high)s "
                            "(entered: %(value)s).",
                            setting=label,
                            low=low,
                            high=high,
                            value=value,
                        )
                    )

    def set_values(self):
        """Odoo deletes a numeric parameter set to 0, and the code's default
        then applies; where 0 is allowed it means "off": store it."""
        res = super().set_values()
        params = self.env["ir.config_parameter"].sudo()  # as Odoo's set_values
        for name, (low, _high) in self._callflow_bounds().items():
            field = self._fields[name]
            if low <= 0 and field.config_parameter and self[name] == 0:
                params.set_param(field.config_parameter, repr(self[name]))
        return res
