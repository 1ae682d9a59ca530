"""Shared set-up for the dialer tests: a Japanese company with a published
caller number, two operators, a manager and helpers to make lists and
entries without building them from leads."""

from odoo.tests import new_test_user

TOKYO = "+81312345678"
MOBILE = "+819012345678"
NEW_YORK = "+12125550123"


class DialerCommon:
    @classmethod
    def setup_dialer(cls):
        cls.company = cls.env.ref("base.main_company")
        cls.company.write(
            {
                "country_id": cls.env.ref("base.jp").id,
                "callflow_cap_enabled": True,
                "callflow_cap_calls_per_day": 2,
                "callflow_cap_gap_hours": 4.0,
            }
        )
        cls.company.partner_id.tz = "Asia/Tokyo"
        cls.caller_number = cls.env["callflow.caller.number"].create(
            {
                "name": "Tokyo sales desk",
                "number": "03-6000-0001",
                "purpose": "sales",
                "is_published": True,
                "company_id": cls.company.id,
            }
        )
        groups = "base.group_user,callflow_odoo.group_callflow_operator"
        cls.operator = new_test_user(cls.env, "cf_op1", groups=groups, name="Op One")
        cls.operator2 = new_test_user(cls.env, "cf_op2", groups=groups, name="Op Two")
        cls.manager = new_test_user(
            cls.env,
            "cf_manager",
            groups="base.group_user,callflow_odoo.group_callflow_manager",
            name="Manager",
        )
        cls.Entry = cls.env["callflow.list.entry"]
        # Other tests' or demo lists must not hand out entries here.
        cls.env["callflow.list"].search([]).write({"state": "done"})

    @classmethod
    def make_list(cls, name="Autumn campaign", **vals):
        values = {
            "name": name,
            "purpose": "sales",
            "caller_number_id": cls.caller_number.id,
            "user_ids": [(6, 0, [cls.operator.id, cls.operator2.id])],
            "company_id": cls.company.id,
            "window_from": 0.0,
            "window_to": 24.0,
            "window_sat": True,
            "window_sun": True,
            "min_gap_hours": 0.0,
        }
        values.update(vals)
        call_list = cls.env["callflow.list"].create(values)
        call_list.action_start()
        return call_list

    @classmethod
    def make_entry(cls, call_list, number, **vals):
        return cls.Entry.create(
            dict(
                {
                    "list_id": call_list.id,
                    "number": number,
                    "name": number,
                    "tz": "Asia/Tokyo",
                },
                **vals,
            )
        )

    def pick(self, user=None, lists=None):
        env = self.env(user=user or self.operator)
        return env["callflow.list.entry"]._pick_next(lists.ids if lists else None)


def operator_session(
    dbname, uid, list_ids, result_id, limit=None, taken=None, on_call=None
):
    """What one operator does at the dialer, on a cursor of its own: pick
    the next entry (one transaction), log a final result (another), until
    the list is empty. Returns the ids taken, in order. ``on_call(entry)``
    runs while the entry is held (committed), before the result is logged.

    Serialization failures are retried as Odoo's RPC layer does.
    """
    import random
    import time

    from psycopg2.errors import SerializationFailure

    from odoo import api, sql_db

    taken = [] if taken is None else taken
    attempts = 0
    while limit is None or len(taken) < limit:
        cr = sql_db.db_connect(dbname).cursor()
        try:
            env = api.Environment(cr, uid, {})
            entry = env["callflow.list.entry"]._pick_next(list_ids)
            if not entry:
                cr.rollback()
                break
            # each step is a request of its own
            # pylint: disable=invalid-commit
            cr.commit()
            taken.append(entry.id)
            if on_call:
                on_call(entry)
            entry._register_attempt(
                result=env["callflow.call.result"].browse(result_id),
                outcome="answered",
            )
            # each step is a request of its own
            # pylint: disable=invalid-commit
            cr.commit()
            attempts = 0
        except SerializationFailure:
            # another operator committed a row this transaction had seen:
            # retry with a fresh snapshot, as Odoo's RPC layer does
            cr.rollback()
            attempts += 1
            if attempts > 30:
                raise
            time.sleep(random.uniform(0, 0.01 * attempts))
        finally:
            cr.close()
    return taken
