"""The recipient's language and our number as they dial it: pure functions,
no database."""

from odoo.tests import BaseCase

from odoo.addons.callflow_odoo.tools.recipient import (
    caller_number_for,
    lang_for_country,
    lang_for_number,
)

INSTALLED = ["en_US", "ja_JP", "fr_FR"]


class TestToolsRecipient(BaseCase):
    def test_language_of_the_country(self):
        self.assertEqual(lang_for_country("JP", INSTALLED), "ja_JP")
        # British English is not installed: the main English variant.
        self.assertEqual(lang_for_country("GB", INSTALLED), "en_US")
        self.assertEqual(lang_for_country("GB", ["en_US", "en_GB"]), "en_GB")
        # Belgium speaks French among others: a French variant.
        self.assertEqual(lang_for_country("BE", INSTALLED), "fr_FR")
        self.assertIsNone(lang_for_country("KR", INSTALLED))
        self.assertIsNone(lang_for_country(None, INSTALLED))

    def test_caller_number_as_the_recipient_dials_it(self):
        tokyo = "+81360000001"
        self.assertEqual(caller_number_for(tokyo, "+819011110001"), "03-6000-0001")
        self.assertEqual(caller_number_for(tokyo, "+447700900123"), "+81 3-6000-0001")
        self.assertEqual(caller_number_for(False, "+447700900123"), "")
        # A recipient number that cannot be read: the form that works anywhere.
        self.assertEqual(caller_number_for(tokyo, "not a number"), "+81 3-6000-0001")
        self.assertIsNone(lang_for_number("not a number", INSTALLED))
