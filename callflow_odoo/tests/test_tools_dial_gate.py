from odoo.tests import BaseCase

from odoo.addons.callflow_odoo.tools.dial_gate import GateDecision, GateRow


def row(**changes):
    values = {
        "ledger": None,
        "held_by": None,
        "caller_ok": True,
        "daily_ok": True,
        "gap_ok": True,
        "list_gap_ok": True,
        "window_ok": True,
        "hours_ok": True,
        "per_day": 3,
        "gap_hours": 4.0,
        "list_gap_hours": 24.0,
        "days": "12345",
        "hour_from": 9.0,
        "hour_to": 20.0,
        "tz": "Asia/Tokyo",
    }
    values.update(changes)
    return GateRow(**values)


class TestToolsDialGate(BaseCase):
    def test_clean_row_allows(self):
        self.assertIsNone(row().first_refusal())

    def test_refusal_the_operator_cannot_fix_comes_first(self):
        """An opted-out number outside the window is reported as opted out,
        and a wrong caller ID before anything about the person."""
        self.assertEqual(
            row(ledger="opt_out", window_ok=False).first_refusal(), "ledger"
        )
        self.assertEqual(
            row(ledger="dnc", caller_ok=False, held_by=7).first_refusal(), "caller_id"
        )
        self.assertEqual(row(held_by=7, daily_ok=False).first_refusal(), "held")
        self.assertEqual(row(hours_ok=False, gap_ok=False).first_refusal(), "cap_gap")
        self.assertEqual(row(hours_ok=False).first_refusal(), "hours")

    def test_decision_codes_are_known(self):
        self.assertTrue(GateDecision.allow().allowed)
        refused = GateDecision.refuse("window", "Outside the calling window")
        self.assertEqual((refused.allowed, refused.code), (False, "window"))
        with self.assertRaises(ValueError):
            GateDecision.refuse("because", "no such rule")
