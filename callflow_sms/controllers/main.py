import json
import logging
import re

from odoo import http
from odoo.exceptions import UserError, ValidationError
from odoo.http import request

from odoo.addons.callflow_odoo.controllers.webhooks import webhook_route
from odoo.addons.callflow_odoo.tools import signatures

from ..tools import sms_gateway

_logger = logging.getLogger(__name__)

UUID_RE = re.compile(r"^[0-9a-f]{32}$")
# A provider's message id: short, printable, no spaces.
REF_RE = re.compile(r"^[\w.:-]{1,128}$")
TWIML_EMPTY = '<?xml version="1.0" encoding="UTF-8"?><Response/>'
# Largest webhook body read: an SMS of 1,600 characters with its envelope
# fits many times over; Odoo answers 413 above it, before reading the body.
MAX_WEBHOOK_BODY = 64 * 1024


def sms_webhook_route(path):
    """An SMS provider webhook (see ``webhook_route``)."""
    return webhook_route(path, MAX_WEBHOOK_BODY)


class CallflowSmsWebhook(http.Controller):
    """Provider webhooks: authenticate, validate, hand over to sms.sms."""

    def _param(self, key):
        # sudo: provider credentials are system parameters.
        return (
            request.env["ir.config_parameter"].sudo().get_param(f"callflow_sms.{key}")
        )

    def _reject(self, status, reason):
        _logger.warning("SMS webhook rejected (%s): %s", status, reason)
        return request.make_response(reason, status=status)

    def _forbid(self, reason):
        """403 with one text for every cause: the answer tells a prober
        neither which provider is configured nor what was wrong."""
        _logger.warning("SMS webhook %s refused: %s", request.httprequest.path, reason)
        return request.make_response("Forbidden", status=403)

    # -- Twilio-compatible ---------------------------------------------------
    def _twilio_authenticated(self):
        if self._param("provider") != "twilio":
            return False
        params = request.httprequest.form.to_dict()
        return signatures.verify_twilio_signature(
            request.httprequest.url,
            params,
            self._param("twilio_auth_token"),
            request.httprequest.headers.get("X-Twilio-Signature"),
        )

    @sms_webhook_route("/callflow_sms/twilio/status")
    def twilio_status(self, **kw):
        if not self._twilio_authenticated():
            return self._forbid("provider or signature")
        uuid = request.httprequest.args.get("uuid") or ""
        sid = kw.get("MessageSid") or ""
        status = kw.get("MessageStatus") or ""
        if (
            not (UUID_RE.match(uuid) or (not uuid and REF_RE.match(sid)))
            or status.lower() not in sms_gateway.DELIVERY_STATES
        ):
            return self._reject(400, "Bad parameters")
        error = (
            kw.get("ErrorCode") and f"{kw['ErrorCode']}: {kw.get('ErrorMessage', '')}"
        )
        request.env["sms.sms"]._callflow_update_delivery(
            uuid, status, error, provider_ref=sid
        )
        return request.make_response("", status=204)

    @sms_webhook_route("/callflow_sms/twilio/inbound")
    def twilio_inbound(self, **kw):
        if not self._twilio_authenticated():
            return self._forbid("provider or signature")
        return self._inbound(
            kw.get("From"), kw.get("Body"), kw.get("MessageSid"), "twilio"
        )

    # -- generic HTTP JSON -------------------------------------------------
    def _json_payload(self):
        """The authenticated JSON body, or an error response."""
        if self._param("provider") != "http_json":
            return None, self._forbid("provider not enabled")
        # Bounded by the route's max_content_length (413 above it).
        body = request.httprequest.get_data()
        headers = request.httprequest.headers
        problem = signatures.verify_webhook(
            self._param("webhook_secret"),
            body,
            headers.get("X-Callflow-Timestamp"),
            headers.get("X-Callflow-Signature"),
        )
        if problem:
            return None, self._forbid(problem)
        try:
            payload = json.loads(body)
        except ValueError:
            return None, self._reject(400, "Malformed JSON")
        if not isinstance(payload, dict):
            return None, self._reject(400, "Malformed JSON")
        return payload, None

    @sms_webhook_route("/callflow_sms/http_json/status")
    def http_json_status(self):
        payload, error = self._json_payload()
        if error:
            return error
        # Our reference (the uuid sent as {uuid}) or the gateway's own id.
        uuid, ref = payload.get("uuid") or "", payload.get("id") or ""
        status = payload.get("status")
        if not (
            isinstance(uuid, str)
            and isinstance(ref, str)
            and isinstance(status, str)
            and (UUID_RE.match(uuid) or (not uuid and REF_RE.match(ref)))
            and status.lower() in sms_gateway.DELIVERY_STATES
        ):
            return self._reject(400, "Bad parameters")
        error_text = payload.get("error")
        found = request.env["sms.sms"]._callflow_update_delivery(
            uuid,
            status,
            isinstance(error_text, str) and error_text[:500].replace("\x00", ""),
            ref,
        )
        return request.make_json_response({"ok": True, "found": found})

    @sms_webhook_route("/callflow_sms/http_json/inbound")
    def http_json_inbound(self):
        payload, error = self._json_payload()
        if error:
            return error
        return self._inbound(
            payload.get("from"), payload.get("text"), payload.get("id"), "http_json"
        )

    # -- shared --------------------------------------------------------------
    def _inbound(self, number, text, ref, provider):
        # The provider's message id is the replay key: required.
        if (
            not (isinstance(number, str) and isinstance(text, str))
            or len(text) > 1600
            or len(number) > 64
            or "\x00" in text + number  # PostgreSQL text cannot hold NUL
            or not (isinstance(ref, str) and REF_RE.match(ref))
        ):
            return self._reject(400, "Bad parameters")
        try:
            request.env["callflow.sms.inbound"]._callflow_handle_inbound(
                number, text, ref, provider=provider
            )
        except (UserError, ValidationError) as e:
            return self._reject(400, str(e))
        if request.httprequest.path.startswith("/callflow_sms/twilio/"):
            return request.make_response(
                TWIML_EMPTY, headers=[("Content-Type", "text/xml")]
            )
        return request.make_json_response({"ok": True})
