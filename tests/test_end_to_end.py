"""The three-way handshake across the addons: a person called from a list
answers on the opt-out page, and every channel of the CRM obeys at once."""

import re
from datetime import datetime

from freezegun import freeze_time

from odoo.tests import HttpCase, tagged

from odoo.addons.callflow_odoo.tests.common import lead_call_list, make_operator


@tagged("post_install", "-at_install")
class TestHandshake(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        cls.operator = make_operator(env, "e2e_operator", "E2E Operator")
        cls.partner = env["res.partner"].create(
            {"name": "Taro E2E", "mobile": "090-7777-0001", "user_id": env.uid}
        )
        cls.lead = env["crm.lead"].create(
            {
                "name": "E2E lead",
                "partner_id": cls.partner.id,
                "phone": "090-7777-0001",
                "country_id": env.ref("base.jp").id,
            }
        )
        cls.call_list = lead_call_list(
            env, "E2E list", "03-3999-0777", cls.operator, cls.lead
        )
        caller = cls.call_list.caller_number_id
        cls.entry = cls.call_list.entry_ids
        [cls.token] = env["callflow.optout.token"]._issue_tokens(
            [
                {
                    "number": cls.entry.number,
                    "partner_id": cls.partner.id,
                    "lead_id": cls.lead.id,
                    "caller_number_id": caller.id,
                    "purpose": "sales",
                    "context_note": "E2E desk called you about chairs",
                }
            ]
        )

    def test_opt_out_on_the_page_stops_calls_and_sms_everywhere(self):
        self.assertEqual(self.entry.number, "+819077770001")
        url = f"/o/{self.token}"
        page = self.url_open(url)
        self.assertEqual(page.status_code, 200)
        self.assertIn("+81 90-****-0001", page.text)
        self.assertNotIn("7777", page.text)
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        # Nothing changed by looking at the page.
        State = self.env["callflow.preference.state"]
        self.assertFalse(State._check_numbers([self.entry.number], "call", "sales"))

        answer = self.url_open(
            url, data={"csrf_token": csrf, "answer": "stop_all", "reason": ""}
        )
        self.assertEqual(answer.status_code, 200)

        number = self.entry.number
        self.assertEqual(State._check_numbers([number], "call", "sales"),
                         {number: "opt_out"})  # fmt: skip
        self.assertIn(number, State._check_numbers([number], "sms"))
        self.assertTrue(
            self.env["phone.blacklist"].search([("number", "=", number)]),
            "Odoo's own SMS marketing obeys too",
        )
        # The dialer no longer offers the person, and says why.
        picked = self.env["callflow.dialer"].with_user(self.operator)._pick_next()
        self.assertFalse(picked)
        self.entry.invalidate_recordset()
        self.assertEqual(self.entry.state, "suppressed")
        self.assertTrue(self.entry.state_reason)
        # The contact and the lead show it.
        self.assertTrue(self.partner.callflow_preference_warning)
        self.assertTrue(
            self.lead.message_ids.filtered(lambda m: "opt" in (m.body or "").lower())
        )

    def test_certain_times_on_the_page_is_kept_by_the_dialer(self):
        """ "Only at certain times, weekdays 10:00-12:00": the dialer calls the
        person only then, in their time zone, and never suppresses them."""
        url = f"/o/{self.token}"
        page = self.url_open(url)
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        weekdays = {f"times_day_{day}": "1" for day in "12345"}
        answer = self.url_open(
            url,
            data=dict(
                weekdays,
                csrf_token=csrf,
                answer="certain_times",
                times_from="10",
                times_to="12",
            ),
        )
        self.assertEqual(answer.status_code, 200)
        self.assertIn("10:00–12:00", answer.text)
        Dialer = self.env["callflow.dialer"].with_user(self.operator)
        # Wednesday 25 Nov 2026: 09:30 and 10:30 in Tokyo (UTC+9)
        with freeze_time(datetime(2026, 11, 25, 0, 30)):
            self.assertFalse(Dialer._pick_next())
        with freeze_time(datetime(2026, 11, 25, 1, 30)):
            self.assertEqual(Dialer._pick_next(), self.entry)
        self.assertIn("10:00–12:00", self.partner.callflow_preference_warning)
