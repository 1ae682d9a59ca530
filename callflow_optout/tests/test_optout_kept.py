"""A transient database failure that escapes the store gives a calm 503 and
keeps the answer, which the replay cron stores later."""

from odoo import sql_db
from odoo.tests import tagged
from odoo.tests.common import get_db_name

from .common import OptoutCase

TYPED = "+819077770001"


@tagged("post_install", "-at_install")
class TestOptoutKept(OptoutCase):
    def test_lock_timeout_gives_503_and_the_answer_is_replayed(self):
        # Another transaction keeps answers from being inserted (reads pass),
        # and this one gives up waiting quickly: a real LockNotAvailable.
        holder = sql_db.db_connect(get_db_name()).cursor()
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
        Raw = self.env["callflow.optout.raw"]
        self.assertEqual(len(Raw.search([("number", "=", TYPED)])), 1)
        self.assertFalse(self.Response.search([("number", "=", TYPED)]))
        Raw._cron_replay()
        self.assertFalse(Raw.search([("number", "=", TYPED)]))
        answer = self.Response.search([("number", "=", TYPED)])
        self.assertEqual((answer.answer, answer.state), ("no_sms", "applied"))
        self.assertEqual(
            self.env["callflow.preference.state"]._check_numbers([TYPED], "sms"),
            {TYPED: "opt_out"},
        )
