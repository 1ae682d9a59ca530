"""Call statistics (issue #13): talk time, connect rate (answered ÷
attempts) and average ring time per operator, list, published number and
day, as the pivot reads them."""

from datetime import datetime, timedelta

from odoo.tests import TransactionCase, tagged

from .common import CallflowCommon

DAY1 = datetime(2026, 11, 2, 1, 0)
DAY2 = datetime(2026, 11, 3, 1, 0)
MEASURES = (
    "attempt_count",
    "connect_count",
    "connect_rate",
    "talk_minutes",
    "talk_seconds",
    "ring_seconds",
)


@tagged("post_install", "-at_install")
class TestCallReport(CallflowCommon, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_dialer()
        cls.number_b = cls.env["callflow.caller.number"].create(
            {
                "name": "Osaka desk",
                "number": "06-6000-0002",
                "purpose": "sales",
                "is_published": True,
                "company_id": cls.company.id,
            }
        )
        cls.list_a = cls.make_list("List A")
        cls.list_b = cls.make_list("List B", caller_number_id=cls.number_b.id)
        op1, op2 = cls.operator, cls.operator2
        a, b = cls.list_a, cls.list_b
        # (operator, list, day, outcome, voice state, ring s, talk s, answered by)
        rows = [
            # op1, list A: 4 attempts, 2 connects, 180 s talk
            (op1, a, DAY1, "answered", "completed", 10, 120, "human"),
            (op1, a, DAY1, None, "completed", 20, 60, "human"),  # not logged yet
            (op1, a, DAY1, "no_answer", "no_answer", 30, 0, None),
            (op1, a, DAY2, None, "canceled", 0, 0, None),  # operator did not answer
            (op1, a, DAY2, "voicemail", "completed", 5, 0, "machine_end_beep"),
            # op2: list B (manual calls, a busy, a refused placement), list A
            (op2, b, DAY2, "answered", None, 0, 0, None),
            (op2, b, DAY2, "no_answer", None, 0, 0, None),
            (op2, b, DAY2, "busy", "busy", 8, 0, None),
            (op2, b, DAY2, None, "failed", 0, 0, None),  # provider refused
            (op2, b, DAY2, "no_answer", None, 0, 0, None),
            (op2, a, DAY2, "answered", "completed", 4, 240, "human"),
        ]
        vals_list = []
        for user, call_list, day, outcome, state, ring, talk, answered_by in rows:
            vals = {
                "user_id": user.id,
                "list_id": call_list.id,
                "company_id": cls.company.id,
                "caller_number_id": call_list.caller_number_id.id,
                "dialed_number": "+81312345678",
                "date_start": day,
                "outcome": outcome,
            }
            if state:
                vals.update(voice_provider="twilio", voice_state=state)
            if ring:
                vals.update(ring_date=day, ring_seconds=ring)
                answered = state == "completed"
                answer = day + timedelta(seconds=ring)
                vals.update(answer_date=answered and answer, answered_by=answered_by)
            if talk:
                vals["talk_seconds"] = talk
            vals_list.append(vals)
        cls.env["callflow.call"].create(vals_list)

    def _pivot(self, groupby):
        """The pivot's read: each measure with its field's aggregator."""
        Report = self.env["callflow.call.report"].with_user(self.manager)
        fields = [f"{m}:{Report._fields[m].aggregator}" for m in MEASURES]
        groups = Report.read_group(
            [("list_id", "in", (self.list_a | self.list_b).ids)],
            fields,
            [groupby] if groupby else [],
            lazy=False,
        )
        return {
            (g[groupby][0] if isinstance(g[groupby], tuple) else g[groupby])
            if groupby
            else None: {m: g[m] for m in MEASURES}
            for g in groups
        }

    def assertFigures(self, figures, attempts, connects, rate, talk_min, ring):
        self.assertEqual(figures["attempt_count"], attempts)
        self.assertEqual(figures["connect_count"], connects)
        self.assertAlmostEqual(figures["connect_rate"], rate, places=2)
        self.assertAlmostEqual(figures["talk_minutes"], talk_min, places=2)
        self.assertEqual(figures["talk_seconds"], round(talk_min * 60))
        self.assertAlmostEqual(figures["ring_seconds"], ring, places=2)

    def test_per_operator(self):
        """Canceled and refused calls are no attempts; a call answered by a
        person and not logged yet is a connect; a machine is not."""
        by_user = self._pivot("user_id")
        self.assertFigures(by_user[self.operator.id], 4, 2, 50.0, 3.0, 16.25)
        self.assertFigures(by_user[self.operator2.id], 5, 2, 40.0, 4.0, 6.0)

    def test_per_list_and_published_number(self):
        by_list = self._pivot("list_id")
        self.assertFigures(by_list[self.list_a.id], 5, 3, 60.0, 7.0, 13.8)
        self.assertFigures(by_list[self.list_b.id], 4, 1, 25.0, 0.0, 8.0)
        by_number = self._pivot("caller_number_id")
        self.assertFigures(by_number[self.caller_number.id], 5, 3, 60.0, 7.0, 13.8)
        self.assertFigures(by_number[self.number_b.id], 4, 1, 25.0, 0.0, 8.0)

    def test_per_day_and_total(self):
        """The rate of a group is its connects ÷ its attempts, not the
        average of its sub-groups' rates (50 % and 40 % make 44.4 %)."""
        by_day = self._pivot("date:day")
        self.assertEqual(len(by_day), 2)
        day1, day2 = (by_day[key] for key in sorted(by_day, key=str))
        self.assertFigures(day1, 3, 2, 200 / 3, 3.0, 20.0)
        self.assertFigures(day2, 6, 2, 100 / 3, 4.0, 17 / 3)
        self.assertFigures(self._pivot(None)[None], 9, 4, 400 / 9, 7.0, 77 / 6)

    def test_managers_only(self):
        """Operators do not see the team's statistics, and the menu is the
        managers'."""
        report = self.env["callflow.call.report"]
        self.assertFalse(report.with_user(self.operator).has_access("read"))
        self.assertTrue(report.with_user(self.manager).has_access("read"))
        menu = self.env.ref("callflow_odoo.callflow_call_report_stats_menu")
        self.assertIn(menu, self.env["ir.ui.menu"].with_user(self.manager).search([]))
        self.assertNotIn(
            menu, self.env["ir.ui.menu"].with_user(self.operator).search([])
        )
