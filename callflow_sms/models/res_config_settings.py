from odoo import api, fields, models
from odoo.exceptions import ValidationError

from odoo.addons.callflow_odoo.tools.hours import hour_label

from .callflow_optout_code import DEFAULTS as CODE_DEFAULTS
from .callflow_sms_gateway import PARAM_DEFAULTS

PROVIDERS = [
    ("odoo", "Odoo SMS (IAP)"),
    ("twilio", "Twilio-compatible REST API"),
    ("http_json", "Generic HTTP JSON gateway"),
    ("outbox", "Outbox only (store, do not send)"),
]


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    callflow_sms_provider = fields.Selection(
        PROVIDERS,
        string="SMS Provider",
        default="odoo",
        config_parameter="callflow_sms.provider",
        help="Service that delivers every SMS sent from Odoo (composer, "
        "templates, marketing, Callflow).",
    )
    callflow_sms_twilio_account_sid = fields.Char(
        "Account SID",
        config_parameter="callflow_sms.twilio_account_sid",
        groups="base.group_system",
    )
    callflow_sms_twilio_auth_token = fields.Char(
        "Auth Token",
        config_parameter="callflow_sms.twilio_auth_token",
        groups="base.group_system",
        help="Also used to check the X-Twilio-Signature of webhooks.",
    )
    callflow_sms_twilio_from_number = fields.Char(
        "Sender Number",
        config_parameter="callflow_sms.twilio_from_number",
        groups="base.group_system",
    )
    callflow_sms_twilio_messaging_service_sid = fields.Char(
        "Messaging Service SID",
        config_parameter="callflow_sms.twilio_messaging_service_sid",
        groups="base.group_system",
        help="Used instead of the sender number when set.",
    )
    callflow_sms_twilio_base_url = fields.Char(
        "API Base URL",
        config_parameter="callflow_sms.twilio_base_url",
        groups="base.group_system",
        help="Leave empty for https://api.twilio.com; set for a compatible API.",
    )
    callflow_sms_http_url = fields.Char(
        "Gateway URL",
        config_parameter="callflow_sms.http_url",
        groups="base.group_system",
    )
    callflow_sms_http_auth_header_name = fields.Char(
        "Auth Header Name",
        config_parameter="callflow_sms.http_auth_header_name",
        groups="base.group_system",
    )
    callflow_sms_http_auth_header_value = fields.Char(
        "Auth Header Value",
        config_parameter="callflow_sms.http_auth_header_value",
        groups="base.group_system",
    )
    callflow_sms_http_body_template = fields.Char(
        "Body Template",
        config_parameter="callflow_sms.http_body_template",
        groups="base.group_system",
        help="JSON body with the placeholders {number}, {body} and {uuid} "
        "(each replaced by a JSON string, quoted or not in the template).",
    )
    callflow_sms_webhook_secret = fields.Char(
        "Webhook Secret",
        config_parameter="callflow_sms.webhook_secret",
        groups="base.group_system",
        help="Shared secret the generic gateway uses to sign its webhooks: "
        "X-Callflow-Signature is the hex HMAC-SHA256 of the X-Callflow-Timestamp "
        "header (Unix seconds, within 5 minutes), a dot and the raw body.",
    )
    # Quiet hours, opt-out codes and gateway tuning: system parameters read
    # by callflow.sms.sender (_callflow_quiet_hours), callflow.sms.gateway
    # (_callflow_gateway) and callflow.optout.code (_param).
    callflow_sms_window_from = fields.Float(
        string="Send SMS From",
        config_parameter="callflow_sms.window_from",
        default=PARAM_DEFAULTS["window_from"],
        help="Callflow SMS (before and after a call, re-confirmations) leave "
        "between these hours in the recipient's time zone; a message written "
        "at night waits until morning.",
    )
    callflow_sms_window_to = fields.Float(
        string="Send SMS Until",
        config_parameter="callflow_sms.window_to",
        default=PARAM_DEFAULTS["window_to"],
        help="End of the sending hours, in the recipient's time zone.",
    )
    callflow_sms_optout_code_minutes = fields.Integer(
        string="Code Validity (minutes)",
        config_parameter="callflow_sms.optout_code_minutes",
        default=CODE_DEFAULTS["minutes"],
        help="How long the code sent by SMS from the opt-out page without a "
        "link can be entered.",
    )
    callflow_sms_optout_code_per_hour = fields.Integer(
        string="Codes per Number and Hour",
        config_parameter="callflow_sms.optout_code_per_hour",
        default=CODE_DEFAULTS["per_hour"],
        help="No more codes are sent to one number within an hour: the page "
        "cannot be used to flood a phone with SMS.",
    )
    callflow_sms_optout_code_attempts = fields.Integer(
        string="Attempts per Code",
        config_parameter="callflow_sms.optout_code_attempts",
        default=CODE_DEFAULTS["attempts"],
        help="Wrong entries after which a code stops working.",
    )
    callflow_sms_connect_timeout = fields.Float(
        string="Connect Timeout (seconds)",
        config_parameter="callflow_sms.connect_timeout",
        default=PARAM_DEFAULTS["connect_timeout"],
        help="Time to reach the provider before the attempt counts as failed.",
    )
    callflow_sms_read_timeout = fields.Float(
        string="Read Timeout (seconds)",
        config_parameter="callflow_sms.read_timeout",
        default=PARAM_DEFAULTS["read_timeout"],
        help="Time to wait for the provider's answer once connected.",
    )
    callflow_sms_max_retries = fields.Integer(
        string="Retries",
        config_parameter="callflow_sms.max_retries",
        default=PARAM_DEFAULTS["max_retries"],
        help="Retries of a message the provider could not take for a "
        "temporary reason (busy, timeout), within one run of the queue. "
        "0: no retry; the next run tries again.",
    )
    callflow_sms_backoff = fields.Float(
        string="Wait Between Retries (seconds)",
        config_parameter="callflow_sms.backoff",
        default=PARAM_DEFAULTS["backoff"],
        help="First wait before a retry; it doubles at each retry.",
    )
    callflow_sms_workers = fields.Integer(
        string="Parallel Requests",
        config_parameter="callflow_sms.workers",
        default=PARAM_DEFAULTS["workers"],
        help="Messages handed to the provider at the same time.",
    )

    @api.model
    def _callflow_bounds(self):
        return {
            **super()._callflow_bounds(),
            "callflow_sms_window_from": (0, 24),
            "callflow_sms_window_to": (0, 24),
            "callflow_sms_optout_code_minutes": (1, 24 * 60),
            "callflow_sms_optout_code_per_hour": (1, 100),
            "callflow_sms_optout_code_attempts": (1, 100),
            "callflow_sms_connect_timeout": (0.5, 120),
            "callflow_sms_read_timeout": (1, 300),
            "callflow_sms_max_retries": (0, 10),
            "callflow_sms_backoff": (0, 60),
            "callflow_sms_workers": (1, 32),
        }

    @api.constrains("callflow_sms_window_from", "callflow_sms_window_to")
    def _check_callflow_sms_window(self):
        for settings in self:
            if settings.callflow_sms_window_from >= settings.callflow_sms_window_to:
                raise ValidationError(
                    self.env._(
                        "The SMS sending hours must start before they end "
                        "(from %(start)s until %(end)s).",
                        start=hour_label(settings.callflow_sms_window_from),
                        end=hour_label(settings.callflow_sms_window_to),
                    )
                )
