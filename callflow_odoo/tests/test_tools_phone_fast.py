"""The parsing shortcut gives what phonenumbers gives: pure, no database."""

import random

import phonenumbers

from odoo.tests import BaseCase

from odoo.addons.callflow_odoo.tools import phone, phone_fast
from odoo.addons.callflow_odoo.tools.phone import parse_number
from odoo.addons.callflow_odoo.tools.phone_fast import quick_parse

REGIONS = ("JP", "US", "GB", "GG", "IT", "RU", "DE", "AR", "BR", "AU", "", "ZZ")
SEPARATORS = ("", " ", "-", ".", "(", ")", "/")
PREFIXES = ("", "0", "00", "010", "011", "81", "1", "44", "39", "7", "8")


def _random_text(rng):
    digits = rng.choice(PREFIXES) + "".join(
        rng.choice("0123456789") for _i in range(rng.randint(1, 14))
    )
    text = "".join(
        (rng.choice(SEPARATORS) if rng.random() < 0.2 else "") + d for d in digits
    )
    return ("+" if rng.random() < 0.35 else "") + text


class TestToolsPhoneFast(BaseCase):
    def test_common_shapes_take_the_shortcut(self):
        """The shapes people type most are read without the library's
        search, to the same number."""
        for text, region, e164 in (
            ("090-1234-5678", "JP", "+819012345678"),
            ("(06) 1234 5678", "JP", "+81612345678"),
            ("+81 80 1234 5678", "GB", "+818012345678"),
            ("020 7946 0123", "GB", "+442079460123"),
            ("(212) 555-0123", "US", "+12125550123"),
        ):
            with self.subTest(text=text):
                self.assertIsNotNone(quick_parse(text, region))
                self.assertEqual(parse_number(text, region), e164)

    def test_same_as_phonenumbers(self):
        """Whatever the text, the shortcut gives phonenumbers' own result
        or steps aside (None): national prefixes, country codes typed
        without +, international prefixes, too short, too long."""
        rng = random.Random(13)
        taken = 0
        for _i in range(20000):
            text, region = _random_text(rng), rng.choice(REGIONS)
            quick = quick_parse(text, region)
            if quick is None:
                continue
            taken += 1
            expected = phonenumbers.parse(text, region or None)
            self.assertEqual(quick, expected, f"{text!r} in {region!r}")
        self.assertGreater(taken, 5000)

    def test_without_the_library_internals_every_number_still_parses(self):
        """A phonenumbers release without the internals the shortcut uses
        makes it step aside: numbers parse the same, through the library."""
        expected = parse_number("03-1234-5678", "JP")
        phone._parse_cached.cache_clear()
        try:
            phone_fast.AVAILABLE = False
            self.assertIsNone(quick_parse("03-1234-5678", "JP"))
            self.assertEqual(parse_number("03-1234-5678", "JP"), expected)
            self.assertEqual(expected, "+81312345678")
        finally:
            phone_fast.AVAILABLE = True
            phone._parse_cached.cache_clear()
