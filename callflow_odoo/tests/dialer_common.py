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
            "window_start": 0.0,
            "window_end": 24.0,
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
