from odoo.tests import TransactionCase, tagged

from odoo.addons.callflow_odoo.tools.phone import (
    PhoneParseError,
    clean_input,
    format_number,
    mask_number,
    parse_number,
    try_parse_number,
)


@tagged("post_install", "-at_install")
class TestPhoneTools(TransactionCase):
    def test_parse_usual_japanese_formats(self):
        """Every way a person writes the same number gives one E.164 string."""
        for text in (
            "03-1234-5678",
            "0312345678",
            "03 1234 5678",
            "03.1234.5678",
            "(03) 1234-5678",
            "+81 3 1234 5678",
            "+81-3-1234-5678",
            "０３－１２３４－５６７８",
            "０３ー１２３４ー５６７８",
            "＋８１ ３ １２３４ ５６７８",
            "03-1234-5678 内線12",
            "03-1234-5678 ext. 12",
        ):
            with self.subTest(text=text):
                self.assertEqual(parse_number(text, "JP"), "+81312345678")

    def test_parse_international_without_region(self):
        self.assertEqual(parse_number("+44 20 7946 0958"), "+442079460958")
        self.assertEqual(parse_number("0044 20 7946 0958"), "+442079460958")

    def test_parse_refuses_garbage(self):
        for text, region in (
            ("", "JP"),
            ("hello", "JP"),
            ("03-1234", "JP"),
            ("<script>alert(1)</script>", "JP"),
            ("0312345678", None),
            ("9" * 200, "JP"),
        ):
            with self.subTest(text=text):
                with self.assertRaises(PhoneParseError):
                    parse_number(text, region)
                e164, reason = try_parse_number(text, region)
                self.assertFalse(e164)
                self.assertTrue(reason)

    def test_clean_input(self):
        self.assertEqual(clean_input("０９０－１２３４－５６７８"), "090-1234-5678")
        self.assertEqual(clean_input(None), "")

    def test_format_number(self):
        self.assertEqual(format_number("+81312345678"), "+81 3-1234-5678")
        self.assertEqual(format_number("+81312345678", "national"), "03-1234-5678")
        self.assertEqual(
            format_number("+81312345678", "rfc3966"), "tel:+81-3-1234-5678"
        )
        self.assertEqual(format_number(False), "")

    def test_mask_number(self):
        self.assertEqual(mask_number("+819012345678"), "+81 90-****-5678")
        masked = mask_number("+442079460958")
        self.assertTrue(masked.startswith("+44 "))
        self.assertTrue(masked.endswith("0958"))
        self.assertNotIn("7946", masked)
        self.assertEqual(mask_number(""), "")
