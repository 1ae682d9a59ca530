"""The PBX API's pure rules (tools/api.py): key format, bearer check,
request parsing."""

import json

from odoo.tests import BaseCase, tagged

from odoo.addons.callflow_odoo.tools import api


def body(**fields):
    return json.dumps(fields).encode()


@tagged("post_install", "-at_install")
class TestApiTools(BaseCase):
    def test_key_is_shown_once_and_checked_against_its_hash(self):
        key_id, key = api.new_key()
        self.assertTrue(key.startswith(key_id + "."))
        self.assertTrue(api.valid_key_id(key_id))
        stored = api.key_hash(key)
        self.assertNotIn(key.split(".")[1], stored)
        self.assertEqual(api.bearer_key(f"Bearer {key}"), (key_id, key))
        self.assertTrue(api.check_bearer(key, stored))
        forged = key[:-1] + ("B" if key.endswith("A") else "A")
        self.assertFalse(api.check_bearer(forged, stored))
        self.assertNotEqual(api.new_key()[1], key)

    def test_malformed_authorization_is_no_key(self):
        _key_id, key = api.new_key()
        for header in (None, "", key, f"Basic {key}", "Bearer x", "Bearer ｃｆｋ"):
            self.assertIsNone(api.bearer_key(header), header)
        self.assertFalse(api.valid_key_id("cfk_../etc"))

    def test_inbound_event_is_parsed(self):
        event = api.parse_inbound(
            body(caller="090-1111-2222", called="03-6000-0001", extension=201)
        )
        self.assertEqual(event["extension"], "201")
        self.assertEqual(event["event"], "ringing")
        self.assertIsNone(event["call_id"])

    def test_bad_events_get_a_clear_message(self):
        cases = {
            b"{": "not valid JSON",
            b"[1]": "JSON object",
            body(called="1", extension="1"): "'caller' is required",
            body(caller="1", called="1", extension="1", event="hold"): "'event'",
            body(caller="1", called="1", extension="a b"): "'extension'",
            body(caller="1", called="1", extension="1", call_id="<x>"): "'call_id'",
            body(caller=["1"], called="1", extension="1"): "must be a string",
            body(caller="1" * 65, called="1", extension="1"): "1 to 64",
            body(caller="1", called="1", operator="x", duration=-1): "'duration'",
        }
        for raw, message in cases.items():
            with self.assertRaises(api.ApiError) as caught:
                api.parse_inbound(raw)
            self.assertEqual(caught.exception.status, 400, raw)
            self.assertIn(message, caught.exception.message, raw)
        with self.assertRaises(api.ApiError) as caught:
            api.parse_inbound(b" " * (api.MAX_BODY + 1))
        self.assertEqual(caught.exception.status, 413)

    def test_number_query(self):
        self.assertEqual(api.parse_number_query(" 090 "), "090")
        for value in (None, "", "  ", "9" * 65):
            with self.assertRaises(api.ApiError):
                api.parse_number_query(value)
