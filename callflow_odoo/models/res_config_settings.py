from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..tools.voice import TWILIO_BASE_URL, VOICE_PROVIDERS


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

    # Voice provider (Settings > Callflow > Voice). The credentials are
    # system parameters, readable by system administrators only.
    callflow_voice_provider = fields.Selection(
        VOICE_PROVIDERS,
        string="Voice Provider",
        config_parameter="callflow_odoo.voice_provider",
        default="manual",
        required=True,
        help="Manual: the dialer shows a tel: link and the operator's phone "
        "calls. Otherwise Callflow places the call through the provider, "
        "from the list's published number, after the dial gate.",
    )
    callflow_voice_twilio_account_sid = fields.Char(
        string="Voice Account SID",
        config_parameter="callflow_odoo.voice_twilio_account_sid",
        groups="base.group_system",
    )
    callflow_voice_twilio_auth_token = fields.Char(
        string="Voice Auth Token",
        config_parameter="callflow_odoo.voice_twilio_auth_token",
        groups="base.group_system",
    )
    callflow_voice_twilio_base_url = fields.Char(
        string="Voice API Base URL",
        config_parameter="callflow_odoo.voice_twilio_base_url",
        default=TWILIO_BASE_URL,
        groups="base.group_system",
        help="https://api.twilio.com, or a compatible API: "
        "https://<space>.signalwire.com/api/laml for SignalWire.",
    )
    callflow_voice_http_url = fields.Char(
        string="Click-to-call URL",
        config_parameter="callflow_odoo.voice_http_url",
        groups="base.group_system",
        help="The PBX's click-to-call URL; {operator}, {number}, {caller_id} "
        "and {reference} are replaced by the operator's ring target, the "
        "number to call, the published number and Callflow's reference; "
        "{record} by 1 when the list records (else 0) and {announcement} by "
        "the announcement to play first, in the person's language.",
    )
    callflow_voice_http_auth_header = fields.Char(
        string="Authentication Header",
        config_parameter="callflow_odoo.voice_http_auth_header",
        groups="base.group_system",
        help="Sent with every request, e.g. 'Authorization: Bearer <key>'.",
    )
    callflow_voice_http_secret = fields.Char(
        string="Status Webhook Secret",
        config_parameter="callflow_odoo.voice_http_secret",
        groups="base.group_system",
        help="The PBX signs its status webhooks to /callflow/voice/http/status "
        "with it (X-Callflow-Signature, as the SMS generic gateway).",
    )
    callflow_voice_http_hangup_url = fields.Char(
        string="Hang-up URL",
        config_parameter="callflow_odoo.voice_http_hangup_url",
        groups="base.group_system",
        help="The PBX's URL that ends a call (POST, with the authentication "
        "header); {id} is the PBX's call id and {reference} Callflow's. "
        "Without it, operators hang up on their phone.",
    )
    callflow_voice_http_recording_delete_url = fields.Char(
        string="Recording Deletion URL",
        config_parameter="callflow_odoo.voice_http_recording_delete_url",
        groups="base.group_system",
        help="The PBX's URL that deletes a recording (DELETE, with the "
        "authentication header) after the retention period; {recording_id} "
        "is the recording's id from the status webhook. Without it, "
        "recordings are only deleted in Odoo.",
    )
    callflow_recording_retention_days = fields.Integer(
        string="Keep Recordings (days)",
        config_parameter="callflow_odoo.recording_retention_days",
        default=90,
        help="Call recordings older than this are deleted every day, at the "
        "provider and in Odoo.",
    )

    @api.model
    def _callflow_bounds(self):
        """``{field: (lowest, highest)}`` of the numeric Callflow settings
        kept as system parameters; each addon adds its own.  A lowest of 0
        means 0 is a meaningful value ("off", "never")."""
        return {
            "callflow_hold_timeout": (1, 24 * 60),
            "callflow_recording_retention_days": (1, 3650),
        }

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
