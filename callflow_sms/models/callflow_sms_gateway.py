"""The SMS provider chosen in Settings and the knobs it is tuned with.

A service, not a model: ``sms.sms`` sends through the gateway it builds,
the Callflow sending reads its quiet hours, and the settings fields show
the same defaults (``PARAM_DEFAULTS``).
"""

from werkzeug.urls import url_join

from odoo import api, models

from ..tools import sms_gateway

PARAM = "callflow_sms.%s"
# Values of the SMS system parameters (PARAM) until an admin sets them in
# Settings; the settings fields show the same ones.
PARAM_DEFAULTS = {
    "window_from": 9.0,
    "window_to": 20.0,
    "connect_timeout": 5.0,
    "read_timeout": 10.0,
    "max_retries": 3,
    "backoff": 0.5,
    "workers": 4,
}


class CallflowSmsGateway(models.AbstractModel):
    _name = "callflow.sms.gateway"
    _description = "SMS Provider Gateway"

    @api.model
    def _callflow_provider(self):
        return (
            self.env["ir.config_parameter"].sudo().get_param(PARAM % "provider")
            or "odoo"
        )

    @api.model
    def _callflow_gateway(self, provider):
        """Build the gateway from system parameters (sudo: credentials are
        readable by system admins only, but any user may send SMS)."""
        get = self.env["ir.config_parameter"].sudo().get_param
        keys = (
            "twilio_account_sid",
            "twilio_auth_token",
            "twilio_from_number",
            "twilio_messaging_service_sid",
            "twilio_base_url",
            "http_url",
            "http_auth_header_name",
            "http_auth_header_value",
            "http_body_template",
        )
        raw = {key: get(PARAM % key) or "" for key in keys}
        base_url = self[:1].get_base_url()
        config = {
            "account_sid": raw["twilio_account_sid"],
            "auth_token": raw["twilio_auth_token"],
            "from_number": raw["twilio_from_number"],
            "messaging_service_sid": raw["twilio_messaging_service_sid"],
            "base_url": raw["twilio_base_url"],
            "status_callback": url_join(base_url, "/callflow_sms/twilio/status"),
            "url": raw["http_url"],
            "auth_header_name": raw["http_auth_header_name"],
            "auth_header_value": raw["http_auth_header_value"],
            "body_template": raw["http_body_template"],
        }
        return sms_gateway.GATEWAYS[provider](
            config,
            connect_timeout=float(self._callflow_param("connect_timeout")),
            read_timeout=float(self._callflow_param("read_timeout")),
            max_retries=int(self._callflow_param("max_retries")),
            backoff=float(self._callflow_param("backoff")),
            workers=int(self._callflow_param("workers")),
        )

    @api.model
    def _callflow_param(self, key):
        """The system parameter ``callflow_sms.<key>``, else its default."""
        value = self.env["ir.config_parameter"].sudo().get_param(PARAM % key)
        return value or PARAM_DEFAULTS[key]
