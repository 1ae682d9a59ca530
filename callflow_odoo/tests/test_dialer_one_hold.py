"""One person, one operator: two lists share the same numbers and their
operators work at once, each on a database cursor of its own, as real
concurrent requests. The data is committed (other cursors cannot see the
test transaction) and removed at the end of each test."""

import threading
import time
from itertools import pairwise

from odoo import api
from odoo.tests import tagged
from odoo.tools import SQL

from .common import CommittedCase, work_the_list

NUMBERS = 500
OPERATORS = 20


@tagged("post_install", "-at_install")
class TestDialerOneHoldPerNumber(CommittedCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Users once for the class: deleting a user checks every table.
        with cls.committed_env() as env:
            groups = [
                env.ref("base.group_user").id,
                env.ref("callflow_odoo.group_callflow_operator").id,
            ]
            users = (
                env["res.users"]
                .with_context(no_reset_password=True, mail_create_nosubscribe=True)
                .create(
                    [
                        {
                            "name": f"One hold operator {index}",
                            "login": f"cf_one_hold_{index}",
                            "groups_id": [(6, 0, groups)],
                        }
                        for index in range(OPERATORS)
                    ]
                )
            )
            cls.user_ids = users.ids
        cls.addClassCleanup(cls.remove_users, cls.user_ids)

    def setUp(self):
        super().setUp()
        with self.committed_env() as env:
            users = env["res.users"].browse(self.user_ids)
            number = env["callflow.caller.number"].create(
                {
                    "name": "One hold desk",
                    "number": "+81360008888",
                    "is_published": True,
                }
            )
            # Both lists call every number: only the holds keep them apart.
            self.caps_enabled = env.company.callflow_cap_enabled
            env.company.callflow_cap_enabled = False
            half = OPERATORS // 2
            lists = env["callflow.list"].create(
                [
                    {
                        "name": name,
                        "caller_number_id": number.id,
                        "user_ids": [(6, 0, operators.ids)],
                        "window_from": 0,
                        "window_to": 24,
                        "window_sat": True,
                        "window_sun": True,
                        "min_gap_hours": 0,
                    }
                    for name, operators in (
                        ("Shared numbers A", users[:half]),
                        ("Shared numbers B", users[half:]),
                    )
                ]
            )
            lists.action_start()
            env["callflow.list.entry"].create(
                [
                    {
                        "list_id": call_list.id,
                        "number": f"+81908888{index:04d}",
                        "tz": "Asia/Tokyo",
                    }
                    for call_list in lists
                    for index in range(NUMBERS)
                ]
            )
            self.list_ids = lists.ids
            self.number_id = number.id
            self.result_id = env.ref("callflow_odoo.call_result_not_interested").id
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        self.remove_lists(self.list_ids, self.number_id)
        with self.committed_env() as env:
            env.company.callflow_cap_enabled = self.caps_enabled

    def _pick(self, cr, user_index, list_id):
        env = api.Environment(cr, self.user_ids[user_index], {})
        return env["callflow.dialer"]._pick_next([list_id])

    def test_number_held_in_an_open_transaction_is_passed_over(self):
        """Operators of lists A and B pick at the same moment: B's operator
        gets another person, at once, without waiting for A's request."""
        list_a, list_b = self.list_ids
        with self.two_cursors() as (cr1, cr2):
            first = self._pick(cr1, 0, list_a)
            start = time.perf_counter()
            second = self._pick(cr2, OPERATORS - 1, list_b)
            waited = time.perf_counter() - start
            self.assertTrue(first and second)
            self.assertEqual(first.list_id.id, list_a)
            self.assertEqual(second.list_id.id, list_b)
            self.assertNotEqual(first.number, second.number)
            self.assertLess(waited, 2.0, "no wait on the other operator's request")

    def test_number_held_after_my_snapshot_is_passed_over(self):
        """B's request began before A's operator took the number and
        committed: B's snapshot does not show the hold, yet B's operator
        gets another person."""
        list_a, list_b = self.list_ids
        with self.two_cursors() as (cr1, cr2):
            # B's transaction takes its snapshot now
            cr2.execute(SQL("SELECT count(*) FROM callflow_list_entry"))
            first = self._pick(cr1, 0, list_a)
            number = first.number
            # A's request ends
            # pylint: disable=invalid-commit
            cr1.commit()
            second = self._pick(cr2, OPERATORS - 1, list_b)
            self.assertTrue(second)
            self.assertNotEqual(second.number, number)

    def test_number_held_after_my_snapshot_fails_no_statement(self):
        """As above, and B's pick sees A's committed hold before its own
        hold statement: the unique index of held numbers is not tripped (a
        failed statement, an ERROR in PostgreSQL's log)."""
        from ..models import callflow_dialer

        failures = dict(callflow_dialer.PICK_FAILURES)
        list_a, list_b = self.list_ids
        with self.two_cursors() as (cr1, cr2):
            cr2.execute(SQL("SELECT count(*) FROM callflow_list_entry"))
            first = self._pick(cr1, 0, list_a)
            # pylint: disable=invalid-commit
            cr1.commit()
            second = self._pick(cr2, OPERATORS - 1, list_b)
            self.assertNotEqual(second.number, first.number)
            self.assertEqual(second.held_by_id.id, self.user_ids[-1])
        self.assertEqual(callflow_dialer.PICK_FAILURES, failures)

    def test_twenty_operators_never_ring_one_number_twice(self):
        """500 numbers on two lists, 10 operators on each: every entry is
        called once and no number is ever held by two operators at once,
        checked both by the operators' own call intervals and by sampling
        the database while they work."""
        held = []  # (number, start, end) of every call, as the operator saw it
        errors = []
        results = [[] for _user in self.user_ids]
        done = threading.Event()
        samples = {"count": 0, "doubles": set(), "max_held": 0}

        def on_call(entry):
            start = time.monotonic()
            time.sleep(0.002)  # on the phone
            held.append((entry.number, start, time.monotonic()))

        # Both lists list the numbers in the same order: operators who start
        # together reach the same person at the same moment.
        start_together = threading.Barrier(OPERATORS)

        def work(index):
            list_id = self.list_ids[0 if index < OPERATORS // 2 else 1]
            try:
                start_together.wait(30)
                work_the_list(
                    self.dbname,
                    self.user_ids[index],
                    [list_id],
                    self.result_id,
                    taken=results[index],
                    on_call=on_call,
                )
            except Exception as exc:  # noqa: BLE001 - reported below, not lost
                errors.append(exc)

        def monitor():
            with self._cursor() as cr:
                while not done.is_set():
                    cr.execute(
                        SQL(
                            """
                            SELECT number, count(*) FROM callflow_list_entry
                             WHERE list_id = ANY(%s) AND state = 'in_call'
                          GROUP BY number
                            """,
                            self.list_ids,
                        )
                    )
                    rows = cr.fetchall()
                    samples["count"] += 1
                    samples["max_held"] = max(samples["max_held"], len(rows))
                    samples["doubles"].update(n for n, count in rows if count > 1)
                    cr.rollback()  # a fresh snapshot for the next sample
                    time.sleep(0.005)

        watcher = threading.Thread(target=monitor)
        watcher.start()
        threads = [
            threading.Thread(target=work, args=(index,)) for index in range(OPERATORS)
        ]
        start = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        elapsed = time.perf_counter() - start
        done.set()
        watcher.join(10)
        self.assertFalse(errors)
        taken = [entry_id for ids in results for entry_id in ids]
        self.assertEqual(len(taken), 2 * NUMBERS, "every entry called once")
        self.assertEqual(len(set(taken)), 2 * NUMBERS, "no entry given twice")
        by_number = {}
        for number, begin, end in held:
            by_number.setdefault(number, []).append((begin, end))
        overlaps = [
            number
            for number, spans in by_number.items()
            if any(b[0] < a[1] for a, b in pairwise(sorted(spans)))
        ]
        self.assertFalse(overlaps, f"held twice at one moment: {overlaps[:5]}")
        doubles = sorted(samples["doubles"])
        self.assertFalse(doubles, f"seen held twice in the DB: {doubles[:5]}")
        self.assertGreater(samples["count"], 10, "the database was sampled")
        self.assertGreater(samples["max_held"], 1, "operators worked at once")
        self.assertEqual(len(by_number), NUMBERS)
        self.assertTrue(
            all(len(spans) == 2 for spans in by_number.values()),
            "each person called once from each list",
        )
        self.assertLess(elapsed, 90)
        with self._cursor() as cr:
            cr.execute(
                SQL(
                    """
                    SELECT state, attempt_count, count(*) FROM callflow_list_entry
                     WHERE list_id = ANY(%s) GROUP BY state, attempt_count
                    """,
                    self.list_ids,
                )
            )
            self.assertEqual(cr.fetchall(), [("done", 1, 2 * NUMBERS)])
