from odoo import fields, models

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
