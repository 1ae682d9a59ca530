from odoo.tests import HttpCase, tagged

from odoo.addons.callflow_odoo.tests.common import twilio_post
from odoo.addons.callflow_sms.tools import sms_gateway

from .common import JsonGatewayMixin, set_sms_params
from .gateway_server import FakeGateway
from .test_sms_gateway import LocalGatewayMixin

NUMBER = "+819011112222"
TOKEN = "twilio-secret"


@tagged("post_install", "-at_install")
class TestKeywords(LocalGatewayMixin, HttpCase):
    def test_keyword_spellings_and_widths(self):
        for text in (
            "STOP",
            "Stop",
            " stop. ",
            "ｓｔｏｐ",
            "ＳＴＯＰ",
            "停止",
            "配信停止",
            "Unsubscribe",
            "cancel",
            "END",
            "quit",
        ):
            self.assertEqual(sms_gateway.inbound_keyword(text), "stop", text)
        self.assertEqual(sms_gateway.inbound_keyword("help"), "help")
        self.assertEqual(sms_gateway.inbound_keyword("ＵＮＳＴＯＰ"), "start")
        self.assertIsNone(sms_gateway.inbound_keyword("please don't stop"))
        self.assertIsNone(sms_gateway.inbound_keyword(None))


@tagged("post_install", "-at_install")
class TestTwilioWebhook(LocalGatewayMixin, HttpCase):
    def setUp(self):
        super().setUp()
        self.params = set_sms_params(
            self.env,
            provider="twilio",
            twilio_account_sid="AC1",
            twilio_auth_token=TOKEN,
            twilio_from_number="+815000000000",
            backoff="0.01",
        )
        self.gateway = FakeGateway().__enter__()
        self.addCleanup(self.gateway.__exit__)
        self.params.set_param("callflow_sms.twilio_base_url", self.gateway.url)

    def _post(self, path, params, signature=None):
        return twilio_post(self, self.base_url() + path, params, TOKEN, signature)

    def _inbound(self, text, number=NUMBER, sid="SM1", signature=None):
        params = {
            "From": number,
            "To": "+815000000000",
            "Body": text,
            "MessageSid": sid,
        }
        return self._post("/callflow_sms/twilio/inbound", params, signature)

    def _events(self, number):
        return self.env["callflow.preference.event"].search([("number", "=", number)])

    def test_stop_spellings_opt_out_with_one_confirmation(self):
        for i, text in enumerate(("ｓｔｏｐ", "Stop", "停止", "配信停止")):
            number = f"+8190111100{i:02d}"
            response = self._inbound(text, number=number, sid=f"SMstop{i}")
            self.assertEqual(response.status_code, 200, text)
            event = self._events(number)
            self.assertEqual(len(event), 1, text)
            self.assertEqual(
                (event.action, event.channel, event.scope, event.source),
                ("opt_out", "sms", "all", "sms"),
            )
            self.assertIn(text, event.evidence)
            self.assertIn(f"SMstop{i}", event.evidence)
            blocked = self.env["callflow.preference.state"]._check_numbers(
                [number], "sms"
            )
            self.assertIn(number, blocked)
            self.assertTrue(
                self.env["phone.blacklist"].sudo().search([("number", "=", number)])
            )
            self.env["sms.sms"]._process_queue()
            replies = [r for r in self.gateway.requests if r["params"]["To"] == number]
            self.assertEqual(len(replies), 1, "exactly one confirmation")
        # The provider retries the same webhook: nothing new, no second reply.
        self._inbound("Stop", number="+819011110001", sid="SMstop1")
        self.env["sms.sms"]._process_queue()
        self.assertEqual(len(self._events("+819011110001")), 1)
        self.assertEqual(len(self.gateway.delivered), 4)

    def test_help_and_start(self):
        self._inbound("STOP", sid="SMa")
        # (one queue run each: the gateway client sends a batch in parallel,
        # so the order of two replies within one run is not fixed)
        self.env["sms.sms"]._process_queue()
        self._inbound("HELP", sid="SMb")
        self.env["sms.sms"]._process_queue()
        help_reply = self.gateway.requests[-1]["params"]["Body"]
        self.assertIn(self.env.company.name, help_reply)
        self.assertIn("/callflow/optout", help_reply)
        self._inbound("START", sid="SMc")
        self.assertEqual(
            self._events(NUMBER).sorted("id").mapped("action"), ["opt_out", "opt_in"]
        )
        self.assertFalse(
            self.env["callflow.preference.state"]._check_numbers([NUMBER], "sms")
        )

    def test_forged_signature_changes_nothing(self):
        response = self._inbound("STOP", signature="Zm9yZ2Vk")
        self.assertEqual(response.status_code, 403)
        response = self._inbound("STOP", signature="")
        self.assertEqual(response.status_code, 403)
        self.assertFalse(self._events(NUMBER))
        self.assertFalse(self.gateway.requests)

    def test_get_is_refused(self):
        response = self.url_open("/callflow_sms/twilio/inbound")
        self.assertGreaterEqual(response.status_code, 400)
        self.assertLess(response.status_code, 500)

    def test_delivery_report(self):
        sms = self.env["sms.sms"].create({"number": NUMBER, "body": "hi"})
        sms.send(unlink_sent=False)
        self.assertEqual(sms.state, "pending")
        path = f"/callflow_sms/twilio/status?uuid={sms.uuid}"
        response = self._post(path, {"MessageSid": "SM0", "MessageStatus": "delivered"})
        self.assertEqual(response.status_code, 204)
        sms.invalidate_recordset()
        self.assertEqual(sms.state, "sent")
        forged = self._post(
            path, {"MessageSid": "SM0", "MessageStatus": "failed"}, signature="x"
        )
        self.assertEqual(forged.status_code, 403)
        sms.invalidate_recordset()
        self.assertEqual(sms.state, "sent")

    def test_delivery_report_by_message_sid(self):
        """A report without our uuid finds the SMS by the SID Twilio gave,
        kept on the tracker after the sent SMS is gone."""
        partner = self.env["res.partner"].create({"name": "Kenji", "mobile": NUMBER})
        message = partner._message_sms("Hello", partner_ids=partner.ids)
        # posted and sent at once, through the local Twilio-compatible gateway
        sms = self.env["sms.sms"].search([("mail_message_id", "=", message.id)])
        sid = self.gateway.delivered[sms.uuid]
        self.assertEqual(sms.callflow_provider_ref, sid)
        tracker = self.env["sms.tracker"].search([("sms_uuid", "=", sms.uuid)])
        self.assertEqual(tracker.callflow_provider_ref, sid)
        sms.unlink()
        response = self._post(
            "/callflow_sms/twilio/status",
            {"MessageSid": sid, "MessageStatus": "undelivered", "ErrorCode": "30003"},
        )
        self.assertEqual(response.status_code, 204)
        notification = tracker.mail_notification_id
        self.assertEqual(notification.notification_status, "exception")
        self.assertEqual(notification.failure_type, "sms_not_delivered")


