"""The operators' live state under concurrent transactions (issue #14): a
provider's callback (READ COMMITTED) may change an operator's row while a
request of theirs (REPEATABLE READ) runs; the request must not fail, and
its change must not be lost."""

import json

from odoo import SUPERUSER_ID, api
from odoo.tests import new_test_user, tagged

from .common import CommittedCase


@tagged("post_install", "-at_install")
class TestOperatorStateConcurrency(CommittedCase):
    def test_a_row_changed_meanwhile_is_updated_after_commit(self):
        with self.committed_env() as env:
            user = new_test_user(
                env,
                "cf_board_concurrent",
                groups="base.group_user,callflow_odoo.group_callflow_operator",
            )
            company = env.ref("base.main_company")
            env["callflow.operator.state"]._set(user, company, "ringing")
            user_id, company_id = user.id, company.id
        with self.committed_env() as env:
            env.cr.execute("SELECT COALESCE(MAX(id), 0) FROM bus_bus")
            last_bus = env.cr.fetchone()[0]
        self.addCleanup(self.remove_users, [user_id])
        with self.two_cursors() as (request_cr, callback_cr):
            request = api.Environment(request_cr, SUPERUSER_ID, {})
            callback = api.Environment(callback_cr, SUPERUSER_ID, {})
            # The operator's request has its snapshot...
            request_cr.execute("SELECT COUNT(*) FROM callflow_operator_state")
            # ...when a callback moves them in call and commits.
            callback["callflow.operator.state"]._set(
                callback["res.users"].browse(user_id),
                callback["res.company"].browse(company_id),
                "in_call",
            )
            callback_cr.commit()
            State = request["callflow.operator.state"]
            State._set(
                request["res.users"].browse(user_id),
                request["res.company"].browse(company_id),
                "wrap_up",
            )
            request_cr.commit()
        with self.committed_env() as env:
            row = env["callflow.operator.state"].search([("user_id", "=", user_id)])
            self.assertEqual(row.state, "wrap_up", "applied once committed")
            notes = env["bus.bus"].search([("id", ">", last_bus)], order="id")
            states = [
                json.loads(n.message)["payload"]["state"]
                for n in notes
                if json.loads(n.message)["type"] == "callflow.operator/state"
                and json.loads(n.message)["payload"]["user_id"] == user_id
            ]
            self.assertEqual(states, ["in_call", "wrap_up"])
            row.unlink()
