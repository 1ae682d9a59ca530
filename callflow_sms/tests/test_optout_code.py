"""With SMS, two more ways for the person to lift their own block: a START
from the number, and a code sent by SMS to the number from the page without
a link (issue #11 §1)."""

import re
from datetime import timedelta

from lxml import html

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged
from odoo.tools import SQL

from odoo.addons.callflow_odoo.tests.common import twilio_post
from odoo.addons.callflow_optout.tests.common import OptoutCase

from .gateway_server import FakeGateway
from .test_sms_gateway import LocalGatewayMixin

TOKEN = "twilio-secret"


@tagged("post_install", "-at_install")
class TestPersonLiftsWithSms(LocalGatewayMixin, OptoutCase):
    def setUp(self):
        super().setUp()
        params = self.env["ir.config_parameter"].sudo()
        params.set_param("callflow_sms.provider", "twilio")
        params.set_param("callflow_sms.twilio_account_sid", "AC1")
        params.set_param("callflow_sms.twilio_auth_token", TOKEN)
        params.set_param("callflow_sms.twilio_from_number", "+815000000000")
        params.set_param("callflow_sms.backoff", "0.01")
        self.gateway = FakeGateway().__enter__()
        self.addCleanup(self.gateway.__exit__)
        params.set_param("callflow_sms.twilio_base_url", self.gateway.url)
        # An operator marked the number do-not-call on every channel: it is
        # opted out of SMS and in phone.blacklist.
        self.Event._record(
            [
                {
                    "number": self.number,
                    "channel": "all",
                    "action": "dnc",
                    "source": "operator",
                }
            ]
        )
        self.Code = self.env["callflow.optout.code"]

    # --- helpers ------------------------------------------------------
    def sms_to(self, number):
        return [
            r["params"]["Body"]
            for r in self.gateway.requests
            if r["params"].get("To") == number
        ]

    def sent_code(self):
        [body] = self.sms_to(self.number)[-1:]
        return re.search(r"\b(\d{6})\b", body).group(1)

    def post_code(self, page, code, number=None):
        doc = html.fromstring(page.content)
        form = doc.xpath("//form[@id='callflow_optout_code_form']")[0]
        return self.url_open(
            "/callflow/optout/code",
            data={
                "csrf_token": form.xpath(".//input[@name='csrf_token']/@value")[0],
                "number": number or form.xpath(".//input[@name='number']/@value")[0],
                "code": code,
            },
        )

    # --- START --------------------------------------------------------
    def test_start_from_the_number_lifts_sms(self):
        self.keep_contacting()
        self.assertDncEverywhere()
        url = self.base_url() + "/callflow_sms/twilio/inbound"
        params = {"From": self.number, "Body": "START", "MessageSid": "SMstart"}
        response = twilio_post(self, url, params, TOKEN)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(self.blocked(), {"call": "dnc", "sms": None})
        self.assertFalse(self.blacklisted())

    # --- code sent by SMS ---------------------------------------------
    def test_code_sent_by_sms_lifts_the_block(self):
        page = self.keep_contacting()
        self.assertIn("that stop still holds", page.text)
        self.assertTrue(
            html.fromstring(page.content).xpath("//input[@name='code']"),
            "the page asks for the code",
        )
        # Sent even though the number opted out of SMS and is blacklisted:
        # the person asked for it.
        self.assertEqual(len(self.sms_to(self.number)), 1)
        code = self.sent_code()
        self.assertEqual(self.blocked(), {"call": "dnc", "sms": "dnc"})
        # Stored only as a hash: not in the code's row, not in the SMS queue.
        self.env.flush_all()
        self.env.cr.execute(
            SQL("SELECT row_to_json(c)::text FROM callflow_optout_code c")
        )
        [row] = self.env.cr.fetchall()
        self.assertNotIn(code, row[0])
        self.env.cr.execute(SQL("SELECT body FROM sms_sms"))
        self.assertFalse([b for (b,) in self.env.cr.fetchall() if code in (b or "")])
        # A wrong code changes nothing.
        wrong = f"{(int(code) + 1) % 1000000:06d}"
        response = self.post_code(page, wrong)
        self.assertEqual(response.status_code, 400)
        self.assertIn("This code is not valid", response.text)
        self.assertEqual(self.blocked(), {"call": "dnc", "sms": "dnc"})
        # The right one (full-width digits too) lifts calls, SMS, blacklist.
        response = self.post_code(
            page, code.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn("we may keep contacting you", response.text)
        self.assertEqual(self.blocked(), {"call": None, "sms": None})
        self.assertFalse(self.blacklisted())
        lifting = self.events().filtered(lambda e: e.source == "sms_code")
        self.assertEqual([(e.channel, e.action) for e in lifting], [("all", "opt_in")])
        self.assertIn(lifting, self.Response.search([]).event_ids)
        # A code works once.
        self.assertEqual(self.post_code(page, code).status_code, 400)

    def test_expired_code_is_refused(self):
        page = self.keep_contacting()
        code = self.sent_code()
        record = self.Code.search([("number", "=", self.number)])
        record.expires_at = fields.Datetime.now() - timedelta(seconds=1)
        response = self.post_code(page, code)
        self.assertEqual(response.status_code, 400)
        self.assertEqual(self.blocked(), {"call": "dnc", "sms": "dnc"})

    def test_few_attempts_per_code(self):
        page = self.keep_contacting()
        code = self.sent_code()
        wrong = f"{(int(code) + 1) % 1000000:06d}"
        for _i in range(5):
            self.assertEqual(self.post_code(page, wrong).status_code, 400)
        self.assertEqual(self.post_code(page, code).status_code, 400)
        self.assertEqual(self.blocked(), {"call": "dnc", "sms": "dnc"})
        self.assertEqual(
            self.Code.search([("number", "=", self.number)]).state, "failed"
        )

    def test_codes_are_rate_limited_per_number(self):
        pages = [self.keep_contacting() for _i in range(4)]
        self.assertEqual(len(self.sms_to(self.number)), 3, "3 codes an hour")
        # The page does not say so; the latest code sent is the one that works.
        self.assertTrue(
            html.fromstring(pages[-1].content).xpath("//input[@name='code']")
        )
        self.assertEqual(self.post_code(pages[-1], self.sent_code()).status_code, 200)
        self.assertEqual(self.blocked(), {"call": None, "sms": None})

    def test_no_code_for_a_number_nothing_blocks(self):
        page = self.keep_contacting("080-9999-1111")
        self.assertTrue(html.fromstring(page.content).xpath("//input[@name='code']"))
        self.assertFalse(self.gateway.requests)
        self.assertFalse(self.Code.search([]))
        response = self.post_code(page, "123456")
        self.assertEqual(response.status_code, 400)

    def test_codes_are_hidden_from_public_and_portal(self):
        self.keep_contacting()
        portal = new_test_user(self.env, "cf_portal", groups="base.group_portal")
        for user in (self.env.ref("base.public_user"), portal):
            with self.assertRaises(AccessError):
                self.Code.with_user(user).search([])
