"""The live board (issue #14): the operators' live state follows the calls,
the results and the pauses, one bus notification per change; the board's
first load and who sees what."""

import json
import threading
import time
from datetime import timedelta

from odoo import SUPERUSER_ID, api, fields
from odoo.exceptions import AccessError
from odoo.tests import HttpCase, TransactionCase, new_test_user, tagged

from odoo.addons.bus.websocket import dispatch

from .common import CallflowCommon, log_call
from .test_voice import VoiceTwilioCase
from .test_voice_screen import _dispatch_bus

BOARD_TYPE = "callflow.operator/state"


def log_and_stop(env, operator, entry, result):
    """``operator`` logs the call with "Log & pause" (no next person)."""
    wizard = (
        env["callflow.call.log"]
        .with_user(operator)
        .create({"entry_id": entry.id, "outcome": "answered", "result_id": result.id})
    )
    return wizard.action_log_pause()


class BoardBusMixin:
    def _bus_mark(self):
        self.env.cr.precommit.run()
        return self.env["bus.bus"].search([], order="id desc", limit=1).id

    def _board_states(self, since, user):
        """The states announced to the boards for ``user`` since ``since``."""
        self.env.cr.precommit.run()  # bus messages are written at commit
        states = []
        for note in self.env["bus.bus"].search([("id", ">", since)], order="id"):
            message = json.loads(note.message)
            if message["type"] != BOARD_TYPE:
                continue
            payload = message["payload"]
            if payload["user_id"] == user.id:
                channel = json.loads(note.channel)
                self.assertEqual(
                    channel[1:],
                    ["res.company", payload["company_id"], "callflow_board"],
                )
                states.append(payload["state"])
        return states

    def _state(self, user, company=None):
        return self.env["callflow.operator.state"].search(
            [
                ("user_id", "=", user.id),
                ("company_id", "=", (company or self.env.company).id),
            ]
        )


@tagged("post_install", "-at_install")
class TestOperatorStateVoice(BoardBusMixin, VoiceTwilioCase):
    def test_states_follow_the_call_then_the_result(self):
        start = self._bus_mark()
        entry, call, _action = self._call()
        state = self._state(self.operator, call.company_id)
        self.assertEqual(state.state, "ringing")
        self.assertEqual(state.call_id, call)
        # Each callback twice (the provider retries): still one change each.
        self._play(call, "answered", replay=True)
        self.assertEqual(call.voice_state, "completed")
        state.invalidate_recordset()
        self.assertEqual(state.state, "wrap_up", "ended, the result not logged")
        self.assertEqual(state.entry_id, entry)
        log_call(self.env, self.operator, entry, self.result["interested"])
        state.invalidate_recordset()
        self.assertEqual(state.state, "available")
        self.assertFalse(state.call_id)
        self.assertEqual(
            self._board_states(start, self.operator),
            ["ringing", "in_call", "wrap_up", "available"],
        )

    def test_unanswered_call_logs_itself_and_frees_the_operator(self):
        start = self._bus_mark()
        _entry, call, _action = self._call()
        self._play(call, "no-answer")
        self.assertEqual(call.outcome, "no_answer")
        self.assertEqual(self._state(self.operator, call.company_id).state, "available")
        self.assertEqual(
            self._board_states(start, self.operator), ["ringing", "available"]
        )


