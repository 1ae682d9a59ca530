"""Issue #11 (SMS): links never stored in clear, webhooks that cannot be
forged or replayed, every inbound SMS reaches a person."""

import hashlib
import hmac
import json
import re
import time
from datetime import timedelta
from unittest.mock import patch

from odoo.tests import HttpCase, TransactionCase, tagged
from odoo.tools import mute_logger

from odoo.addons.callflow_odoo.tests.common import CallflowCommon
from odoo.addons.callflow_odoo.tools import signatures
from odoo.addons.sms.tools.sms_api import SmsApi

from .common import JsonGatewayMixin, set_sms_params
from .gateway_server import FakeGateway
from .test_sms_gateway import LocalGatewayMixin

SECRET = "json-secret"
NUMBER = "+819011113333"
MOBILE_A = "+819011110001"
BODY = "This is {operator} from {company}, {caller_number}. Stop: {optout_link}"
CLEAR_RE = re.compile(r"/o/([A-Za-z0-9_-]{22})\b")


class JsonWebhookMixin(JsonGatewayMixin):
    """Generic JSON gateway: a real local gateway, signed webhooks."""

    def setUp(self):
        super().setUp()
        self.params.set_param("callflow_sms.backoff", "0.01")
        self.params.set_param("callflow_sms.window_from", "0")
        self.params.set_param("callflow_sms.window_to", "24")

    def _post(self, payload, path="/callflow_sms/http_json/inbound", **kw):
        return self.signed_post(path, payload, **kw)

    def _sms(self, text, msg_id, number=NUMBER):
        return self._post({"from": number, "text": text, "id": msg_id})

    def _blocked(self, number=NUMBER):
        return number in self.env["callflow.preference.state"]._check_numbers(
            [number], "sms"
        )

    def _sent_texts(self, number=NUMBER):
        """Run the SMS queue as its cron does; the texts the gateway got."""
        self.env["sms.sms"]._process_queue()
        return [
            r["params"]["text"]
            for r in self.gateway.requests
            if r.get("params", {}).get("to") == number
        ]


