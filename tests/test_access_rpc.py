"""Access rights that hold outside the UI: what public visitors, portal
users, operators and managers get when they call the server directly over
JSON-RPC, as a script would, instead of using the screens."""

import json

from odoo import fields
from odoo.tests import HttpCase, new_test_user, tagged

SECRET_NOTE = "CHATTER-SECRET-7f3a"
UNPUBLISHED = "+81355550199"
# Private methods a script would love to call: they skip the checks of the
# public ones (ledger writes, token lookups, raw writes).
PRIVATE_METHODS = {
    "callflow.preference.event": ["_record"],
    "callflow.preference.state": ["_check_numbers", "_ensure_states"],
    "callflow.list.entry": [
        "_register_attempt",
        "_release",
        "_dialer_write",
    ],
    "callflow.optout.token": ["_issue_tokens", "_find"],
    "callflow.optout.response": ["_submit", "_apply"],
    "callflow.caller.number": ["_get_published"],
}

# Events refuse any edit, to anyone, before access rights are checked.
APPEND_ONLY = {("callflow.preference.event", "write")}


@tagged("post_install", "-at_install")
class TestAccessOverRpc(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        cls.company = env.ref("base.main_company")
        cls.company.write(
            {"country_id": env.ref("base.jp").id, "callflow_cap_enabled": False}
        )
        cls.other_company = env["res.company"].create(
            {"name": "Other Callflow Co", "country_id": env.ref("base.jp").id}
        )
        operator_groups = "base.group_user,callflow_odoo.group_callflow_operator"
        cls.operator = new_test_user(
            env, "acl_op1", groups=operator_groups, name="ACL Op One"
        )
        cls.operator2 = new_test_user(
            env, "acl_op2", groups=operator_groups, name="ACL Op Two"
        )
        cls.outsider = new_test_user(
            env, "acl_op3", groups=operator_groups, name="ACL Op Three"
        )
        cls.manager = new_test_user(
            env,
            "acl_mgr",
            groups="base.group_user,base.group_multi_company,"
            "callflow_odoo.group_callflow_manager",
            name="ACL Manager",
            company_id=cls.company.id,
            company_ids=[(6, 0, cls.company.ids)],
        )
        cls.portal = new_test_user(
            env, "acl_portal", groups="base.group_portal", name="ACL Portal"
        )
        caller = env["callflow.caller.number"].create(
            {
                "name": "ACL desk",
                "number": "03-3999-0888",
                "purpose": "sales",
                "is_published": True,
                "company_id": cls.company.id,
            }
        )
        cls.unpublished = env["callflow.caller.number"].create(
            {
                "name": "ACL hidden line",
                "number": UNPUBLISHED,
                "is_published": False,
                "company_id": cls.company.id,
            }
        )
        cls.unpublished.message_post(body=SECRET_NOTE)

        def make_list(name, users, **vals):
            return env["callflow.list"].create(
                dict(
                    {f"window_{d}": True for d in ("sat", "sun")},
                    name=name,
                    purpose="sales",
                    caller_number_id=caller.id,
                    user_ids=[(6, 0, users.ids)],
                    company_id=cls.company.id,
                    window_from=0,
                    window_to=24,
                    **vals,
                )
            )

        cls.call_list = make_list(
            "ACL list", cls.operator | cls.operator2, min_gap_hours=0, max_attempts=3
        )
        cls.call_list.action_start()
        cls.call_list.message_post(body=SECRET_NOTE)
        cls.other_list = make_list("ACL list of someone else", cls.outsider)
        Entry = env["callflow.list.entry"]
        now = fields.Datetime.now()
        cls.held = Entry.create(
            {
                "list_id": cls.call_list.id,
                "number": "+819011110001",
                "name": "Held by op one",
                "state": "in_call",
                "held_by_id": cls.operator.id,
                "held_since": now,
            }
        )
        cls.blocked_entry = Entry.create(
            {"list_id": cls.call_list.id, "number": "+819011110002", "name": "B"}
        )
        cls.blocked_partner = env["res.partner"].create(
            {"name": "Opted out elsewhere", "mobile": "+819011110002"}
        )
        cls.foreign_entry = Entry.create(
            {"list_id": cls.other_list.id, "number": "+819011110003", "name": "C"}
        )
        # The ledger: one event of each company, with evidence.
        Event = env["callflow.preference.event"]
        cls.own_event = Event._record(
            {
                "number": "+819011110004",
                "action": "opt_out",
                "source": "web",
                "request_ip": "198.51.100.7",
                "company_id": cls.company.id,
            }
        )
        cls.foreign_event = Event._record(
            {
                "number": cls.blocked_entry.number,
                "action": "opt_out",
                "source": "web",
                "request_ip": "198.51.100.8",
                "company_id": cls.other_company.id,
            }
        )
        Token = env["callflow.optout.token"]
        Token._issue_tokens([{"number": "+819011110005"}])
        cls.token = Token.search([("number", "=", "+819011110005")])
        Token.with_company(cls.other_company)._issue_tokens(
            [{"number": "+819011110006"}]
        )
        cls.foreign_token = Token.search([("number", "=", "+819011110006")])
        Response = env["callflow.optout.response"]
        cls.response = Response.create(
            {
                "number": "+819011110005",
                "token_id": cls.token.id,
                "answer": "no_calls",
                "email": "taro@example.com",
                "request_ip": "203.0.113.9",
                "user_agent": "Browser/1.0",
            }
        )
        cls.foreign_response = Response.create(
            {
                "number": "+819011110006",
                "answer": "stop_all",
                "request_ip": "203.0.113.10",
                "company_id": cls.other_company.id,
            }
        )
        if "callflow.sms.template" in env:
            Template = env["callflow.sms.template"]
            body = "{company}: no more messages {optout_link}"
            cls.template = Template.create({"name": "Ours", "body": body})
            cls.foreign_template = Template.create(
                {"name": "Theirs", "body": body, "company_id": cls.other_company.id}
            )

    # ------------------------------------------------------------------
    # JSON-RPC helpers
    # ------------------------------------------------------------------
    def rpc(self, route, params):
        # The request runs on this test's cursor with its own cache.
        self.env.flush_all()
        response = self.url_open(
            route,
            data=json.dumps(
                {"jsonrpc": "2.0", "method": "call", "id": 1, "params": params}
            ),
            headers={"Content-Type": "application/json"},
        )
        self.assertEqual(response.status_code, 200, route)
        self.env.invalidate_all()
        return response

    def call_kw(self, model, method, args, **kwargs):
        response = self.rpc(
            f"/web/dataset/call_kw/{model}/{method}",
            {"model": model, "method": method, "args": args, "kwargs": kwargs},
        )
        return response.json()

    def assertRefused(self, reply, error, what):
        self.assertIn("error", reply, f"{what} was not refused: {reply}")
        self.assertEqual(reply["error"]["data"]["name"], error, what)

    def assertAllowed(self, reply, what):
        self.assertNotIn("error", reply, f"{what} was refused: {reply}")
        return reply["result"]

    def callflow_models(self):
        models = self.env["ir.model"].search([("model", "=like", "callflow.%")])
        self.assertGreaterEqual(len(models), 15, "every Callflow model is walked")
        # A mixin (callflow.preference.mixin) has no table: nothing to reach.
        return [m for m in models.mapped("model") if not self.env[m]._abstract]

    def sample_id(self, model):
        Model = self.env[model].with_context(active_test=False)
        return Model.search([], limit=1, order="id").id or 1

    def walk(self, error):
        """Every way in to every Callflow model is refused with ``error``."""
        for model in self.callflow_models():
            ids = [self.sample_id(model)]
            calls = [
                ("search_read", [[]], {"fields": ["display_name"]}),
                ("read", [ids], {}),
                ("write", [ids, {"display_name": "hacked"}], {}),
                ("create", [{}], {}),
                ("unlink", [ids], {}),
                # The ORM's own private entry points: no access check inside.
                ("_write", [ids, {"create_uid": 1}], {}),
                ("_read_group", [[], ["create_uid"], ["__count"]], {}),
            ]
            calls += [
                (name, [[]], {})
                for name in PRIVATE_METHODS.get(model, [])
                if hasattr(self.env[model], name)
            ]
            for method, args, kwargs in calls:
                with self.subTest(model=model, method=method):
                    reply = self.call_kw(model, method, args, **kwargs)
                    expected = error
                    if (model, method) in APPEND_ONLY and error.endswith("Error"):
                        # The ledger's own guard speaks before the ACL does.
                        expected = "odoo.exceptions.UserError"
                    self.assertRefused(reply, expected, f"{model}.{method}")
                    if method.startswith("_") and error.endswith("AccessError"):
                        self.assertIn(
                            "Private methods", reply["error"]["data"]["message"]
                        )

    def thread_routes_reveal_nothing(self, public):
        for record in (self.unpublished, self.call_list):
            params = {"thread_model": record._name, "thread_id": record.id}
            messages = self.rpc("/mail/thread/messages", params)
            if public:
                self.assertRefused(
                    messages.json(),
                    "odoo.http.SessionExpiredException",
                    f"/mail/thread/messages on {record._name}",
                )
            else:
                self.assertEqual(
                    messages.json().get("result", {}).get("messages", []), []
                )
            data = self.rpc(
                "/mail/thread/data",
                dict(params, request_list=["followers", "attachments", "activities"]),
            )
            for text in (SECRET_NOTE, record.name, "3999", "5555"):
                self.assertNotIn(text, messages.text)
                self.assertNotIn(text, data.text)

    # ------------------------------------------------------------------
    # Visitors
    # ------------------------------------------------------------------
    def test_public_visitor_is_refused_everywhere(self):
        """Without a session, every model, method and chatter route is
        refused: the session has expired, nothing is read or written."""
        self.walk("odoo.http.SessionExpiredException")
        self.thread_routes_reveal_nothing(public=True)
        self.assertEqual(self.held.state, "in_call")
        self.assertTrue(self.unpublished.exists())

    def test_portal_user_is_refused_everywhere(self):
        """A portal user has no access to any Callflow model (unpublished
        numbers, token hashes, answers' IP addresses and emails included),
        cannot call private methods, and reads no Callflow chatter."""
        self.authenticate("acl_portal", "acl_portal")
        self.walk("odoo.exceptions.AccessError")
        for model, record, fnames in [
            ("callflow.caller.number", self.unpublished, ["number", "name"]),
            ("callflow.optout.token", self.token, ["token_hash", "number"]),
            ("callflow.optout.response", self.response, ["request_ip", "email"]),
            ("callflow.preference.event", self.own_event, ["request_ip"]),
        ]:
            reply = self.call_kw(model, "read", [record.ids], fields=fnames)
            self.assertRefused(reply, "odoo.exceptions.AccessError", model)
            self.assertNotIn(UNPUBLISHED, json.dumps(reply))
        self.thread_routes_reveal_nothing(public=False)

    # ------------------------------------------------------------------
    # Operators
    # ------------------------------------------------------------------
    def test_operator_changes_entries_only_through_the_dialer(self):
        """An operator cannot reset an entry's state or attempts over RPC,
        even with a made-up context; notes are theirs to edit; skipping works
        through the dialer's method, on their own call only."""
        self.authenticate("acl_op1", "acl_op1")
        entry = self.blocked_entry
        for vals in (
            {"state": "pending"},
            {"attempt_count": 0},
            {"held_by_id": self.operator.id, "state": "in_call"},
            {"number": "+819099999999"},
        ):
            with self.subTest(vals=vals):
                reply = self.call_kw(
                    "callflow.list.entry",
                    "write",
                    [self.held.ids, vals],
                    context={"callflow_dialer": True},
                )
                self.assertRefused(reply, "odoo.exceptions.AccessError", str(vals))
        self.assertEqual((self.held.state, self.held.attempt_count), ("in_call", 0))
        reply = self.call_kw(
            "callflow.list.entry", "write", [entry.ids, {"note": "Prefers mornings"}]
        )
        self.assertTrue(self.assertAllowed(reply, "writing notes"))
        self.assertEqual(entry.note, "Prefers mornings")
        # Another operator's list stays out of reach.
        reply = self.call_kw(
            "callflow.list.entry", "read", [self.foreign_entry.ids], fields=["number"]
        )
        self.assertRefused(reply, "odoo.exceptions.AccessError", "foreign entry")
        # A colleague cannot give back the entry op one is calling...
        self.authenticate("acl_op2", "acl_op2")
        reply = self.call_kw("callflow.list.entry", "action_pause", [self.held.ids])
        self.assertAllowed(reply, "pause")
        self.held.invalidate_recordset()
        self.assertEqual(
            (self.held.state, self.held.held_by_id), ("in_call", self.operator)
        )
        # ... op one can, through the dialer's own button.
        self.authenticate("acl_op1", "acl_op1")
        reply = self.call_kw("callflow.list.entry", "action_pause", [self.held.ids])
        self.assertAllowed(reply, "pause")
        self.held.invalidate_recordset()
        self.assertEqual((self.held.state, self.held.held_by_id.id), ("pending", False))

    def test_operator_reads_no_hashes_nor_addresses(self):
        """Token hashes and the IP addresses of answers and events are not
        readable by operators over RPC; the rest of an answer is."""
        self.authenticate("acl_op1", "acl_op1")
        for model, record, fname in [
            ("callflow.optout.token", self.token, "token_hash"),
            ("callflow.optout.response", self.response, "request_ip"),
            ("callflow.optout.response", self.response, "user_agent"),
            ("callflow.preference.event", self.own_event, "request_ip"),
        ]:
            with self.subTest(field=f"{model}.{fname}"):
                reply = self.call_kw(model, "read", [record.ids], fields=[fname])
                self.assertRefused(reply, "odoo.exceptions.AccessError", fname)
                reply = self.call_kw(
                    model, "search_read", [[("id", "=", record.id)]], fields=[fname]
                )
                self.assertRefused(reply, "odoo.exceptions.AccessError", fname)
        reply = self.call_kw(
            "callflow.optout.response", "read", [self.response.ids], fields=["email"]
        )
        self.assertEqual(
            self.assertAllowed(reply, "email")[0]["email"], "taro@example.com"
        )

    # ------------------------------------------------------------------
    # Managers and companies
    # ------------------------------------------------------------------
    def test_manager_may_only_revoke_a_link(self):
        self.authenticate("acl_mgr", "acl_mgr")
        for vals in (
            {"token_hash": "0" * 64},
            {"number": "+819099999999"},
            {"last_answer": "keep_contacting"},
        ):
            with self.subTest(vals=vals):
                reply = self.call_kw(
                    "callflow.optout.token", "write", [self.token.ids, vals]
                )
                self.assertRefused(reply, "odoo.exceptions.AccessError", str(vals))
        self.assertEqual(self.token.number, "+819011110005")
        reply = self.call_kw(
            "callflow.optout.token", "write", [self.token.ids, {"revoked": True}]
        )
        self.assertAllowed(reply, "revoke")
        self.assertTrue(self.token.revoked)

    def test_company_rules_hide_evidence_not_blocks(self):
        """A manager of one company reads neither the links, answers,
        ledger events and preferences nor the SMS templates of another;
        the other company's opt-out still blocks the number here."""
        self.authenticate("acl_mgr", "acl_mgr")
        State = self.env["callflow.preference.state"]
        foreign_state = State.search([("number", "=", self.blocked_entry.number)])
        own_state = State.search([("number", "=", self.own_event.number)])
        checks = [
            ("callflow.optout.token", self.token, self.foreign_token),
            ("callflow.optout.response", self.response, self.foreign_response),
            ("callflow.preference.event", self.own_event, self.foreign_event),
            ("callflow.preference.state", own_state, foreign_state),
        ]
        if "callflow.sms.template" in self.env:
            checks.append(
                ("callflow.sms.template", self.template, self.foreign_template)
            )
        for model, own, foreign in checks:
            with self.subTest(model=model):
                ids = (own | foreign).ids
                reply = self.call_kw(
                    model, "search_read", [[("id", "in", ids)]], fields=["id"]
                )
                found = [row["id"] for row in self.assertAllowed(reply, model)]
                self.assertEqual(found, own.ids)
                reply = self.call_kw(model, "read", [foreign.ids], fields=["id"])
                self.assertRefused(reply, "odoo.exceptions.AccessError", model)
        # The stop holds everywhere: the dialer screen warns, the pick
        # suppresses the entry.
        reply = self.call_kw(
            "callflow.list.entry",
            "read",
            [self.blocked_entry.ids],
            fields=["preference_warning"],
        )
        self.assertTrue(self.assertAllowed(reply, "warning")[0]["preference_warning"])
        reply = self.call_kw(
            "res.partner",
            "read",
            [self.blocked_partner.ids],
            fields=["callflow_preference_warning"],
        )
        [partner] = self.assertAllowed(reply, "partner")
        self.assertIn("Opted out", partner["callflow_preference_warning"])
        self.assertEqual(
            State.with_user(self.manager)._check_numbers(
                [self.blocked_entry.number], "call", "sales"
            ),
            {self.blocked_entry.number: "opt_out"},
        )
        picked = (
            self.env["callflow.dialer"]
            .with_user(self.operator2)
            ._pick_next(self.call_list.ids)
        )
        self.assertNotEqual(picked, self.blocked_entry)
        self.blocked_entry.invalidate_recordset()
        self.assertEqual(self.blocked_entry.state, "suppressed")
