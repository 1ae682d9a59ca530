"""Shared fixtures: a company with a legal address, a contact owned by a
salesperson, an open lead, and a personal opt-out link for them."""

import re

from lxml import html

from odoo.tests import HttpCase, new_test_user

from odoo.addons.callflow_odoo.tests.common import CallflowCase


class OptoutCase(CallflowCase, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.company.write(
            {
                "name": "Callflow Test KK",
                "street": "1-2-3 Marunouchi",
                "city": "Chiyoda-ku, Tokyo",
                "zip": "100-0005",
                "country_id": cls.env.ref("base.jp").id,
                "phone": "+81 3-1234-5678",
                "email": "privacy@callflow.example.com",
            }
        )
        cls.salesman = new_test_user(
            cls.env, login="cf_sales", groups="sales_team.group_sale_salesman"
        )
        cls.partner = cls.env["res.partner"].create(
            {
                "name": "Yamada Taro",
                "phone": "+81 90-1234-5678",
                "country_id": cls.env.ref("base.jp").id,
                "user_id": cls.salesman.id,
            }
        )
        cls.lead = cls.env["crm.lead"].create(
            {
                "name": "Yamada: office chairs",
                "partner_id": cls.partner.id,
                "type": "opportunity",
            }
        )
        cls.number = "+819012345678"
        cls.Token = cls.env["callflow.optout.token"]
        cls.Response = cls.env["callflow.optout.response"]
        cls.Event = cls.env["callflow.preference.event"]
        cls.raw = cls.Token._issue_tokens(
            [
                {
                    "number": cls.number,
                    "partner_id": cls.partner.id,
                    "lead_id": cls.lead.id,
                    "purpose": "sales",
                    "context_note": "Tokyo sales desk called you on 20 Nov "
                    "about your inquiry",
                    "user_id": cls.salesman.id,
                }
            ]
        )[0]
        cls.token = cls.Token._find(cls.raw)

    # --- helpers ------------------------------------------------------
    def get_page(self, url):
        response = self.url_open(url)
        return response, html.fromstring(response.content)

    def csrf(self, url):
        _response, doc = self.get_page(url)
        return doc.xpath(
            "//form[@id='callflow_optout_form']//input[@name='csrf_token']"
        )[0].get("value")

    def post_answer(self, url, form_url=None, **data):
        data.setdefault("answer", "stop_all")
        data["csrf_token"] = self.csrf(form_url or url)
        return self.url_open(url, data=data)

    def page_structure(self, content):
        """The page body without its per-session CSRF token.

        Odoo echoes the requested path in the header links (a NUL byte
        included); the body below the header is what must not differ.
        """
        doc = html.fromstring(content.replace(b"\x00", b""))
        wrap = doc.xpath("//div[@id='wrap']")[0]
        for node in wrap.xpath("//input[@name='csrf_token']"):
            node.set("value", "")
        return re.sub(r"\s+", " ", html.tostring(wrap, encoding="unicode"))

    def events(self):
        return self.Event.search([("number", "=", self.number)])

    def blocked(self):
        """``{channel: reason or None}`` of the number, for calls and SMS."""
        State = self.env["callflow.preference.state"]
        return {
            channel: State._check_numbers([self.number], channel).get(self.number)
            for channel in ("call", "sms")
        }

    def blacklisted(self):
        return bool(
            self.env["phone.blacklist"].search([("number", "=", self.number)]).active
        )

    def assertLastAnswer(self, **expected):
        """The answer recorded last has the ``expected`` values (answer,
        state, review_state...); returns it."""
        answer = self.Response.search([], limit=1)
        self.assertEqual({name: answer[name] for name in expected}, expected)
        return answer

    def assertDncEverywhere(self):
        """The number is do-not-call on calls and SMS, and blacklisted."""
        for channel in ("call", "sms"):
            self.assertBlocked(self.number, channel, reason="dnc")
        self.assertTrue(self.blacklisted())

    def keep_contacting(self, number_input="090-1234-5678"):
        """Somebody without the link asks to keep being contacted."""
        response = self.post_answer(
            "/callflow/optout", number_input=number_input, answer="keep_contacting"
        )
        self.assertEqual(response.status_code, 200)
        return response
