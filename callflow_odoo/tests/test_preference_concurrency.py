"""Many events for one number at the same moment, each on its own database
cursor as a real request would be: none fails, nothing is lost.

The data is committed (other cursors cannot see the test transaction) and
removed at the end of each test."""

import logging
import threading

from odoo import SUPERUSER_ID, api
from odoo.tests import tagged

from .common import CommittedCase

NUMBER = "+819055550001"
THREADS = 12


@tagged("post_install", "-at_install")
class TestLedgerConcurrency(CommittedCase):
    def setUp(self):
        super().setUp()
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        with self._cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            # superuser: the ledger refuses deletions from anyone else
            env["callflow.preference.event"].search([("number", "=", NUMBER)]).unlink()
            env["callflow.preference.state"].search([("number", "=", NUMBER)]).unlink()
            env["phone.blacklist"].with_context(active_test=False).search(
                [("number", "=", NUMBER)]
            ).unlink()

    def _record_while_held(self, **vals):
        """Record an event of ``NUMBER`` on a cursor of its own while another
        transaction holds the number; its fold after commit is dropped."""
        holder = self._cursor()
        try:
            api.Environment(holder, SUPERUSER_ID, {})[
                "callflow.preference.fold"
            ]._lock_numbers([NUMBER], wait=True)
            with self._cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {})
                event = env["callflow.preference.event"]._record(
                    [dict(vals, number=NUMBER)]
                )
                self.assertTrue(event.pending, "another transaction holds it")
                cr.postcommit.clear()
        finally:
            holder.rollback()
            holder.close()

    def _check(self):
        with self._cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            events = env["callflow.preference.event"].search([("number", "=", NUMBER)])
            State = env["callflow.preference.state"]
            blacklisted = env["phone.blacklist"].search([("number", "=", NUMBER)])
            return (
                [(e.pending, e.state_id.number) for e in events],
                {
                    c: State._check_numbers([NUMBER], c).get(NUMBER)
                    for c in ("call", "sms")
                },
                bool(blacklisted),
            )

    def test_simultaneous_opt_outs_of_one_number_all_succeed(self):
        """Every request took its snapshot before any other committed, as
        under load: each stores its event, none fails, the state is whole."""
        barrier = threading.Barrier(THREADS)
        errors = []

        def record(index):
            try:
                with self._cursor() as cr:  # commits at the end, as a request
                    env = api.Environment(cr, SUPERUSER_ID, {})
                    cr.execute("SELECT 1")  # the transaction's snapshot
                    barrier.wait(timeout=60)
                    env["callflow.preference.event"]._record(
                        [
                            {
                                "number": NUMBER,
                                "channel": ("all", "sms")[index % 2],
                                "action": "opt_out",
                                "source": ("web", "sms")[index % 2],
                            }
                        ]
                    )
            except Exception as exc:  # noqa: BLE001 - counted, then asserted
                errors.append(repr(exc))

        threads = [
            threading.Thread(target=record, args=(index,)) for index in range(THREADS)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        self.assertEqual(errors, [])
        events, blocked, blacklisted = self._check()
        self.assertEqual(len(events), THREADS)
        self.assertEqual(set(events), {(False, NUMBER)}, "all folded after commit")
        self.assertEqual(blocked, {"call": "opt_out", "sms": "opt_out"})
        self.assertTrue(blacklisted)

    def test_state_created_after_snapshot_defers_without_a_failing_statement(
        self,
    ):
        """A request whose snapshot predates the number's first fold, done
        and committed by another request, leaves its own fold to after
        commit without running a statement that fails (PostgreSQL would log
        a serialization error): its event is applied all the same."""
        opt_out = {"number": NUMBER, "action": "opt_out", "source": "sms"}
        logger = "odoo.addons.callflow_odoo.models.callflow_preference_fold"
        with self._cursor() as late:  # commits at the end, as a request
            late.execute("SELECT 1")  # the transaction's snapshot
            with self._cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {})
                env["callflow.preference.event"]._record([dict(opt_out)])
            env = api.Environment(late, SUPERUSER_ID, {})
            # (logging.INFO: Odoo names level 25 "INFO")
            with self.assertLogs(logger, logging.INFO) as logs:
                event = env["callflow.preference.event"]._record(
                    [dict(opt_out, channel="sms")]
                )
            self.assertTrue(event.pending, "left to after commit")
            self.assertEqual(len(logs.output), 1)
            self.assertIn("folded since this transaction began", logs.output[0])
        events, blocked, blacklisted = self._check()
        self.assertEqual(events, [(False, NUMBER), (False, NUMBER)])
        self.assertEqual(blocked, {"call": "opt_out", "sms": "opt_out"})
        self.assertTrue(blacklisted)

    def test_pending_block_holds_and_cron_folds_what_a_dead_process_left(self):
        """A request commits its opt-out while another holds the number, and
        dies before folding it: the block holds at once, the cron folds it."""
        # the process dies right after commit
        self._record_while_held(channel="sms", action="opt_out", source="sms")
        events, blocked, blacklisted = self._check()
        self.assertEqual(events, [(True, False)])
        self.assertEqual(blocked["sms"], "opt_out", "a pending block blocks")
        self.assertFalse(blacklisted)
        with self._cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env.ref(
                "callflow_odoo.ir_cron_callflow_preference_fold"
            ).method_direct_trigger()
        events, blocked, blacklisted = self._check()
        self.assertEqual(events, [(False, NUMBER)])
        self.assertEqual(blocked["sms"], "opt_out")
        self.assertTrue(blacklisted)

    def test_pending_email_opt_out_blocks_and_fold_blacklists_the_email(self):
        """An email opt-out committed while another transaction holds the
        number blocks email at once (next to the email blacklist check), and
        the fold that applies it later puts the email in mail.blacklist."""
        email = "ledger.pending@example.com"
        self.addCleanup(self._cleanup_email, email)
        # folded by the cron below
        self._record_while_held(
            channel="email", action="opt_out", source="link", email=email
        )
        with self._cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            State = env["callflow.preference.state"]
            self.assertEqual(
                State._check_numbers([NUMBER], "email"), {NUMBER: "opt_out"}
            )
            self.assertFalse(env["mail.blacklist"].search([("email", "=", email)]))
            env.ref(
                "callflow_odoo.ir_cron_callflow_preference_fold"
            ).method_direct_trigger()
        with self._cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            entry = env["mail.blacklist"].search([("email", "=", email)])
            self.assertEqual(entry.callflow_number, NUMBER)
            self.assertEqual(
                env["callflow.preference.state"]._check_numbers([NUMBER], "email"),
                {NUMBER: "opt_out"},
            )

    def _cleanup_email(self, email):
        with self._cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env["mail.blacklist"].with_context(active_test=False).search(
                [("email", "=", email)]
            ).unlink()
