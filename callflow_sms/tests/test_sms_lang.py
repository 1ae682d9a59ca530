"""Issue #16: each person is addressed in their own language, the SMS and
the page its link opens alike."""

import re

import lxml.html

from odoo import fields
from odoo.tests import HttpCase, TransactionCase, tagged
from odoo.tools import format_date

from odoo.addons.callflow_odoo.tests.common import CallflowCommon

from .test_sms_trust import JsonWebhookMixin

LONDON = "+447700900123"
OSAKA = "+819011114444"
# A London mobile number the webhook accepts (LONDON is a drama number).
LONDON_MOBILE = "+447911123456"
CHICAGO = "+13125550123"
BODY_EN = (
    "{company}: {operator} calls you from {caller_number} about {purpose}. "
    "Stop: {optout_link}"
)
BODY_JA = (
    "{company}の{operator}です。{purpose}の件で{caller_number}からお電話します。"
    "停止: {optout_link}"
)
LINK_RE = re.compile(
    r"https?://[^/\s]+((?:/[a-z]{2}(?:_[A-Z]{2})?)?/o/[A-Za-z0-9_-]{22})"
)


class SmsLanguageCommon(CallflowCommon):
    @classmethod
    def setup_languages(cls):
        cls.setup_dialer()
        cls.ja = cls.env["res.lang"]._activate_lang("ja_JP")
        cls.env["ir.module.module"]._load_module_terms(
            ["callflow_odoo", "callflow_optout", "callflow_sms"],
            ["ja_JP"],
            overwrite=True,
        )
        cls.env["website"].get_current_website().language_ids |= cls.ja
        cls.company.partner_id.lang = "en_US"
        cls.template = cls.env["callflow.sms.template"].create(
            {"name": "Before", "when": "before", "body": BODY_EN}
        )
        cls.template.with_context(lang="ja_JP").body = BODY_JA
        cls.call_list = cls.make_list(sms_before_template_id=cls.template.id)

    def entry_for(self, number, lang=False):
        partner = self.env["res.partner"].create(
            {"name": f"Person {number}", "phone": number, "lang": lang}
        )
        lead = self.env["crm.lead"].create(
            {"name": f"Lead {number}", "phone": number, "partner_id": partner.id}
        )
        return self.make_entry(
            self.call_list, number, partner_id=partner.id, lead_id=lead.id
        )

    def send_as(self, lang, entry):
        """Send the template as an operator working in ``lang``."""
        Sender = self.env["callflow.sms.sender"].with_user(self.operator)
        Sender = Sender.with_context(lang=lang)
        return Sender._callflow_send(entry.with_user(self.operator), self.template)


@tagged("post_install", "-at_install")
class TestSmsLanguage(SmsLanguageCommon, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["ir.config_parameter"].sudo().set_param(
            "callflow_sms.provider", "outbox"
        )
        cls.setup_languages()

    def test_london_lead_gets_english_with_international_number(self):
        """A Japanese operator texts a London lead whose language is not
        known: English (the language of the number's country), our number
        as dialled from abroad, the link to the default-language page."""
        sms = self.send_as("ja_JP", self.entry_for(LONDON))
        self.assertIn("calls you from +81 3-6000-0001 about Sales.", sms.body)
        self.assertNotIn("お電話", sms.body)
        self.assertRegex(sms.body, r"https?://[^/\s]+/o/…")

    def test_japanese_lead_gets_japanese_with_national_number(self):
        """An English-speaking operator texts a Japanese mobile: Japanese
        text, national number, the purpose in Japanese, a /ja/ link."""
        sms = self.send_as("en_US", self.entry_for(OSAKA))
        self.assertIn("営業の件で03-6000-0001からお電話します。", sms.body)
        self.assertNotIn("Sales", sms.body)
        self.assertRegex(sms.body, r"https?://[^/\s]+/ja/o/…")

    def test_contact_language_wins_over_the_country(self):
        """A contact who reads English gets English, even on a Japanese
        number: and our number in its national form."""
        sms = self.send_as("ja_JP", self.entry_for(OSAKA, lang="en_US"))
        self.assertIn("calls you from 03-6000-0001 about Sales.", sms.body)


@tagged("post_install", "-at_install")
class TestSmsLinkLanguage(JsonWebhookMixin, SmsLanguageCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_languages()

    def _link_path(self, number):
        """Send the SMS through the local gateway: the path of the link the
        recipient received."""
        [text] = self._sent_texts(number)
        return text, LINK_RE.search(text).group(1)

    def test_stop_is_confirmed_in_the_senders_language(self):
        """A STOP from a Japanese number is confirmed in Japanese, one from
        a London number in English."""
        self._sms("STOP", "lang-stop-1", number=OSAKA)
        self._sms("STOP", "lang-stop-2", number=LONDON_MOBILE)
        [japanese] = self._sent_texts(OSAKA)
        [english] = self._sent_texts(LONDON_MOBILE)
        self.assertIn("今後SMSはお送りしません", japanese)
        self.assertIn("you will receive no more SMS from us", english)

    def test_japanese_recipient_link_opens_the_japanese_page(self):
        self.send_as("en_US", self.entry_for(OSAKA))
        text, path = self._link_path(OSAKA)
        self.assertIn("営業の件で", text)
        self.assertTrue(path.startswith("/ja/o/"), path)
        response = self.url_open(path)
        self.assertEqual(response.status_code, 200)
        page = self.reason(response.text)
        self.assertIn("すべての連絡を停止", response.text)
        today = format_date(
            self.env, self.token_day(OSAKA, "Asia/Tokyo"), "ja_JP", "long"
        )
        self.assertRegex(today, r"^\d{4}年\d{1,2}月\d{1,2}日$")
        self.assertIn(
            f"{today}、{self.company.name}より、営業の件で03-6000-0001から"
            "お電話する前にSMSをお送りしました。",
            page,
        )
        self.assertNotIn("sent you an SMS", page)

    def test_english_recipient_gets_the_english_sms_and_page(self):
        """A Japanese operator texts a Chicago number of a contact who reads
        English: English SMS, English page, English reason."""
        self.send_as("ja_JP", self.entry_for(CHICAGO, lang="en_US"))
        text, path = self._link_path(CHICAGO)
        self.assertIn("calls you from +81 3-6000-0001 about Sales.", text)
        self.assertTrue(path.startswith("/o/"), path)
        response = self.url_open(path)
        page = self.reason(response.text)
        self.assertIn("Stop all contact", response.text)
        today = format_date(
            self.env, self.token_day(CHICAGO, "America/Chicago"), "en_US", "long"
        )
        self.assertIn(
            f"On {today}, {self.company.name} sent you an SMS before calling you "
            "from +81 3-6000-0001 about Sales.",
            page,
        )

    def test_tour_japanese_recipient_on_a_phone(self):
        """The same, in a browser at a phone's width (390 px)."""
        self.send_as("en_US", self.entry_for(OSAKA))
        _text, path = self._link_path(OSAKA)
        self.browser_size = "390x844"
        self.touch_enabled = True
        self.start_tour(path, "callflow_sms_ja_link_tour", login=None)

    def reason(self, html):
        """The text of the page's "why you hear from us" paragraph."""
        doc = lxml.html.fromstring(html)
        [node] = doc.xpath("//p[hasclass('o_callflow_optout_context')]")
        return " ".join(node.text_content().split())

    def token_day(self, number, tz):
        """The day the link was issued, in the recipient's time zone."""
        token = self.env["callflow.optout.token"].search([("number", "=", number)])
        return fields.Datetime.context_timestamp(
            token.with_context(tz=tz), token.create_date
        ).date()
