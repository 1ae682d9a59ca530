import base64

from odoo.tests import tagged

from .common import OptoutCase


@tagged("post_install", "-at_install")
class TestOptoutToken(OptoutCase):
    def test_token_is_random_long_and_stored_hashed(self):
        raws = self.Token._issue_tokens(
            [{"number": self.number}, {"number": self.number}]
        )
        self.assertNotEqual(raws[0], raws[1])
        for raw in raws:
            # base64url of at least 96 bits
            self.assertGreaterEqual(len(base64.urlsafe_b64decode(raw + "==")) * 8, 96)
            self.assertRegex(raw, r"^[A-Za-z0-9_-]+$")
            self.assertFalse(self.Token.search([("token_hash", "=", raw)]))
            self.assertEqual(self.Token._find(raw).number, self.number)

    def test_url_is_short_and_absolute(self):
        url = self.Token._get_url(self.raw)
        self.assertEqual(url, f"{self.token.get_base_url()}/o/{self.raw}")
        self.assertLess(len(f"/o/{self.raw}"), 30)

    def test_lookup_valid_wrong_malformed_revoked(self):
        self.assertEqual(self.Token._find(self.raw), self.token)
        self.assertEqual(self.token.partner_id, self.partner)
        wrong = ("A" if self.raw[0] != "A" else "B") + self.raw[1:]
        self.assertFalse(self.Token._find(wrong))
        for malformed in ["", "short", "x" * 200, "bad/char$", None, "ＡＢＣ" * 8]:
            self.assertFalse(self.Token._find(malformed))
        self.token.action_revoke()
        self.assertFalse(self.Token._find(self.raw))

    def test_message_kept_as_reference(self):
        """The link remembers the message that carried it, whatever its model."""
        raw = self.Token._issue_tokens(
            [{"number": self.number, "res_model": "mail.mail", "res_id": 42}]
        )[0]
        token = self.Token._find(raw)
        self.assertEqual((token.res_model, token.res_id), ("mail.mail", 42))