@tagged("post_install", "-at_install")
class TestHttpJsonWebhook(JsonGatewayMixin, HttpCase):
    def _post(self, path, payload, signature=None, raw=None, timestamp=None):
        return self.signed_post(path, payload, signature, raw, timestamp)

    def test_signed_stop(self):
        response = self._post(
            "/callflow_sms/http_json/inbound",
            {"from": NUMBER, "text": "配信停止", "id": "m-1"},
        )
        self.assertEqual(response.status_code, 200)
        self.assertTrue(
            self.env["callflow.preference.state"]._check_numbers([NUMBER], "sms")
        )
        self.env["sms.sms"]._process_queue()
        self.assertEqual(len(self.gateway.delivered), 1)

    def _sent_sms(self):
        sms = self.env["sms.sms"].create({"number": NUMBER, "body": "hi"})
        sms.send(unlink_sent=False)
        self.assertEqual(sms.state, "pending")
        return sms

    def test_delivery_report(self):
        sms = self._sent_sms()
        self.assertEqual(sms.callflow_provider_ref, self.gateway.delivered[sms.uuid])
        path = "/callflow_sms/http_json/status"
        response = self._post(path, {"uuid": sms.uuid, "status": "delivered"})
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json(), {"ok": True, "found": True})
        sms.invalidate_recordset()
        self.assertEqual(sms.state, "sent")

    def test_delivery_report_by_gateway_id(self):
        sms = self._sent_sms()
        response = self._post(
            "/callflow_sms/http_json/status",
            {"id": sms.callflow_provider_ref, "status": "failed", "error": "Absent"},
        )
        self.assertEqual(response.status_code, 200)
        sms.invalidate_recordset()
        self.assertEqual((sms.state, sms.callflow_provider_error), ("error", "Absent"))

    def test_delivery_report_refusals_change_nothing(self):
        sms = self._sent_sms()
        path = "/callflow_sms/http_json/status"
        cases = [
            (self._post(path, {"uuid": sms.uuid, "status": "delivered"}, "00"), 403),
            (self._post(path, None, raw=b"[1, 2"), 400),
            (self._post(path, {"uuid": sms.uuid, "status": "eaten"}), 400),
            (self._post(path, {"uuid": "../../etc", "status": "failed"}), 400),
            (self._post(path, {"uuid": 7, "status": "failed"}), 400),
            (self._post(path, {"status": "failed"}), 400),
            (self._post(path, {"id": "x" * 500, "status": "failed"}), 400),
        ]
        for response, status in cases:
            self.assertEqual(response.status_code, status, response.text)
        unknown = self._post(path, {"uuid": "0" * 32, "status": "failed"})
        self.assertEqual(unknown.json(), {"ok": True, "found": False})
        sms.invalidate_recordset()
        self.assertEqual(sms.state, "pending")

    def test_forged_and_malformed(self):
        payload = {"from": NUMBER, "text": "STOP", "id": "m-2"}
        forged = self._post("/callflow_sms/http_json/inbound", payload, "deadbeef")
        self.assertEqual(forged.status_code, 403)
        malformed = self._post("/callflow_sms/http_json/inbound", None, raw=b"{nope")
        self.assertEqual(malformed.status_code, 400)
        bad_number = self._post(
            "/callflow_sms/http_json/inbound", {"from": "abc", "text": "STOP"}
        )
        self.assertEqual(bad_number.status_code, 400)
        self.assertFalse(
            self.env["callflow.preference.event"].search([("source", "=", "sms")])
        )
        self.assertFalse(self.gateway.requests)
