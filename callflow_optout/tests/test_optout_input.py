"""Bad input gets a clear answer, never a 500 (issue #11, section 9)."""

from datetime import timedelta

from lxml import html

from odoo import fields
from odoo.tests import tagged

from odoo.addons.callflow_odoo.tools.phone import (
    MAX_RAW_LENGTH,
    PhoneParseError,
    _parse_cached,
    parse_number,
)

from .common import OptoutCase

WEEKDAYS = {f"times_day_{d}": "1" for d in "12345"}


@tagged("post_install", "-at_install")
class TestOptoutInput(OptoutCase):
    def test_non_ascii_digits_in_hours_give_the_form_again(self):
        for times_from, times_to in (
            ("²", "12"),
            ("9", "¹⁸"),
            ("٣", "١٢"),
            ("１０", "12"),
        ):
            response = self.post_answer(
                f"/o/{self.raw}",
                answer="certain_times",
                times_from=times_from,
                times_to=times_to,
                **WEEKDAYS,
            )
            self.assertEqual(response.status_code, 400, times_from)
            self.assertIn("which days and times suit you", response.text)
            self.assertIn('id="callflow_optout_form"', response.text)
        self.assertFalse(self.Response.search([]))

    def test_the_pages_own_from_midnight_option_is_saved(self):
        _response, doc = self.get_page(f"/o/{self.raw}")
        [option] = doc.xpath("//select[@name='times_from']/option[text()='00:00']")
        # What a browser posts: the value, or the text if there is none.
        value = option.get("value", option.text)
        [last] = doc.xpath("//select[@name='times_to']/option[text()='24:00']")
        response = self.post_answer(
            f"/o/{self.raw}",
            answer="certain_times",
            times_from=value,
            times_to=last.get("value", last.text),
            times_day_6="1",
        )
        self.assertEqual(response.status_code, 200, response.text[-2000:])
        self.assertIn("00:00–24:00", response.text)
        answer = self.Response.search([])
        self.assertEqual((answer.times_from, answer.times_to), (0.0, 24.0))

    def test_phone_parser_refuses_padding_before_its_cache(self):
        padded = "090-1234-5678" + " " * 5_000_000
        cache = _parse_cached.cache_info()
        with self.assertRaises(PhoneParseError):
            parse_number(padded, "JP")
        with self.assertRaises(PhoneParseError):
            parse_number("090-1234-5678" + " " * MAX_RAW_LENGTH, "JP")
        # Refused before the cache: no entry, not even a lookup.
        self.assertEqual(_parse_cached.cache_info(), cache)
        self.assertEqual(parse_number(" 090-1234-5678 内線12 ", "JP"), self.number)

    def test_personal_pages_are_private(self):
        for response in (
            self.url_open(f"/o/{self.raw}"),
            self.post_answer(f"/o/{self.raw}", answer="no_sms"),
            self.post_answer(f"/o/{self.raw}", answer="bogus"),
        ):
            self.assertEqual(response.headers["Referrer-Policy"], "no-referrer")
            self.assertEqual(response.headers["X-Robots-Tag"], "noindex")
            self.assertEqual(response.headers["Cache-Control"], "no-store")
            doc = html.fromstring(response.content)
            head = html.tostring(doc.xpath("//head")[0], encoding="unicode")
            self.assertNotIn(self.raw, head)
            canonical = doc.xpath("//link[@rel='canonical']/@href")
            self.assertEqual(len(canonical), 1)
            self.assertTrue(canonical[0].endswith("/callflow/optout"), canonical)
            og_url = doc.xpath("//meta[@property='og:url']/@content")
            self.assertEqual(len(og_url), 1)
            self.assertTrue(og_url[0].endswith("/callflow/optout"), og_url)
        # The form still posts to the link itself.
        _response, doc = self.get_page(f"/o/{self.raw}")
        self.assertEqual(
            doc.xpath("//form[@id='callflow_optout_form']/@action"), [f"/o/{self.raw}"]
        )

    def test_expired_link_leads_to_the_page_without_a_link(self):
        self.env.cr.execute(
            "UPDATE callflow_optout_token SET create_date = %s WHERE id = %s",
            [fields.Datetime.now() - timedelta(days=401), self.token.id],
        )
        self.token.invalidate_recordset(["create_date"])
        response, doc = self.get_page(f"/o/{self.raw}")
        self.assertEqual(response.status_code, 200)
        self.assertIn("This personal link has expired", doc.text_content())
        self.assertEqual(
            doc.xpath("//form[@id='callflow_optout_form']/@action"),
            ["/callflow/optout"],
        )
        self.assertTrue(doc.xpath("//input[@name='number_input']"))
        self.assertNotIn("****", doc.text_content())
        response = self.url_open(
            f"/o/{self.raw}",
            data={
                "answer": "keep_contacting",
                "csrf_token": self.csrf("/o/" + self.raw),
            },
        )
        self.assertIn("This personal link has expired", response.text)
        self.assertFalse(self.Response.search([]))
        # The age is a system parameter.
        params = self.env["ir.config_parameter"].sudo()
        params.set_param("callflow_optout.token_max_age_days", "500")
        self.assertNotIn("has expired", self.url_open(f"/o/{self.raw}").text)
        params.set_param("callflow_optout.token_max_age_days", "30")
        raw = self.Token._issue_tokens([{"number": "+819055550001"}])[0]
        self.assertNotIn("has expired", self.url_open(f"/o/{raw}").text)
        self.assertIn("has expired", self.url_open(f"/o/{self.raw}").text)

    def test_tokenless_page_reads_national_numbers_of_published_countries(self):
        """A Tokyo desk of a company registered in the US: visitors type
        Japanese national numbers, as the directory lookup reads them."""
        self.company.country_id = self.env.ref("base.us")
        self.env["callflow.caller.number"].create(
            {
                "name": "Tokyo sales desk",
                "number": "+81 3-6000-0001",
                "purpose": "sales",
                "is_published": True,
                "company_id": self.company.id,
            }
        )
        for typed in ("090-4412-7731", "０９０－４４１２－７７３１"):
            response = self.post_answer(
                "/callflow/optout", number_input=typed, answer="no_calls"
            )
            self.assertEqual(response.status_code, 200, typed)
        self.assertEqual(
            self.Response.search([]).mapped("number"),
            ["+819044127731", "+819044127731"],
        )
        # A US number still reads in the company's own country.
        self.post_answer("/callflow/optout", number_input="(201) 555-0123")
        self.assertEqual(self.Response.search([], limit=1).number, "+12015550123")


