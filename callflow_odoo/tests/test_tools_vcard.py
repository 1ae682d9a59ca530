"""vCard text and QR code: pure functions, no database."""

import base64

import vobject

from odoo.tests import BaseCase

from odoo.addons.callflow_odoo.tools.qr import qr_svg_data_uri
from odoo.addons.callflow_odoo.tools.vcard import (
    VCARD_LOGO_MAX_BYTES,
    finish_vcard,
    fold_vcard_line,
    vcard_filename,
    vcard_logo,
)

from .common import noisy_png


class TestToolsVcard(BaseCase):
    def test_fold_never_splits_a_character(self):
        line = "NOTE:" + "東京営業😀" * 40
        folded = fold_vcard_line(line)
        self.assertGreater(len(folded), 1)
        for part in folded:
            self.assertLessEqual(len(part.encode()), 75)
        self.assertEqual("".join(p[1:] if i else p for i, p in enumerate(folded)), line)

    def test_fold_ascii_at_75_octets(self):
        line = "PHOTO;ENCODING=b;TYPE=PNG:" + "A" * 200
        folded = fold_vcard_line(line)
        self.assertEqual(len(folded[0]), 75)
        self.assertTrue(all(p.startswith(" ") for p in folded[1:]))
        self.assertTrue(all(len(p) <= 75 for p in folded))
        self.assertEqual(folded[0] + "".join(p[1:] for p in folded[1:]), line)
        self.assertEqual(fold_vcard_line("FN:Short"), ["FN:Short"])

    def test_finished_card_is_crlf_folded_escaped_with_apple_names(self):
        card = vobject.vCard()
        card.add("fn").value = "東京商事"
        card.add("n").value = vobject.vcard.Name(family="東京商事")
        card.add("x-abshowas").value = "COMPANY"
        card.add("x-ablabel", group="item1").value = "Sales, Tokyo"
        card.add("note").value = "Line one; still one\n" + "二行目" * 30
        data = finish_vcard(card.serialize(lineLength=1 << 30))
        self.assertIsInstance(data, bytes)
        self.assertFalse(data.startswith(b"\xef\xbb\xbf"))  # no BOM
        self.assertTrue(data.endswith(b"\r\n"))
        self.assertNotIn(b"\n", data.replace(b"\r\n", b""))
        for line in data.split(b"\r\n"):
            self.assertLessEqual(len(line), 75)
        text = data.decode()
        self.assertIn("\r\nX-ABShowAs:COMPANY\r\n", text)
        self.assertIn("\r\nitem1.X-ABLabel:Sales\\, Tokyo\r\n", text)
        unfolded = text.replace("\r\n ", "")
        self.assertIn("NOTE:Line one\\; still one\\n" + "二行目" * 30, unfolded)
        self.assertEqual(vobject.readOne(text).note.value, card.note.value)

    def test_qr_code_is_an_svg_data_uri(self):
        uri = qr_svg_data_uri("https://example.com/callflow/numbers.vcf")
        prefix = "data:image/svg+xml;base64,"
        self.assertTrue(uri.startswith(prefix))
        svg = base64.b64decode(uri[len(prefix) :])
        self.assertIn(b"<svg", svg)
        self.assertIn(b"<path", svg)
        self.assertNotEqual(uri, qr_svg_data_uri("https://example.com/other"))

    def test_card_file_name_is_safe_and_names_the_purpose(self):
        self.assertEqual(
            vcard_filename("コールフロー株式会社"), "コールフロー株式会社.vcf"
        )
        self.assertEqual(
            vcard_filename("ACME Co., Ltd. / Tokyo", "survey"),
            "ACME-Co.-Ltd.-Tokyo-survey.vcf",
        )
        self.assertEqual(vcard_filename("///"), "numbers.vcf")
        self.assertEqual(vcard_filename(False, "sales"), "numbers-sales.vcf")

    def test_card_logo_small_enough_for_phones(self):
        """A light logo is kept as is; a heavy one becomes a smaller JPEG
        under the limit iCloud and phones accept; no logo, no picture."""
        small = noisy_png(32)
        self.assertEqual(vcard_logo(small), (small.decode(), "PNG"))
        logo, logo_type = vcard_logo(noisy_png(600))
        self.assertEqual(logo_type, "JPEG")
        self.assertLessEqual(len(logo), VCARD_LOGO_MAX_BYTES)
        self.assertTrue(base64.b64decode(logo).startswith(b"\xff\xd8"))
        self.assertEqual(vcard_logo(False), (None, None))