@tagged("post_install", "-at_install")
class TestLinkMasking(JsonWebhookMixin, CallflowCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_dialer()
        cls.template = cls.env["callflow.sms.template"].create(
            {"name": "After", "when": "after", "body": BODY}
        )
        cls.call_list = cls.make_list(sms_after_template_id=cls.template.id)
        cls.partner = cls.env["res.partner"].create({"name": "Sato", "phone": MOBILE_A})
        cls.lead = cls.env["crm.lead"].create({"name": "Sato lead", "phone": MOBILE_A})
        cls.entry = cls.make_entry(
            cls.call_list, MOBILE_A, partner_id=cls.partner.id, lead_id=cls.lead.id
        )

    def _stored_texts(self):
        """Every stored text a clear link could hide in."""
        self.env.flush_all()
        self.env.cr.execute(
            """
            SELECT body FROM sms_sms
             UNION ALL SELECT callflow_provider_error FROM sms_sms
             UNION ALL SELECT body FROM mail_message
             UNION ALL SELECT token_hash FROM callflow_optout_token
            """
        )
        return "\n".join(row[0] or "" for row in self.env.cr.fetchall())

    def test_clear_link_only_reaches_the_provider(self):
        sms = self.env["callflow.sms.sender"]._callflow_send(self.entry, self.template)
        masked = sms.body
        self.assertRegex(masked, r"/o/…[A-Za-z0-9_-]{2}$")
        self.assertIn(masked, self.partner.message_ids[0].body)
        self.assertIn(masked, self.lead.message_ids[0].body)
        sms.send(unlink_sent=False)
        self.assertEqual(sms.state, "pending")
        [sent] = [r["params"]["text"] for r in self.gateway.requests]
        raw = CLEAR_RE.search(sent).group(1)
        self.assertEqual(raw[-2:], masked[-2:], "the mask shows the link's end")
        self.assertEqual(sent.replace(f"/o/{raw}", f"/o/…{raw[-2:]}"), masked)
        # Nothing stored anywhere holds the working link.
        self.assertNotIn(raw, self._stored_texts())
        sms.invalidate_recordset()
        self.assertEqual(sms.body, masked)
        # ...and the link the person received works.
        token = self.env["callflow.optout.token"]._find(raw)
        self.assertEqual((token, token.number), (sms.callflow_token_id, MOBILE_A))
        page = self.url_open(f"/o/{raw}")
        self.assertEqual(page.status_code, 200)
        self.assertIn("+81 90-****-0001", page.text)

    def test_odoo_sms_service_gets_the_clear_link_only(self):
        """Odoo's own SMS service: a paid cloud API, hence the one mock."""
        self.params.set_param("callflow_sms.provider", "odoo")
        handed = []

        def contact_iap(_endpoint, params):
            handed.extend(message["content"] for message in params["messages"])
            return [
                {"uuid": number["uuid"], "state": "success", "credit": 1}
                for message in params["messages"]
                for number in message["numbers"]
            ]

        sms = self.env["callflow.sms.sender"]._callflow_send(self.entry, self.template)
        masked = sms.body
        with patch.object(SmsApi, "_contact_iap", side_effect=contact_iap):
            sms.send(unlink_sent=False)
        self.assertEqual(sms.state, "pending")
        [sent] = handed
        raw = CLEAR_RE.search(sent).group(1)
        self.assertEqual(sent.replace(f"/o/{raw}", f"/o/…{raw[-2:]}"), masked)
        sms.invalidate_recordset()
        self.assertEqual(sms.body, masked)
        self.assertNotIn(raw, self._stored_texts())
        token = self.env["callflow.optout.token"]._find(raw)
        self.assertEqual(token, sms.callflow_token_id)

    def test_a_retried_message_keeps_both_links_working(self):
        """A provider may have received an attempt that timed out: the link
        of each attempt stays valid."""
        self.params.set_param("callflow_sms.max_retries", "0")
        sms = self.env["callflow.sms.sender"]._callflow_send(self.entry, self.template)
        self.gateway.plan = [(503, '{"message": "busy"}', 0)]
        sms.send(unlink_sent=False)
        self.assertEqual(sms.state, "outgoing")
        sms.send(unlink_sent=False)
        self.assertEqual(sms.state, "pending")
        raws = [
            CLEAR_RE.search(r["params"]["text"]).group(1) for r in self.gateway.requests
        ]
        self.assertEqual(len(set(raws)), 2)
        Token = self.env["callflow.optout.token"]
        self.assertTrue(all(Token._find(raw).number == MOBILE_A for raw in raws))
        self.assertNotIn(raws[0], self._stored_texts())
        self.assertNotIn(raws[1], self._stored_texts())

    def test_outbox_stores_the_link_masked(self):
        self.params.set_param("callflow_sms.provider", "outbox")
        sms = self.env["callflow.sms.sender"]._callflow_send(self.entry, self.template)
        sms.send()
        sms.invalidate_recordset()
        self.assertEqual(sms.state, "callflow_outbox", "kept in the outbox")
        self.assertRegex(sms.body, r"/o/…[A-Za-z0-9_-]{2}$")
        self.assertFalse(CLEAR_RE.search(self._stored_texts()))
        self.assertFalse(self.gateway.requests)

    def test_provider_echo_is_masked(self):
        sms = self.env["callflow.sms.sender"]._callflow_send(self.entry, self.template)
        # The gateway refuses the message and quotes it back.
        self.gateway.default = (400, "", 0)

        def echo(handler, raw, _orig=self.gateway._handle):
            status, _body, delay = _orig(handler, raw)
            text = json.loads(raw)["text"]
            return status, json.dumps({"error": f"rejected: {text}"}), delay

        self.gateway._handle = echo
        sms.send(unlink_sent=False)
        self.assertEqual(sms.state, "error")
        self.assertIn("rejected:", sms.callflow_provider_error)
        self.assertRegex(sms.callflow_provider_error, r"/o/…[A-Za-z0-9_-]{2}$")
        self.assertFalse(CLEAR_RE.search(self._stored_texts()))


@tagged("post_install", "-at_install")
class TestWebhookTrust(JsonWebhookMixin, HttpCase):
    def test_signature_is_timestamped_hmac(self):
        payload = {"from": NUMBER, "text": "STOP", "id": "m-sig"}
        body = json.dumps(payload).encode()
        now = int(time.time())
        refused = {
            "expired": {"timestamp": now - 330},
            "from the future": {"timestamp": now + 360},
            "bare secret": {"signature": SECRET},
            "body-only HMAC": {
                "signature": hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
            },
            "forged": {"signature": "0" * 64},
            "not ASCII": {"signature": "é" * 64},
            "other secret": {
                "signature": signatures.sign_webhook("guess", str(now), body)
            },
        }
        answers = set()
        for case, kw in refused.items():
            response = self._post(payload, **kw)
            self.assertEqual(response.status_code, 403, case)
            answers.add(response.text)
        self.assertFalse(self._blocked(), "no refused call changed anything")
        # Which provider is configured is not told either.
        self.params.set_param("callflow_sms.provider", "twilio")
        other = self._post(payload)
        self.assertEqual(other.status_code, 403)
        twilio = self.url_open(
            "/callflow_sms/twilio/inbound", data={"From": NUMBER, "Body": "STOP"}
        )
        self.assertEqual(twilio.status_code, 403)
        answers |= {other.text, twilio.text}
        self.assertEqual(len(answers), 1, answers)
        self.params.set_param("callflow_sms.provider", "http_json")
        ok = self._post(payload, timestamp=now - 240)
        self.assertEqual(ok.status_code, 200)
        self.assertTrue(self._blocked())

    def test_replayed_message_ids_do_nothing(self):
        self.assertEqual(self._sms("STOP", "m-1").status_code, 200)
        self.assertEqual(self._sms("START", "m-2").status_code, 200)
        self.assertEqual(self._sms("HELP", "m-3").status_code, 200)
        self.assertFalse(self._blocked())
        self.assertEqual(len(self._sent_texts()), 3)
        # A provider (or an attacker) posts the same messages again.
        for text, msg_id in (("STOP", "m-1"), ("HELP", "m-3"), ("START", "m-2")):
            self.assertEqual(self._sms(text, msg_id).status_code, 200)
        self.assertFalse(self._blocked(), "the replayed STOP did nothing")
        events = self.env["callflow.preference.event"].search([("number", "=", NUMBER)])
        self.assertEqual(len(events), 2)
        self.assertEqual(len(self._sent_texts()), 3, "no second answer")
        self.assertEqual(
            self.env["callflow.sms.inbound"].search_count([("number", "=", NUMBER)]),
            3,
        )

    def test_help_is_answered_once_a_day(self):
        for i in range(3):
            self.assertEqual(self._sms("HELP", f"h-{i}").status_code, 200)
        texts = self._sent_texts()
        self.assertEqual(len(texts), 1)
        self.assertIn("/callflow/optout", texts[0])
        other = "+819011114444"
        self._sms("help", "h-other", number=other)
        self.assertEqual(len(self._sent_texts(other)), 1, "per number")
        inbound = self.env["callflow.sms.inbound"].search([("number", "=", NUMBER)])
        self.assertEqual(len(inbound), 3, "every HELP is kept")
        answered = inbound.filtered("help_day")
        self.assertEqual(len(answered), 1)
        # The next day it is answered again.
        answered.sudo().help_day = answered.help_day - timedelta(days=1)
        self._sms("HELP", "h-next-day")
        self.assertEqual(len(self._sent_texts()), 2)

    def test_body_size_is_checked_first(self):
        payload = {"from": NUMBER, "text": "STOP", "id": "m-big", "pad": "x" * 70000}
        for path in (
            "/callflow_sms/http_json/inbound",
            "/callflow_sms/http_json/status",
        ):
            response = self._post(payload, path=path)
            self.assertEqual(response.status_code, 413, path)
        response = self.url_open(
            "/callflow_sms/twilio/inbound",
            data={"From": NUMBER, "Body": "STOP", "Pad": "x" * 70000},
        )
        self.assertEqual(response.status_code, 413)
        self.assertFalse(self._blocked())

    def test_confirmation_leaves_after_the_commit(self):
        self.assertEqual(self._sms("STOP", "m-c").status_code, 200)
        self.assertTrue(self._blocked())
        self.assertFalse(
            self.gateway.requests, "nothing sent inside the webhook's transaction"
        )
        [reply] = self.env["sms.sms"].search([("number", "=", NUMBER)])
        self.assertEqual(reply.state, "outgoing")
        texts = self._sent_texts()
        self.assertEqual(len(texts), 1)
        self.assertIn("START", texts[0])

    def test_a_failed_webhook_sends_nothing(self):
        partner = self.env["res.partner"].create({"name": "Ito", "phone": NUMBER})
        # The transaction fails late: when the inbound SMS reaches the chatter.
        self.env.cr.execute(
            """
            CREATE FUNCTION pg_temp.callflow_fail() RETURNS trigger
            LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'disk full'; END $$;
            CREATE TRIGGER callflow_fail BEFORE INSERT ON mail_message
               FOR EACH ROW WHEN (NEW.model = 'res.partner')
               EXECUTE FUNCTION pg_temp.callflow_fail();
            """
        )
        with mute_logger("odoo.http", "odoo.sql_db"):
            response = self._sms("STOP", "m-f")
        self.assertEqual(response.status_code, 500)
        self.env.cr.execute("DROP TRIGGER callflow_fail ON mail_message")
        self.assertFalse(self._blocked())
        self.assertFalse(self._sent_texts(), "no confirmation of a lost STOP")
        self.assertFalse(self.gateway.requests)
        # The provider retries the webhook: now it is stored and confirmed.
        self.assertEqual(self._sms("STOP", "m-f").status_code, 200)
        self.assertTrue(self._blocked())
        self.assertEqual(len(self._sent_texts()), 1)
        self.assertIn("STOP", partner.message_ids[0].body)

    def test_every_inbound_sms_reaches_a_person(self):
        owner = self.env["res.users"].create(
            {"name": "Owner", "login": "cf_sms_owner", "email": "o@example.com"}
        )
        partner = self.env["res.partner"].create(
            {"name": "Kato", "mobile": NUMBER, "user_id": owner.id}
        )
        lead = self.env["crm.lead"].create(
            {"name": "Kato lead", "phone": NUMBER, "user_id": owner.id}
        )
        text = "Please call me after 6pm <b>tomorrow</b>"
        self.assertEqual(self._sms(text, "m-msg").status_code, 200)
        inbound = self.env["callflow.sms.inbound"].search([("number", "=", NUMBER)])
        self.assertEqual((inbound.kind, inbound.body), ("message", text))
        for record in (partner, lead):
            note = record.message_ids[0]
            self.assertIn("after 6pm &lt;b&gt;tomorrow", note.body)
            self.assertIn(NUMBER, note.body)
        activity = lead.activity_ids
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.user_id, owner)
        self.assertIn(NUMBER, activity.summary)
        self.assertFalse(partner.activity_ids, "one activity per owner")
        self.assertFalse(self._blocked())
        self.assertFalse(self._sent_texts(), "no automatic answer")
        # A replay neither logs nor assigns twice.
        self._sms(text, "m-msg")
        self.assertEqual(len(lead.activity_ids), 1)
        self.assertEqual(
            len(lead.message_ids.filtered(lambda m: "6pm" in (m.body or ""))), 1
        )

    def test_near_keywords_opt_out_and_ordinary_messages_do_not(self):
        stops = (
            "ストップ",
            "ｽﾄｯﾌﾟ",
            "配信停止して",
            "配信停止をお願いします。",
            "S\u200bTOP",
            "ＳＴＯＰ",
            "\ufeffStop please!",
            "stop\u2060",
        )
        for i, text in enumerate(stops):
            number = f"+8190222200{i:02d}"
            self.assertEqual(self._sms(text, f"n-{i}", number).status_code, 200)
            self.assertTrue(self._blocked(number), repr(text))
        for i, text in enumerate(
            ("don't stop calling", "Stop by tomorrow?", "stopping by", "停止中ですか")
        ):
            number = f"+8190333300{i:02d}"
            self.assertEqual(self._sms(text, f"o-{i}", number).status_code, 200)
            self.assertFalse(self._blocked(number), text)
            inbound = self.env["callflow.sms.inbound"].search([("number", "=", number)])
            self.assertEqual(inbound.kind, "message", text)

    def test_bad_inbound_fields_are_refused(self):
        for payload in (
            {"from": NUMBER, "text": "STOP"},  # no message id: no replay key
            {"from": NUMBER, "text": "STOP", "id": ["m-1"]},
            {"from": NUMBER, "text": "STOP\x00", "id": "m-nul"},
            {"from": NUMBER + " " * 5000, "text": "STOP", "id": "m-long"},
        ):
            response = self._post(payload)
            self.assertEqual(response.status_code, 400, str(payload)[:60])
        self.assertFalse(self._blocked())
        self.assertFalse(self.env["callflow.sms.inbound"].search([]))


