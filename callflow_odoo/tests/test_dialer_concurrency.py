"""Operators on their own database cursors, as real concurrent requests.

The data is committed (other cursors cannot see the test transaction) and
removed at the end of each test."""

import threading

from odoo import SUPERUSER_ID, api
from odoo.tests import new_test_user, tagged

from .common import CommittedCase, work_the_list

ENTRIES = 60
OPERATORS = 6


@tagged("post_install", "-at_install")
class TestDialerConcurrency(CommittedCase):
    def setUp(self):
        super().setUp()
        with self.committed_env() as env:
            groups = "base.group_user,callflow_odoo.group_callflow_operator"
            users = env["res.users"]
            for index in range(OPERATORS):
                users |= new_test_user(env, f"cf_conc_{index}", groups=groups)
            number = env["callflow.caller.number"].create(
                {
                    "name": "Concurrency desk",
                    "number": "+81360009999",
                    "is_published": True,
                }
            )
            call_list = env["callflow.list"].create(
                {
                    "name": "Concurrency",
                    "caller_number_id": number.id,
                    "user_ids": [(6, 0, users.ids)],
                    "window_from": 0,
                    "window_to": 24,
                    "window_sat": True,
                    "window_sun": True,
                }
            )
            call_list.action_start()
            env["callflow.list.entry"].create(
                [
                    {
                        "list_id": call_list.id,
                        "number": f"+81901234{index:04d}",
                        "tz": "Asia/Tokyo",
                    }
                    for index in range(ENTRIES)
                ]
            )
            self.user_ids = users.ids
            self.list_id = call_list.id
            self.number_id = number.id
            self.result_id = env.ref("callflow_odoo.call_result_not_interested").id
        self.addCleanup(self.remove_users, self.user_ids)
        self.addCleanup(self.remove_lists, [self.list_id], self.number_id)

    def test_two_open_transactions_get_different_entries(self):
        """Both operators are mid-request at once: row locks keep them apart."""
        with self.two_cursors() as (cr1, cr2):
            env1 = api.Environment(cr1, self.user_ids[0], {})
            env2 = api.Environment(cr2, self.user_ids[1], {})
            first = env1["callflow.dialer"]._pick_next([self.list_id])
            second = env2["callflow.dialer"]._pick_next([self.list_id])
            self.assertTrue(first and second)
            self.assertNotEqual(first.id, second.id)

    def _pick_after_a_committed_hold(self, cr1, cr2):
        """Operator 2's transaction takes its snapshot; operator 1 picks and
        commits (another request); then operator 2 picks. Returns both
        entries and operator 2's environment."""
        env1 = api.Environment(cr1, self.user_ids[0], {})
        env2 = api.Environment(cr2, self.user_ids[1], {})
        env2["callflow.list"].browse(self.list_id).read(["state"])
        first = env1["callflow.dialer"]._pick_next([self.list_id])
        # pylint: disable=invalid-commit
        cr1.commit()
        second = env2["callflow.dialer"]._pick_next([self.list_id])
        return first, second, env2

    def test_entry_taken_after_my_snapshot_is_passed_over(self):
        """Operator 2's request began before operator 1 took the first entry
        and committed: operator 2 gets the next entry, not a serialization
        error that would fail the request."""
        with self.two_cursors() as (cr1, cr2):
            first, second, _env2 = self._pick_after_a_committed_hold(cr1, cr2)
            self.assertTrue(first and second)
            self.assertNotEqual(first.id, second.id)
            self.assertEqual(second.held_by_id.id, self.user_ids[1])

    def test_pick_after_a_newer_hold_runs_no_failing_statement(self):
        """Operator 2's snapshot predates the hold operator 1 committed: the
        pick passes over that entry before any statement fails on it (each
        failure is an ERROR in PostgreSQL's log), holds another, and the
        request can go on to log a result on it."""
        from ..models import callflow_dialer

        failures = dict(callflow_dialer.PICK_FAILURES)
        with self.two_cursors() as (cr1, cr2):
            first, second, env2 = self._pick_after_a_committed_hold(cr1, cr2)
            self.assertEqual(callflow_dialer.PICK_FAILURES, failures)
            self.assertTrue(first and second)
            self.assertNotEqual(first.id, second.id)
            self.assertEqual(second.state, "in_call")
            self.assertEqual(second.held_by_id.id, self.user_ids[1])
            result = env2["callflow.call.result"].browse(self.result_id)
            second._register_attempt(result=result, outcome="answered")
            env2.flush_all()
            second.invalidate_recordset()
            self.assertEqual((second.state, second.attempt_count), ("done", 1))

    def test_entry_changed_after_my_snapshot_is_held_later(self):
        """A manager noted something on the first entry after operator 2's
        snapshot: that pick takes the next one without a failing statement;
        the next request (a fresh snapshot) holds the changed entry."""
        from ..models import callflow_dialer

        failures = dict(callflow_dialer.PICK_FAILURES)
        with self.two_cursors() as (cr1, cr2):
            env1 = api.Environment(cr1, SUPERUSER_ID, {})
            env2 = api.Environment(cr2, self.user_ids[1], {})
            env2["callflow.list"].browse(self.list_id).read(["state"])
            entries = env1["callflow.list.entry"].search(
                [("list_id", "=", self.list_id)]
            )
            entries[0].note = "Asked for the manager"
            # pylint: disable=invalid-commit
            cr1.commit()
            second = env2["callflow.dialer"]._pick_next([self.list_id])
            self.assertEqual(second, entries[1].with_env(env2))
            # pylint: disable=invalid-commit
            cr2.commit()
            # operator 2 gives it back; their next request sees the note
            second._release()
            third = env2["callflow.dialer"]._pick_next([self.list_id])
            self.assertEqual(third.id, entries[0].id)
            self.assertEqual(third.held_by_id.id, self.user_ids[1])
            self.assertEqual(third.note, "Asked for the manager")
            # changed by this very transaction: held again, no failure
            third._release()
            again = env2["callflow.dialer"]._pick_next([self.list_id])
            self.assertEqual(again.id, entries[0].id)
            self.assertEqual(again.held_by_id.id, self.user_ids[1])
        self.assertEqual(callflow_dialer.PICK_FAILURES, failures)

    def test_threads_never_share_an_entry(self):
        results = [[] for _user in self.user_ids]
        errors = []

        def work(index):
            try:
                work_the_list(
                    self.dbname,
                    self.user_ids[index],
                    [self.list_id],
                    self.result_id,
                    taken=results[index],
                )
            except Exception as exc:  # noqa: BLE001 - reported below, not lost
                errors.append(exc)

        threads = [
            threading.Thread(target=work, args=(index,))
            for index in range(len(self.user_ids))
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        self.assertFalse(errors)
        taken = [entry_id for ids in results for entry_id in ids]
        self.assertEqual(len(taken), ENTRIES, "every entry called once")
        self.assertEqual(len(set(taken)), ENTRIES, "no entry given twice")
        self.assertGreater(sum(1 for ids in results if ids), 1, "work was shared")
        with self._cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            entries = env["callflow.list.entry"].search(
                [("list_id", "=", self.list_id)]
            )
            self.assertEqual(set(entries.mapped("state")), {"done"})
            self.assertEqual(set(entries.mapped("attempt_count")), {1})
