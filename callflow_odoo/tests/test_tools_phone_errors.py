"""Parse errors: a code for code, a translated message for people."""

from odoo.tests import BaseCase

from odoo.addons.callflow_odoo.tools.phone import (
    EMPTY,
    INVALID,
    NO_COUNTRY,
    NOT_A_NUMBER,
    PARSE_ERROR_CODES,
    TOO_LONG,
    PhoneParseError,
    parse_number,
    try_parse_number,
)
from odoo.addons.callflow_odoo.tools.phone_errors import PARSE_ERROR_MESSAGES


class TestToolsPhoneErrors(BaseCase):
    def test_each_refusal_has_its_code(self):
        """Callers branch on the code, never on the wording."""
        for text, region, code in (
            ("", "JP", EMPTY),
            ("call the front desk", "JP", NOT_A_NUMBER),
            ("9" * 200, "JP", TOO_LONG),
            ("9" * 70, "JP", TOO_LONG),
            ("0312345678", None, NO_COUNTRY),
            ("03-1234", "JP", INVALID),
        ):
            with self.subTest(text=text):
                with self.assertRaises(PhoneParseError) as caught:
                    parse_number(text, region)
                self.assertEqual(caught.exception.code, code)
                self.assertEqual(try_parse_number(text, region), (False, code))

    def test_every_code_has_a_japanese_message(self):
        """A refused number is explained in the user's language, whatever
        the reason."""
        self.assertEqual(set(PARSE_ERROR_MESSAGES), set(PARSE_ERROR_CODES))
        for code in PARSE_ERROR_CODES:
            with self.subTest(code=code):
                message = PARSE_ERROR_MESSAGES[code]
                english = message._translate("en_US")
                japanese = message._translate("ja_JP")
                self.assertTrue(english)
                self.assertNotEqual(japanese, english)
