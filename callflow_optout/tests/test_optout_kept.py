"""A transient database failure that escapes the store gives a calm 503 and
keeps the answer, which the replay cron stores later."""

from odoo import SUPERUSER_ID, api, sql_db
from odoo.tests import tagged
from odoo.tests.common import get_db_name

from .common import OptoutCase

TYPED = "+819077770001"


@tagged("post_install", "-at_install")
class TestOptoutKept(OptoutCase):
    def _cursor(self):
        return sql_db.db_connect(get_db_name()).cursor()

    def _cleanup(self):
        with self._cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env["callflow.optout.raw"].search([("number", "=", TYPED)]).unlink()
            env["callflow.optout.response"].search([("number", "=", TYPED)]).unlink()
            # superuser: the ledger refuses deletions from anyone else
            env["callflow.preference.event"].search([("number", "=", TYPED)]).unlink()
            env["callflow.preference.state"].search([("number", "=", TYPED)]).unlink()
            env["phone.blacklist"].with_context(active_test=False).search(
                [("number", "=", TYPED)]
            ).unlink()

    def test_lock_timeout_gives_503_and_the_answer_is_replayed(self):
        self.addCleanup(self._cleanup)
        # Another transaction keeps answers from being inserted (reads pass),
        # and this one gives up waiting quickly: a real LockNotAvailable.
        holder = self._cursor()
        self.addCleanup(holder.close)
        self.addCleanup(holder.rollback)
        holder.execute("LOCK TABLE callflow_optout_response IN EXCLUSIVE MODE NOWAIT")
        self.env.cr.execute("SET lock_timeout = '300ms'")
        self.addCleanup(self.env.cr.execute, "RESET lock_timeout")
        response = self.post_answer(
            "/callflow/optout", number_input="090-7777-0001", answer="no_sms"
        )
        self.assertEqual(response.status_code, 503)
        self.assertIn("Please try again in a moment", response.text)
        self.assertIn("We kept your answer", response.text)
        holder.rollback()
        with self._cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            kept = env["callflow.optout.raw"].search([("number", "=", TYPED)])
            self.assertEqual(len(kept), 1)
            env.ref(
                "callflow_optout.ir_cron_callflow_optout_replay"
            ).method_direct_trigger()
        with self._cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            self.assertFalse(
                env["callflow.optout.raw"].search([("number", "=", TYPED)])
            )
            answer = env["callflow.optout.response"].search([("number", "=", TYPED)])
            self.assertEqual((answer.answer, answer.state), ("no_sms", "applied"))
            self.assertEqual(
                env["callflow.preference.state"]._check_numbers([TYPED], "sms"),
                {TYPED: "opt_out"},
            )
