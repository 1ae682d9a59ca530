import json

from odoo.tests import TransactionCase, tagged

from odoo.addons.callflow_odoo.tests.common import (
    LocalServersMixin as LocalGatewayMixin,
)

from .gateway_server import FakeGateway

NUMBER = "+819012345678"


class GatewayCase(LocalGatewayMixin, TransactionCase):
    provider = None

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.params = cls.env["ir.config_parameter"].sudo()
        cls.params.set_param("callflow_sms.provider", cls.provider)
        cls.params.set_param("callflow_sms.read_timeout", "0.5")
        cls.params.set_param("callflow_sms.connect_timeout", "0.5")
        cls.params.set_param("callflow_sms.backoff", "0.01")
        cls.params.set_param("callflow_sms.max_retries", "2")

    def _configure(self, gateway):
        if self.provider == "twilio":
            self.params.set_param("callflow_sms.twilio_base_url", gateway.url)
            self.params.set_param("callflow_sms.twilio_account_sid", "AC123")
            self.params.set_param("callflow_sms.twilio_auth_token", "secret")
            self.params.set_param("callflow_sms.twilio_from_number", "+815012345678")
        else:
            self.params.set_param("callflow_sms.http_url", gateway.url + "/send")
            self.params.set_param("callflow_sms.http_auth_header_name", "X-Api-Key")
            self.params.set_param("callflow_sms.http_auth_header_value", "k3y")

    def _sms(self, body="Hello from Callflow"):
        return self.env["sms.sms"].create({"number": NUMBER, "body": body})

    def _send(self, gateway, sms):
        self._configure(gateway)
        sms.send(unlink_sent=False)
        return sms

    def _send_answered(self, *plan, default=None, body="Hello from Callflow"):
        """A new SMS (``body``) sent to a local gateway that answers each of
        ``plan`` (status, body, delay) in turn, then ``default`` (or
        success); returns the SMS and the gateway."""
        with FakeGateway() as gw:
            gw.plan = list(plan)
            gw.default = default
            sms = self._send(gw, self._sms(body))
        return sms, gw


@tagged("post_install", "-at_install")
class TestTwilioGateway(GatewayCase):
    provider = "twilio"

    def test_success_form_post_with_basic_auth(self):
        sms, gw = self._send_answered(body="Hi ¥")
        self.assertEqual(sms.state, "pending")
        self.assertFalse(sms.failure_type)
        self.assertEqual(len(gw.requests), 1)
        request = gw.requests[0]
        self.assertEqual(request["path"], "/2010-04-01/Accounts/AC123/Messages.json")
        self.assertEqual(request["params"]["To"], NUMBER)
        self.assertEqual(request["params"]["Body"], "Hi ¥")
        self.assertEqual(request["params"]["From"], "+815012345678")
        self.assertTrue(request["headers"]["Authorization"].startswith("Basic "))
        self.assertEqual(request["key"], sms.uuid)

    def test_500_then_success_delivers_once(self):
        sms, gw = self._send_answered((500, "{}", 0))
        self.assertEqual(sms.state, "pending")
        self.assertEqual(len(gw.requests), 2)
        self.assertEqual(len(gw.delivered), 1)

    def test_timeout_stays_queued_without_duplicate(self):
        with FakeGateway() as gw:
            gw.default = (201, None, 1.0)  # slower than the 0.5 s read timeout
            sms = self._send(gw, self._sms())
            self.assertEqual(sms.state, "outgoing")
            self.assertTrue(sms.callflow_provider_error)
            # Next cron run: the gateway answers; still one message delivered.
            gw.default = None
            sms.send(unlink_sent=False)
        self.assertEqual(sms.state, "pending")
        self.assertEqual(len(gw.delivered), 1)

    def test_malformed_json_success_is_not_resent(self):
        sms, gw = self._send_answered((201, "<html>ok", 0))
        self.assertEqual(sms.state, "pending")
        self.assertEqual(len(gw.requests), 1)
        self.assertIn("Unreadable", sms.callflow_provider_error)

    def test_malformed_json_error_is_failed(self):
        sms, _gw = self._send_answered((400, "not json", 0))
        self.assertEqual(sms.state, "error")
        self.assertEqual(sms.failure_type, "sms_server")
        self.assertEqual(sms.callflow_provider_error, "not json")

    def test_invalid_number_permanent_error(self):
        body = json.dumps(
            {"code": 21211, "message": "The 'To' number is not a valid phone number."}
        )
        sms, gw = self._send_answered((400, body, 0))
        self.assertEqual(sms.state, "error")
        self.assertEqual(sms.failure_type, "sms_number_format")
        self.assertIn("not a valid phone number", sms.callflow_provider_error)
        self.assertEqual(len(gw.requests), 1, "a permanent error is not retried")

    def test_auth_error(self):
        body = json.dumps({"code": 20003, "message": "Authenticate"})
        sms, _gw = self._send_answered((401, body, 0))
        self.assertEqual(sms.state, "error")
        self.assertEqual(sms.failure_type, "sms_acc")


@tagged("post_install", "-at_install")
class TestHttpJsonGateway(GatewayCase):
    provider = "http_json"

    def test_success_json_body_and_auth_header(self):
        sms, gw = self._send_answered(body='Quote " and 日本語')
        self.assertEqual(sms.state, "pending")
        request = gw.requests[0]
        self.assertEqual(request["params"]["to"], NUMBER)
        self.assertEqual(request["params"]["text"], 'Quote " and 日本語')
        self.assertEqual(request["params"]["reference"], sms.uuid)
        self.assertEqual(request["headers"]["X-Api-Key"], "k3y")
        self.assertEqual(request["key"], sms.uuid)

    def test_500_then_success_delivers_once(self):
        sms, gw = self._send_answered((503, "{}", 0), (500, "oops", 0))
        self.assertEqual(sms.state, "pending")
        self.assertEqual(len(gw.requests), 3)
        self.assertEqual(len(gw.delivered), 1)

    def test_persistent_500_stays_queued(self):
        sms, gw = self._send_answered(default=(500, "{}", 0))
        self.assertEqual(sms.state, "outgoing")
        self.assertEqual(len(gw.requests), 3, "bounded: 1 try + 2 retries")

    def test_timeout_stays_queued(self):
        sms, _gw = self._send_answered(default=(200, None, 1.0))
        self.assertEqual(sms.state, "outgoing")

    def test_malformed_json(self):
        sms, _gw = self._send_answered((422, "{broken", 0))
        self.assertEqual(sms.state, "error")
        self.assertEqual(sms.callflow_provider_error, "{broken")

    def test_4xx_permanent_with_provider_message(self):
        sms, _gw = self._send_answered(
            (400, '{"error": "Destination number is invalid"}', 0)
        )
        self.assertEqual(sms.state, "error")
        self.assertEqual(sms.failure_type, "sms_number_format")
        self.assertEqual(sms.callflow_provider_error, "Destination number is invalid")

    def test_402_credit(self):
        sms, _gw = self._send_answered((402, '{"error": "Payment required"}', 0))
        self.assertEqual(sms.failure_type, "sms_credit")


@tagged("post_install", "-at_install")
class TestOutboxGateway(GatewayCase):
    provider = "outbox"

    def test_outbox_keeps_messages(self):
        sms = self._sms()
        sms.send()
        self.assertEqual(sms.state, "callflow_outbox")
        self.assertFalse(sms.to_delete, "the outbox is where messages are shown")