@tagged("post_install", "-at_install")
class TestLiveBoard(BoardBusMixin, CallflowCommon, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_dialer()
        cls.company.callflow_cap_enabled = False
        cls.call_list = cls.make_list()
        cls.entries = cls.Entry.browse(
            [cls.make_entry(cls.call_list, f"+8190123400{i:02d}").id for i in range(4)]
        )
        cls.interested = cls.env.ref("callflow_odoo.call_result_interested")
        cls.Board = cls.env["callflow.live.board"]
        cls.State = cls.env["callflow.operator.state"]

    def test_dialling_by_hand_is_in_call_until_the_result(self):
        start = self._bus_mark()
        entry = self.pick()
        self.assertTrue(entry)
        state = self._state(self.operator)
        self.assertEqual((state.state, state.entry_id), ("in_call", entry))
        self.assertTrue(state.since)
        # The screen reloaded: the same entry, no change, no notification.
        self.assertEqual(self.pick(), entry)
        log_and_stop(self.env, self.operator, entry, self.interested)
        state.invalidate_recordset()
        self.assertEqual((state.state, state.entry_id.id), ("available", False))
        self.assertEqual(
            self._board_states(start, self.operator), ["in_call", "available"]
        )

    def test_pause_holds_after_the_call_and_only_managers_pause_others(self):
        States = self.State.with_user(self.operator)
        entry = self.pick()
        start = self._bus_mark()
        line = States.action_pause()
        self.assertEqual(line["state"], "in_call", "the call goes on")
        self.assertTrue(line["paused"])
        log_and_stop(self.env, self.operator, entry, self.interested)
        self.assertEqual(self._state(self.operator).state, "paused")
        with self.assertRaises(AccessError):
            States.action_pause(self.operator2.id)
        self.assertFalse(self._state(self.operator2))
        self.State.with_user(self.manager).action_pause(self.operator2.id)
        self.assertEqual(self._state(self.operator2).state, "paused")
        line = States.action_resume()
        self.assertEqual((line["state"], line["paused"]), ("available", False))
        # Paused during the call: shown at once, effective once it is logged.
        self.assertEqual(
            self._board_states(start, self.operator),
            ["in_call", "paused", "available"],
        )
        self.assertEqual(self._board_states(start, self.operator2), ["paused"])

    def test_operator_sees_only_their_line_manager_sees_all(self):
        self.State._set(self.operator, self.company, "in_call")
        self.State._set(self.operator2, self.company, "wrap_up")
        mine = self.Board.with_user(self.operator).load()
        self.assertFalse(mine["is_manager"])
        self.assertEqual([o["user_id"] for o in mine["operators"]], [self.operator.id])
        self.assertEqual(mine["operators"][0]["state"], "in_call")
        # Record rules: the operator's own row only.
        rows = self.State.with_user(self.operator).search([])
        self.assertEqual(rows.user_id, self.operator)
        with self.assertRaises(AccessError):
            self.Board.with_user(self.operator)._operator_line(self.operator2.id)
        with self.assertRaises(AccessError):
            self.Board.with_user(self.operator).reassign_callback(
                self.entries[0].id, self.operator.id
            )
        board = self.Board.with_user(self.manager).load()
        self.assertTrue(board["is_manager"])
        lines = {o["user_id"]: o for o in board["operators"]}
        self.assertLessEqual(
            {self.operator.id, self.operator2.id, self.manager.id}, set(lines)
        )
        self.assertEqual(lines[self.operator2.id]["state"], "wrap_up")
        self.assertEqual(lines[self.manager.id]["state"], "available")
        # Users who are not Callflow operators see nothing.
        user = self.env["res.users"].create(
            {"name": "Plain", "login": "cf_plain", "groups_id": [(6, 0, [])]}
        )
        with self.assertRaises(AccessError):
            self.Board.with_user(user).load()

    def test_load_counts_today_per_operator_and_list(self):
        Call = self.env["callflow.call"]
        now = fields.Datetime.now()
        base = {
            "list_id": self.call_list.id,
            "company_id": self.company.id,
            "dialed_number": "+819012340000",
            "date_start": now,
        }
        Call.create(
            [
                dict(
                    base,
                    user_id=self.operator.id,
                    outcome="answered",
                    result_id=self.interested.id,
                    talk_seconds=60,
                ),
                dict(
                    base, user_id=self.operator.id, outcome="answered", talk_seconds=40
                ),
                dict(base, user_id=self.operator.id, outcome="no_answer"),
                dict(base, user_id=self.operator2.id, outcome="busy"),
                # Yesterday's call does not count.
                dict(
                    base,
                    user_id=self.operator2.id,
                    outcome="answered",
                    date_start=now - timedelta(days=2),
                ),
            ]
        )
        self.entries[0].sudo().write({"state": "done"})
        self.entries[1].sudo().write(
            {
                "state": "callback_due",
                "next_attempt": now + timedelta(minutes=30),
                "operator_id": self.operator.id,
            }
        )
        self.entries[2].sudo().write(
            {"state": "callback_due", "next_attempt": now + timedelta(hours=3)}
        )
        board = self.Board.with_user(self.manager).load()
        lines = {o["user_id"]: o for o in board["operators"]}
        figures = ("calls", "connects", "talk_seconds", "positive")
        self.assertEqual([lines[self.operator.id][k] for k in figures], [3, 2, 100, 1])
        self.assertEqual([lines[self.operator2.id][k] for k in figures], [1, 0, 0, 0])
        (lst,) = [x for x in board["lists"] if x["id"] == self.call_list.id]
        self.assertEqual((lst["done"], lst["total"]), (1, 4))
        self.assertEqual(
            [lst[k] for k in figures], [4, 2, 100, 1], "today's calls of the list"
        )
        self.assertEqual([c["id"] for c in board["callbacks"]], [self.entries[1].id])
        self.assertEqual(board["callbacks"][0]["operator_id"], self.operator.id)
        # The operator's board: their own callbacks and calls only.
        mine = self.Board.with_user(self.operator2).load()
        self.assertEqual(mine["callbacks"], [])
        self.assertEqual(mine["operators"][0]["calls"], 1)
        # The manager gives the callback to the other operator.
        self.Board.with_user(self.manager).reassign_callback(
            self.entries[1].id, self.operator2.id
        )
        self.assertEqual(self.entries[1].operator_id, self.operator2)
        mine = self.Board.with_user(self.operator2).load()
        self.assertEqual([c["id"] for c in mine["callbacks"]], [self.entries[1].id])

    def test_each_company_has_its_own_board(self):
        other = self.env["res.company"].create({"name": "Osaka branch"})
        for user in (self.operator, self.manager):
            user.write({"company_ids": [(4, other.id)]})
        start = self._bus_mark()
        self.State._set(self.operator, other, "in_call")
        self.assertEqual(self._board_states(start, self.operator), ["in_call"])
        self.env.cr.precommit.run()
        note = self.env["bus.bus"].search([("id", ">", start)], order="id desc")[0]
        self.assertEqual(json.loads(note.channel)[2], other.id, "Osaka's channel")
        Board = self.Board.with_user(self.manager)
        here = {o["user_id"]: o for o in Board.load()["operators"]}
        self.assertEqual(here[self.operator.id]["state"], "available")
        there = Board.with_company(other).load()
        self.assertEqual(there["company_id"], other.id)
        lines = {o["user_id"]: o for o in there["operators"]}
        self.assertEqual(lines[self.operator.id]["state"], "in_call")
        self.assertNotIn(self.operator2.id, lines, "not an Osaka operator")

    def test_inbound_call_rings_then_whoever_answers_is_in_call(self):
        Inbound = self.env["callflow.inbound"]
        start = self._bus_mark()
        call = Inbound._receive(
            "+81901234999",
            self.caller_number,
            provider="twilio",
            sid="CAboard1",
            user=self.operator,
        )
        self.assertEqual(self._state(self.operator).state, "ringing")
        self.assertEqual(self._state(self.operator).call_id, call)
        # The second operator answers it: the first one rings no more.
        call.write(
            {
                "inbound_status": "answered",
                "voice_state": "in_progress",
                "user_id": self.operator2.id,
            }
        )
        self.assertEqual(self._state(self.operator2).state, "in_call")
        self.assertEqual(self._state(self.operator).state, "available")
        call.write({"voice_state": "completed"})
        self.assertEqual(self._state(self.operator2).state, "available")
        self.assertEqual(
            self._board_states(start, self.operator), ["ringing", "available"]
        )
        self.assertEqual(
            self._board_states(start, self.operator2), ["in_call", "available"]
        )
        # The board lists the inbound call while it rings, then once missed.
        missed = Inbound._receive(
            "+81901234998", self.caller_number, provider="twilio", sid="CAboard2"
        )
        missed.write({"inbound_status": "missed", "voice_state": "no_answer"})
        board = self.Board.with_user(self.manager).load()
        self.assertTrue(board["has_inbound"])
        listed = [(c["id"], c["status"]) for c in board["inbound"]]
        self.assertIn((missed.id, "missed"), listed)
        self.assertNotIn(call.id, [c[0] for c in listed], "answered: not listed")


@tagged("post_install", "-at_install")
class TestLiveBoardTour(CallflowCommon, HttpCase):
    def _change_when_listening(self, operator, company, done):
        """Once the manager's board listens on the company's channel, the
        operator's state changes in a request of its own (committed), and
        the websockets are told."""
        key = (self.env.cr.dbname, "res.company", company.id, "callflow_board")
        deadline = time.monotonic() + 60
        while key not in dispatch._channels_to_ws and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(0.5)  # the board has rendered its first load meanwhile
        with self.env.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env["callflow.operator.state"]._set(
                operator.with_env(env), company.with_env(env), "in_call"
            )
        _dispatch_bus()
        done.set()

    def test_board_shows_a_state_change_without_reload(self):
        groups = "base.group_user,callflow_odoo.group_callflow_operator"
        operator = new_test_user(
            self.env, "cf_board_op", groups=groups, name="Board Operator"
        )
        new_test_user(self.env, "cf_board_op2", groups=groups, name="Board Second")
        manager = new_test_user(
            self.env,
            "cf_board_manager",
            groups="base.group_user,callflow_odoo.group_callflow_manager",
            name="Board Manager",
        )
        company = manager.company_id
        done = threading.Event()
        thread = threading.Thread(
            target=self._change_when_listening, args=(operator, company, done)
        )
        thread.start()
        try:
            self.start_tour(
                "/odoo/callflow-live", "callflow_live_board_tour", login=manager.login
            )
        finally:
            thread.join(90)
        self.assertTrue(done.is_set(), "the board subscribed to its channel")
        states = self.env["callflow.operator.state"].search(
            [("user_id.login", "in", ("cf_board_op", "cf_board_op2"))]
        )
        self.assertEqual(sorted(states.mapped("state")), ["in_call", "paused"])