@tagged("post_install", "-at_install")
class TestGatewayClientTrust(LocalGatewayMixin, TransactionCase):
    def setUp(self):
        super().setUp()
        self.params = set_sms_params(
            self.env,
            provider="http_json",
            backoff="0.01",
            http_auth_header_name="X-Api-Key",
            http_auth_header_value="k3y",
        )

    def _send(self, gateway, body="hello"):
        self.params.set_param("callflow_sms.http_url", gateway.url + "/send")
        sms = self.env["sms.sms"].create({"number": NUMBER, "body": body})
        sms.send(unlink_sent=False)
        return sms

    def test_no_redirect_is_followed_with_credentials(self):
        for provider in ("http_json", "twilio"):
            self.params.set_param("callflow_sms.provider", provider)
            with FakeGateway() as elsewhere, FakeGateway() as gateway:
                gateway.redirect_to = elsewhere.url + "/steal"
                self.params.set_param("callflow_sms.twilio_base_url", gateway.url)
                self.params.set_param("callflow_sms.twilio_account_sid", "AC1")
                self.params.set_param("callflow_sms.twilio_auth_token", "secret")
                sms = self._send(gateway)
                self.assertEqual(len(gateway.requests), 1, provider)
                self.assertFalse(elsewhere.requests, provider)
                self.assertEqual(sms.state, "error", provider)
                self.assertIn("redirect", sms.callflow_provider_error, provider)

    def test_json_body_survives_quotes_and_placeholders(self):
        body = 'He said "{uuid}" and {number} \\ {body} \u2028 ok'
        with FakeGateway() as gateway:
            sms = self._send(gateway, body)
            self.assertEqual(sms.state, "pending")
            self.assertEqual(gateway.requests[0]["params"]["text"], body)
            self.assertEqual(gateway.requests[0]["params"]["reference"], sms.uuid)
        # A template with quoted placeholders gives valid JSON too.
        self.params.set_param(
            "callflow_sms.http_body_template",
            '{"to": "{number}", "text": "{body}", "ref": {uuid}}',
        )
        with FakeGateway() as gateway:
            sms = self._send(gateway, body)
            self.assertEqual(sms.state, "pending")
            params = gateway.requests[0]["params"]
            self.assertEqual((params["to"], params["text"]), (NUMBER, body))
