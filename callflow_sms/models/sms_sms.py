import logging

from werkzeug.urls import url_join

from odoo import api, fields, models, tools

from ..tools import sms_gateway

_logger = logging.getLogger(__name__)

PARAM = "callflow_sms.%s"


class SmsSms(models.Model):
    _inherit = "sms.sms"

    callflow_provider_error = fields.Char(
        string="Provider Message",
        copy=False,
        readonly=True,
        help="Last message returned by the SMS provider for this SMS.",
    )

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
        base_url = self.get_base_url()
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
            connect_timeout=float(get(PARAM % "connect_timeout") or 5),
            read_timeout=float(get(PARAM % "read_timeout") or 10),
            max_retries=int(get(PARAM % "max_retries") or 3),
            backoff=float(get(PARAM % "backoff") or 0.5),
            workers=int(get(PARAM % "workers") or 4),
        )

    def _send(self, unlink_failed=False, unlink_sent=True, raise_exception=False):
        """Send through the provider chosen in Settings (Odoo IAP by default)."""
        provider = self._callflow_provider()
        if provider not in sms_gateway.GATEWAYS:
            return super()._send(
                unlink_failed=unlink_failed,
                unlink_sent=unlink_sent,
                raise_exception=raise_exception,
            )
        gateway = self._callflow_gateway(provider)
        messages = [(sms.uuid, sms.number, sms.body or "") for sms in self]
        try:
            results = gateway.send_batch(messages)
        except Exception as e:
            _logger.info("SMS batch of %s via %s failed: %s", len(self), provider, e)
            if raise_exception:
                raise
            results = [
                gateway._result(uuid, sms_gateway.TRANSIENT, "sms_server", str(e))
                for uuid, _number, _body in messages
            ]
        # The outbox keeps its messages: it is the only place they are shown.
        self._callflow_apply_results(
            results, unlink_failed, unlink_sent and provider != "outbox"
        )

    def _callflow_apply_results(self, results, unlink_failed, unlink_sent):
        """Same state/tracker/unlink semantics as ``_postprocess`` of IAP results,
        writing once per (state, failure type, message) group."""
        by_uuid = {sms.uuid: sms for sms in self}
        all_sms_sudo = self.sudo().with_context(sms_skip_msg_notification=True)
        groups = tools.groupby(
            results, key=lambda r: (r["state"], r["failure_type"], r["message"])
        )
        for (state, failure_type, message), group in groups:
            sms_sudo = all_sms_sudo.browse([by_uuid[r["uuid"]].id for r in group])
            if state == sms_gateway.SENT:
                sms_sudo.sms_tracker_id._action_update_from_sms_state("pending")
                to_delete = {"to_delete": True} if unlink_sent else {}
                sms_sudo.write(
                    {
                        "state": "pending",
                        "failure_type": False,
                        "callflow_provider_error": message,
                        **to_delete,
                    }
                )
            elif state == sms_gateway.TRANSIENT:
                # Left queued: the next cron run retries with the same uuid.
                sms_sudo.write({"callflow_provider_error": message})
            else:
                sms_sudo.sms_tracker_id._action_update_from_sms_state(
                    "error", failure_type=failure_type
                )
                to_delete = {"to_delete": True} if unlink_failed else {}
                sms_sudo.write(
                    {
                        "state": "error",
                        "failure_type": failure_type,
                        "callflow_provider_error": message,
                        **to_delete,
                    }
                )
        all_sms_sudo.mail_message_id._notify_message_notification_update()

    # ------------------------------------------------------------------
    # Webhooks (called by controllers/main.py after authentication)
    # ------------------------------------------------------------------

    @api.model
    def _callflow_update_delivery(self, uuid, status, error=False):
        """Apply a provider delivery report to the SMS and its trackers."""
        state = sms_gateway.DELIVERY_STATES.get((status or "").lower())
        if not state:
            return False
        # sudo: the webhook is public (authenticated by signature).
        trackers = self.env["sms.tracker"].sudo().search([("sms_uuid", "=", uuid)])
        sms = self.sudo().search([("uuid", "=", uuid)])
        if not (trackers or sms):
            return False
        if state == "error":
            trackers._action_update_from_sms_state(
                "error", failure_type="sms_not_delivered"
            )
            sms.write(
                {
                    "state": "error",
                    "failure_type": "unknown",
                    "callflow_provider_error": error or status,
                }
            )
        else:
            trackers._action_update_from_sms_state(state)
            sms.write({"state": state})
        return True

    @api.model
    def _callflow_handle_inbound(self, number, text, provider_ref):
        """React to an inbound SMS: STOP / HELP / START keywords.

        Returns the keyword kind handled (``stop``, ``help``, ``start``) or
        False. A provider re-posting the same message (same ``provider_ref``)
        changes nothing and gets no second reply.
        """
        kind = sms_gateway.inbound_keyword(text)
        if not kind:
            return False
        Event = self.env["callflow.preference.event"].sudo()
        evidence = self.env._(
            "Inbound SMS %(ref)s: %(text)s", ref=provider_ref or "-", text=text
        )
        if provider_ref and Event.search_count(
            [("evidence", "=", evidence), ("source", "=", "sms")], limit=1
        ):
            return kind
        company = self.env.company
        if kind in ("stop", "start"):
            Event._record(
                [
                    {
                        "number": number,
                        "channel": "sms",
                        "scope": "all",
                        "action": "opt_out" if kind == "stop" else "opt_in",
                        "source": "sms",
                        "evidence": evidence,
                    }
                ]
            )
        if kind == "stop":
            body = self.env._(
                "%(company)s: you will receive no more SMS from us. "
                "Reply START to receive them again.",
                company=company.name,
            )
        elif kind == "start":
            body = self.env._(
                "%(company)s: you will receive our SMS again. Reply STOP to opt out.",
                company=company.name,
            )
        else:
            body = self.env._(
                "%(company)s %(phone)s. To choose which calls and messages you "
                "receive: %(url)s . Reply STOP to opt out.",
                company=company.name,
                phone=company.phone or "",
                url=url_join(self.get_base_url(), "/callflow/optout"),
            )
        # The one reply allowed after an opt-out: the confirmation. It is
        # created directly (not through the composer, which skips blocked
        # numbers) and sent at once.
        reply = self.sudo().create({"number": number, "body": body})
        reply.send(unlink_sent=False)
        return kind
