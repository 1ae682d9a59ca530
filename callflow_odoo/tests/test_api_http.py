"""The PBX API over real HTTP: keys (bearer and HMAC, revoked, limited),
``POST /callflow/api/v1/inbound`` and ``GET /callflow/api/v1/lookup``."""

import json
import time
from urllib.parse import quote

from odoo.exceptions import AccessError
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import SQL

from odoo.addons.callflow_odoo.tools import api as api_tools
from odoo.addons.callflow_odoo.tools.signatures import sign_webhook

from .common import CallflowCommon, record_opt_out

PERSON = "+819011112222"
DESK = "03-6000-0001"
INBOUND = "/callflow/api/v1/inbound"
LOGGER = "odoo.addons.callflow_odoo.controllers.api"


@tagged("post_install", "-at_install")
class TestApiHttp(CallflowCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_dialer()
        cls.operator.callflow_pbx_extension = "201"
        cls.operator2.callflow_pbx_extension = "202"
        cls.partner = cls.env["res.partner"].create(
            {
                "name": "山田 太郎",
                "mobile": "090-1111-2222",
                "parent_id": cls.env["res.partner"]
                .create({"name": "山田商事", "is_company": True})
                .id,
            }
        )
        cls.key_record, cls.key = cls.make_key("Tokyo PBX")
        # The demo data's inbound calls are not the test's.
        cls.calls_before = cls.env["callflow.call"].search([], order="id desc", limit=1)

    @classmethod
    def make_key(cls, name, **vals):
        record = (
            cls.env["callflow.api.key"]
            .with_user(cls.manager)
            .create(dict({"name": name, "company_id": cls.company.id}, **vals))
        )
        action = record.action_generate()
        return record, action["context"]["default_key"]

    # --- senders ----------------------------------------------------------
    def post(self, payload, key=None, signed=False, timestamp=None):
        key = key or self.key
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        headers = {"Content-Type": "application/json"}
        if signed:
            timestamp = str(timestamp or int(time.time()))
            headers.update(
                {
                    "X-Callflow-Key-Id": key.split(".")[0],
                    "X-Callflow-Timestamp": timestamp,
                    "X-Callflow-Signature": sign_webhook(
                        api_tools.key_hash(key), timestamp, body
                    ),
                }
            )
        else:
            headers["Authorization"] = f"Bearer {key}"
        return self.url_open(INBOUND, data=body, headers=headers)

    def lookup(self, number, key=None):
        return self.url_open(
            f"/callflow/api/v1/lookup?number={quote(number)}",
            headers={"Authorization": f"Bearer {key or self.key}"},
        )

    def ring(self, **vals):
        return dict(
            {"caller": "090-1111-2222", "called": DESK, "extension": "201"}, **vals
        )

    def pops(self):
        """The screen pops sent, as ``{partner id: payload}``."""
        self.env.cr.precommit.run()
        sent = {}
        for row in self.env["bus.bus"].search([]):
            message = json.loads(row.message)
            if message["type"] == "callflow.inbound/pop":
                sent[json.loads(row.channel)[2]] = message["payload"]
        return sent

    def inbound_calls(self):
        return self.env["callflow.call"].search(
            [("direction", "=", "inbound"), ("id", ">", self.calls_before.id)]
        )

    # --- inbound ----------------------------------------------------------
    def test_bearer_key_logs_the_call_and_pops_the_operator_only(self):
        self.env["bus.bus"].search([]).unlink()
        response = self.post(self.ring(call_id="pbx-1"))
        self.assertEqual(response.status_code, 200, response.text)
        answer = response.json()
        call = self.inbound_calls()
        self.assertEqual(len(call), 1)
        self.assertEqual(
            answer, {"call_id": call.id, "name": "山田 太郎", "blocked": False}
        )
        self.assertEqual(call.dialed_number, PERSON)
        self.assertEqual(call.caller_number_id, self.caller_number)
        self.assertEqual(call.user_id, self.operator)
        self.assertEqual(call.partner_id, self.partner)
        self.assertEqual(call.provider_call_sid, "pbx-1")
        pops = self.pops()
        self.assertEqual(list(pops), [self.operator.partner_id.id])
        self.assertEqual(pops[self.operator.partner_id.id]["name"], "山田 太郎")
        self.assertTrue(self.key_record.last_used)

    def test_signed_events_follow_one_call(self):
        self.env["bus.bus"].search([]).unlink()
        for event in ("ringing", "ringing", "answered"):
            response = self.post(
                self.ring(call_id="pbx-2", event=event, extension="202"), signed=True
            )
            self.assertEqual(response.status_code, 200, response.text)
        call = self.inbound_calls()
        self.assertEqual(len(call), 1)
        self.assertEqual(call.inbound_status, "answered")
        self.assertEqual(call.voice_state, "in_progress")
        self.assertTrue(call.answer_date)
        self.assertEqual(list(self.pops()), [self.operator2.partner_id.id])
        ended = self.post(
            self.ring(call_id="pbx-2", event="ended", extension="202", duration=95),
            signed=True,
        )
        self.assertEqual(ended.json()["call_id"], call.id)
        self.assertEqual(call.voice_state, "completed")
        self.assertEqual(call.talk_seconds, 95)

    def test_missed_event_becomes_a_callback_for_the_operator(self):
        self.post(self.ring(call_id="pbx-3"))
        self.post(self.ring(call_id="pbx-3", event="missed"))
        call = self.inbound_calls()
        self.assertEqual(call.inbound_status, "missed")
        self.assertTrue(call.inbound_callback_done)
        self.assertEntryState(call.entry_id, "callback_due")
        self.assertEqual(self.partner.activity_ids.user_id, self.operator)

    def test_bad_requests_get_clear_json_answers(self):
        cases = [
            (b"{not json", 400, "not valid JSON"),
            (self.ring(caller=None), 400, "'caller' is required"),
            (self.ring(extension=None), 400, "'extension' or 'operator'"),
            (self.ring(called="03-9999-0000"), 404, "published number"),
            (self.ring(extension="999"), 404, "extension"),
            (b"{" + b" " * (20 * 1024) + b"}", 413, "bytes"),
        ]
        for payload, status, message in cases:
            response = self.post(payload)
            self.assertEqual(response.status_code, status, response.text)
            self.assertIn(message, response.json()["error"])
            self.assertNotIn("Traceback", response.text)
        self.assertFalse(self.inbound_calls())

    # --- refusals ---------------------------------------------------------
    def test_every_refusal_is_the_same_401(self):
        revoked, revoked_key = self.make_key("Old PBX")
        revoked.with_user(self.manager).action_revoke()
        self.assertIn("revoked", revoked.message_ids[0].body)
        _lookup, lookup_key = self.make_key("Desk phones", scope="lookup")
        forged = self.key[:-4] + ("AAAA" if not self.key.endswith("AAAA") else "BBBB")
        sends = {
            "no key": lambda: self.url_open(INBOUND, data=b"{}"),
            "bad key": lambda: self.post(self.ring(), key=forged),
            "garbage": lambda: self.url_open(
                INBOUND, data=b"{}", headers={"Authorization": "Bearer nope"}
            ),
            "revoked": lambda: self.post(self.ring(), key=revoked_key),
            "revoked, signed": lambda: self.post(
                self.ring(), key=revoked_key, signed=True
            ),
            "expired": lambda: self.post(
                self.ring(), signed=True, timestamp=int(time.time()) - 600
            ),
            "lookup-only key": lambda: self.post(self.ring(), key=lookup_key),
            "forged signature": lambda: self.post(
                self.ring(), key=self.key_record.key_id + "." + "A" * 43, signed=True
            ),
        }
        with self.assertLogs(LOGGER, "WARNING") as logs:
            answers = {cause: send() for cause, send in sends.items()}
        for cause, response in answers.items():
            self.assertEqual(response.status_code, 401, cause)
            self.assertEqual(response.text, '{"error": "unauthorized"}', cause)
        self.assertEqual(len(logs.output), len(sends))
        for secret in (self.key, forged, revoked_key, lookup_key):
            self.assertNotIn(secret.split(".")[1], "\n".join(logs.output))
        self.assertFalse(self.inbound_calls())
        self.assertEqual(self.lookup(PERSON, key=revoked_key).status_code, 401)
        self.assertEqual(self.lookup(PERSON, key=lookup_key).status_code, 200)

    def test_the_limit_holds_per_key(self):
        limited, limited_key = self.make_key("Small PBX", rate_limit=3)
        statuses = [self.lookup(PERSON, key=limited_key) for _i in range(4)]
        self.assertEqual([r.status_code for r in statuses], [200, 200, 200, 429])
        self.assertGreaterEqual(int(statuses[-1].headers["Retry-After"]), 1)
        # Another key is counted on its own.
        self.assertEqual(self.lookup(PERSON).status_code, 200)
        self.env.cr.execute(
            "SELECT count FROM callflow_api_key_usage WHERE key_id = %s",
            [limited.id],
        )
        self.assertEqual(self.env.cr.fetchall(), [(4,)])

    # --- lookup -----------------------------------------------------------
    def test_lookup_of_a_known_contact_shows_name_and_company_only(self):
        calls_before = self.env["callflow.call"].search_count([])
        response = self.lookup("090-1111-2222")
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(
            response.json(),
            {
                "number": PERSON,
                "known": True,
                "name": "山田 太郎",
                "company": "山田商事",
                "blocked": False,
                "preference": "",
            },
        )
        self.assertEqual(self.env["callflow.call"].search_count([]), calls_before)

    def test_lookup_of_unknown_and_blocked_numbers(self):
        unknown = self.lookup("+81 3 9999 0000").json()
        self.assertEqual(unknown["number"], "+81399990000")
        self.assertFalse(unknown["known"])
        self.assertEqual((unknown["name"], unknown["company"]), ("", ""))
        self.assertFalse(unknown["blocked"])
        record_opt_out(self.env, PERSON)
        blocked = self.lookup(PERSON).json()
        self.assertTrue(blocked["known"])
        self.assertTrue(blocked["blocked"])
        self.assertTrue(blocked["preference"])
        self.assertEqual(self.lookup("").status_code, 400)

    def test_operator_key_does_not_see_another_company(self):
        other = self.env["res.company"].create(
            {"name": "Other Co", "country_id": self.env.ref("base.jp").id}
        )
        self.env["res.partner"].create(
            {"name": "Other's client", "phone": "03-5555-7777", "company_id": other.id}
        )
        _own, own_key = self.make_key(
            "Op One's phone", owner_type="user", user_id=self.operator.id
        )
        answer = self.lookup("03-5555-7777", key=own_key).json()
        self.assertFalse(answer["known"])
        self.assertEqual(answer["name"], "")
        self.assertTrue(self.lookup("090-1111-2222", key=own_key).json()["known"])
        # The other company's own key finds its client.
        self.manager.company_ids |= other
        _theirs, their_key = self.make_key("Other PBX", company_id=other.id)
        self.assertEqual(
            self.lookup("03-5555-7777", key=their_key).json()["name"],
            "Other's client",
        )
        # A user's key reports its own user's calls only.
        response = self.post(self.ring(extension="202"), key=own_key)
        self.assertEqual(response.status_code, 403)

    # --- keys -------------------------------------------------------------
    def test_secret_is_not_stored_in_clear(self):
        secret = self.key.split(".")[1]
        self.env.flush_all()
        self.env.cr.execute(
            "SELECT count(*) FROM callflow_api_key"
            " WHERE row_to_json(callflow_api_key)::text LIKE %s",
            [f"%{secret}%"],
        )
        self.assertEqual(self.env.cr.fetchone()[0], 0)
        for table in ("mail_message", "mail_tracking_value", "ir_logging"):
            self.env.cr.execute(
                SQL(
                    "SELECT count(*) FROM %s t WHERE row_to_json(t)::text LIKE %s",
                    SQL.identifier(table),
                    f"%{secret}%",
                )
            )
            self.assertEqual(self.env.cr.fetchone()[0], 0, table)
        self.assertEqual(self.key_record.sudo().key_hash, api_tools.key_hash(self.key))

    def test_only_managers_manage_keys(self):
        with self.assertRaises(AccessError):
            self.env["callflow.api.key"].with_user(self.operator).search([])
        user = new_test_user(self.env, "cf_api_user", groups="base.group_user")
        with self.assertRaises(AccessError):
            self.key_record.with_user(user).read(["name"])
        with self.assertRaises(AccessError):
            self.key_record.with_user(self.manager).read(["key_hash"])