@tagged("post_install", "-at_install")
class TestContactFormInput(OptoutCase):
    def _post_form(self, **data):
        data.setdefault("contact_name", "Suzuki Hanako")
        data.setdefault("email_from", "hanako@example.com")
        data.setdefault("name", "Quote for 20 chairs")
        data["csrf_token"] = self.csrf("/callflow/optout")
        return self.url_open("/website/form/crm.lead", data=data)

    def test_bogus_contact_choice_is_a_form_error(self):
        leads = self.env["crm.lead"].search([])
        response = self._post_form(phone="090-2222-3333", callflow_contact_choice="x")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json(), {"error_fields": ["callflow_contact_choice"]})
        self.assertEqual(self.env["crm.lead"].search([]), leads)

    def test_phone_followed_by_megabytes_is_refused(self):
        leads = self.env["crm.lead"].search([])
        response = self._post_form(
            phone="090-2222-3333" + " " * (5 * 1024 * 1024),
            callflow_contact_choice="phone",
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json(), {"error_fields": ["phone"]})
        self.assertEqual(self.env["crm.lead"].search([]), leads)
        # A normal number still makes a lead.
        response = self._post_form(
            phone="090-2222-3333", callflow_contact_choice="phone"
        )
        self.assertTrue(response.json().get("id"))
