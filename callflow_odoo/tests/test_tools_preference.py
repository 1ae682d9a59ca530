"""The ledger's pure rules: an event's values made consistent before it is
recorded, and the SQL builders of the check: no database."""

from datetime import datetime

from odoo.tests import BaseCase
from odoo.tools import SQL

from odoo.addons.callflow_odoo.tools.preference_events import (
    VALS_ERROR_MESSAGES,
    consistent_vals,
    vals_error,
    whole_second,
)
from odoo.addons.callflow_odoo.tools.preference_sql import (
    REASON_RANK,
    ledger_blocks_sql,
    mail_blacklist_sql,
    reason_rank_sql,
)


class TestToolsPreferenceEvents(BaseCase):
    def test_obsolete_and_dnc_speak_of_all_contact(self):
        """A wrong person is wrong on every channel; a do-not-call covers
        every purpose of its channel, whatever the form said."""
        vals = consistent_vals(
            {"action": "obsolete", "channel": "sms", "scope": "purpose"}
        )
        self.assertEqual((vals["channel"], vals["scope"]), ("all", "all"))
        self.assertFalse(vals["purpose"])
        vals = consistent_vals(
            {"action": "dnc", "channel": "sms", "scope": "purpose", "purpose": "x"}
        )
        self.assertEqual((vals["channel"], vals["scope"]), ("sms", "all"))
        self.assertFalse(vals["purpose"], "a purpose only with a purpose scope")

    def test_hours_are_about_calls_and_only_hours_keep_hours(self):
        vals = consistent_vals(
            {"action": "hours", "channel": "sms", "hours_days": "5151x"}
        )
        self.assertEqual((vals["channel"], vals["scope"]), ("call", "all"))
        self.assertEqual(vals["hours_days"], "15", "days cleaned, sorted, unique")
        vals = consistent_vals(
            {"action": "opt_out", "hours_days": "1", "hours_from": 9.0}
        )
        self.assertEqual(
            (vals["hours_days"], vals["hours_from"], vals["hours_to"]),
            (False, 0.0, 0.0),
        )
        self.assertFalse(consistent_vals({"action": "hours"})["hours_days"])

    def test_purpose_scope_keeps_its_purpose(self):
        vals = consistent_vals(
            {"action": "opt_out", "scope": "purpose", "purpose": "survey"}
        )
        self.assertEqual(vals["purpose"], "survey")

    def test_what_cannot_be_recorded(self):
        good = {"action": "hours", "hours_from": 9.0, "hours_to": 17.0}
        self.assertIsNone(vals_error(consistent_vals(dict(good, hours_days="1"))))
        # no day lifts earlier preferred hours: recordable
        self.assertIsNone(vals_error(consistent_vals(dict(good, hours_days=""))))
        self.assertEqual(
            vals_error(consistent_vals(dict(good, hours_days="1", hours_to=8.0))),
            "hours",
        )
        self.assertEqual(
            vals_error(consistent_vals({"action": "opt_out", "scope": "purpose"})),
            "purpose",
        )
        self.assertIsNone(vals_error(consistent_vals({"action": "opt_out"})))
        self.assertEqual(set(VALS_ERROR_MESSAGES), {"hours", "purpose"})

    def test_event_dates_to_the_second(self):
        """An answer's create_date (microseconds) must not outrank an SMS
        recorded a moment later."""
        self.assertEqual(
            whole_second("2026-03-01 10:00:07"), datetime(2026, 3, 1, 10, 0, 7)
        )
        self.assertEqual(
            whole_second(datetime(2026, 3, 1, 10, 0, 5, 42)),
            datetime(2026, 3, 1, 10, 0, 5),
        )


class TestToolsPreferenceSql(BaseCase):
    def test_rank_sql_is_the_twin_of_the_ranks(self):
        rank = reason_rank_sql(SQL("b.action"))
        self.assertEqual(rank.code.count("WHEN"), len(REASON_RANK))
        self.assertIn("b.action", rank.code)
        # every reason then its rank, opt-out's rank for anything else
        self.assertEqual(
            rank.params,
            [*(x for item in REASON_RANK.items() for x in item), 4],
        )
        self.assertLess(REASON_RANK["obsolete"], REASON_RANK["opt_out"])

    def test_unknown_purpose_counts_every_block_lifts_only_broadly(self):
        numbers = SQL("%s::varchar[]", ["+81355550100"])
        unknown = ledger_blocks_sql(numbers, "call", None)
        self.assertIn("b.scope = 'purpose' AND TRUE", unknown.code)
        self.assertIn("o.scope = 'purpose' AND FALSE", unknown.code)
        self.assertIn(["call", "all"], unknown.params)
        one = ledger_blocks_sql(numbers, "sms", "payment_reminder")
        self.assertIn("b.purpose = %s", one.code)
        self.assertIn("o.purpose = %s", one.code)
        self.assertIn("payment_reminder", one.params)
        self.assertIn(["sms", "all"], one.params)

    def test_mail_blacklist_reads_event_and_contact_emails(self):
        rows = mail_blacklist_sql(SQL("%s::varchar[]", ["+81355550100"]))
        self.assertTrue(rows.code.lstrip().startswith("UNION ALL"))
        self.assertIn("mb.email = ev.email", rows.code)
        self.assertIn("mb.email = p.email_normalized", rows.code)
        self.assertEqual(rows.params.count(REASON_RANK["mail_blacklist"]), 2)
