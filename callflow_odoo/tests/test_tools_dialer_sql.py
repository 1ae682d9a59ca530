"""The dialer's SQL builders and the list-building rows: pure, no database."""

from odoo.tests import BaseCase
from odoo.tools import SQL

from odoo.addons.callflow_odoo.tools import dialer_sql
from odoo.addons.callflow_odoo.tools.list_rows import source_number, source_query


class TestDialerSql(BaseCase):
    def test_first_page_has_no_keyset(self):
        self.assertEqual(dialer_sql.walk_keyset(None).code, "TRUE")
        keyset = dialer_sql.walk_keyset((42, "2", 3))
        # priority, attempts, id: the order of the pick
        self.assertEqual(keyset.params, ["2", "2", 3, 3, 42])

    def test_walk_reads_one_range_per_open_zone(self):
        page = dialer_sql.walk_page(
            [(7, "Asia/Tokyo"), (7, None)], SQL("TRUE"), SQL("TRUE"), 20
        )
        self.assertEqual(page.code.count("UNION ALL"), 1)
        self.assertIn("e.tz IS NULL", page.code)
        self.assertIn("Asia/Tokyo", page.params)

    def test_caps_count_holds_only_when_asked(self):
        now = SQL("now()")
        self.assertIn("o.state = 'in_call'", dialer_sql.cap_gap(now).code)
        self.assertNotIn(
            "o.state = 'in_call'", dialer_sql.cap_gap(now, count_holds=False).code
        )
        self.assertNotIn(
            "o.state = 'in_call'",
            dialer_sql.cap_daily(now, count_holds=False).code,
        )

    def test_hold_takes_the_number_lock(self):
        hold = dialer_sql.try_hold(2, "2026-01-01", 5, "+81312345678")
        self.assertIn(dialer_sql.HOLD_LOCK_SPACE, hold.params)
        self.assertIn("SKIP LOCKED", hold.code)


class TestSourceNumber(BaseCase):
    def test_phone_first(self):
        parsed = source_number(" 03-1234-5678 ", "090-1234-5678", "JP")
        self.assertEqual(parsed.number, "+81312345678")
        self.assertEqual(parsed.raw, "03-1234-5678")
        self.assertIsNone(parsed.error)

    def test_mobile_when_the_phone_is_invalid(self):
        parsed = source_number("12", "090-1234-5678", "JP")
        self.assertEqual(parsed.number, "+819012345678")
        self.assertEqual(parsed.raw, "090-1234-5678")

    def test_nothing_to_call(self):
        parsed = source_number("", None, "JP")
        self.assertEqual((parsed.raw, parsed.number, parsed.error), ("", None, "empty"))
        parsed = source_number("12", None, "JP")
        self.assertIsNone(parsed.number)
        self.assertTrue(parsed.error)

    def test_source_query_reads_the_list_source(self):
        """Leads are read with their contact's name, zone and country;
        contacts from the partners alone; both in id order."""
        leads = source_query("crm.lead", [3, 1])
        self.assertIn("FROM crm_lead l", leads.code)
        self.assertIn("LEFT JOIN res_partner p ON p.id = l.partner_id", leads.code)
        self.assertIn("ORDER BY l.id", leads.code)
        self.assertEqual(leads.params, [[3, 1]])
        partners = source_query("res.partner", [2])
        self.assertIn("FROM res_partner p", partners.code)
        self.assertNotIn("crm_lead", partners.code)
        self.assertEqual(partners.params, [[2]])
