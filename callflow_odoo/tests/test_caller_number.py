from datetime import timedelta

from psycopg2 import IntegrityError

from odoo import fields
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import TransactionCase, new_test_user, tagged
from odoo.tools import mute_logger

from .common import CallflowCommon


@tagged("post_install", "-at_install")
class TestCallerNumber(CallflowCommon, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_directory_company()

    def test_number_normalised_in_company_country(self):
        """Whatever the manager types, the number is stored in E.164 and
        shown in both national and international forms."""
        rec = self.create_number("０３－１２３４－５６７８")
        self.assertEqual(rec.number, "+81312345678")
        self.assertEqual(rec.number_national, "03-1234-5678")
        self.assertEqual(rec.number_international, "+81 3-1234-5678")
        self.assertEqual(rec.display_name, "Sales desk (+81 3-1234-5678)")
        rec.number = "(06) 6123.4567"
        self.assertEqual(rec.number, "+81661234567")
        self.assertEqual(rec.number_national, "06-6123-4567")

    def test_international_number_keeps_its_country(self):
        rec = self.create_number("+44 20 7946 0958", name="London")
        self.assertEqual(rec.number, "+442079460958")
        self.assertEqual(rec.number_national, "020 7946 0958")

    def test_invalid_number_refused_with_clear_message(self):
        for text in ("hello", "03-12", "1234567890123456789"):
            with self.subTest(text=text):
                with self.assertRaises(ValidationError) as catcher:
                    self.create_number(text)
                self.assertIn(text, str(catcher.exception))
                self.assertIn("03-1234-5678", str(catcher.exception))
        rec = self.create_number("03-1234-5678")
        with self.assertRaises(ValidationError):
            rec.write({"number": "not a number"})
        self.assertEqual(rec.number, "+81312345678")

    def test_unique_per_company(self):
        """The same number typed differently is still a duplicate; another
        company may register it."""
        self.create_number("03-1234-5678")
        with (
            mute_logger("odoo.sql_db"),
            self.assertRaises(IntegrityError),
            self.cr.savepoint(),
        ):
            self.create_number("+81 3 1234 5678", name="Duplicate")
        other = self.env["res.company"].create(
            {"name": "Other KK", "country_id": self.env.ref("base.jp").id}
        )
        rec = self.Number.create(
            {"name": "Theirs", "number": "0312345678", "company_id": other.id}
        )
        self.assertEqual(rec.number, "+81312345678")

    def test_retired_compute_and_search(self):
        today = fields.Date.context_today(self.Number)
        live = self.create_number("03-1111-2222", date_end=today + timedelta(days=3))
        retired = self.create_number("03-1111-3333", date_end=today)
        forever = self.create_number("03-1111-4444")
        self.assertFalse(live.is_retired)
        self.assertTrue(retired.is_retired)
        self.assertFalse(forever.is_retired)
        mine = live | retired | forever
        self.assertEqual(mine.filtered_domain([("is_retired", "=", True)]), retired)
        self.assertEqual(
            self.Number.search([("id", "in", mine.ids), ("is_retired", "=", False)]),
            live | forever,
        )

    def test_end_before_start_refused(self):
        today = fields.Date.context_today(self.Number)
        with (
            mute_logger("odoo.sql_db"),
            self.assertRaises(IntegrityError),
            self.cr.savepoint(),
        ):
            self.create_number(
                "03-1111-5555", date_start=today, date_end=today - timedelta(days=1)
            )

    def test_operator_reads_manager_edits(self):
        rec = self.create_number("03-1234-5678")
        operator = new_test_user(
            self.env, "cf_operator", groups="callflow_odoo.group_callflow_operator"
        )
        manager = new_test_user(
            self.env, "cf_manager", groups="callflow_odoo.group_callflow_manager"
        )
        self.assertEqual(rec.with_user(operator).number_national, "03-1234-5678")
        with self.assertRaises(AccessError):
            rec.with_user(operator).write({"name": "Hijacked"})
        with self.assertRaises(AccessError):
            self.Number.with_user(operator).create(
                {"name": "X", "number": "03-9999-0000"}
            )
        rec.with_user(manager).write({"name": "Renamed"})
        self.assertEqual(rec.name, "Renamed")
        plain = new_test_user(self.env, "cf_nobody", groups="base.group_user")
        with self.assertRaises(AccessError):
            rec.with_user(plain).check_access("read")

    def test_change_tracked_in_chatter(self):
        rec = self.create_number("03-1234-5678")
        self.env.cr.precommit.run()  # as if created in an earlier transaction
        rec.number = "03-8765-4321"
        self.env.flush_all()
        self.env.cr.precommit.run()  # tracking is written at commit time
        rec.invalidate_recordset()
        tracked = rec.message_ids.tracking_value_ids.filtered(
            lambda t: t.field_id.name == "number"
        )
        self.assertEqual(tracked.new_value_char, "+81387654321")

    def test_lookup_matches_only_published(self):
        pub = self.create_number("03-1234-5678", name="Published desk")
        self.create_number("03-2222-3333", name="Secret", is_published=False)
        lookup = self.Directory._lookup_public
        self.assertEqual(
            lookup("０３（１２３４）５６７８", self.company)["number"], pub
        )
        self.assertEqual(lookup("03-2222-3333", self.company)["status"], "unknown")
        self.assertFalse(lookup("03-2222-3333", self.company)["number"])
        self.assertEqual(lookup("call me maybe", self.company)["status"], "invalid")
        self.assertEqual(lookup("", self.company)["status"], "empty")

    def _count_queries(self, func):
        func()  # warm the registry caches (parameters, translations)
        self.env.invalidate_all()
        before = self.cr.sql_log_count
        result = func()
        return self.cr.sql_log_count - before, result

    def test_vcard_and_page_queries_do_not_grow(self):
        """Building the card or the page reads all numbers in one go."""
        for index in range(5):
            self.create_number(f"03-1000-{index:04d}", name=f"Desk {index}")
        few, _card = self._count_queries(
            lambda: self.Directory._build_vcard(self.company)
        )
        few_page, _groups = self._count_queries(
            lambda: self.Directory._directory_groups(self.company)
        )
        for index in range(5, 40):
            self.create_number(f"03-1000-{index:04d}", name=f"Desk {index}")
        many, card = self._count_queries(
            lambda: self.Directory._build_vcard(self.company)
        )
        many_page, groups = self._count_queries(
            lambda: self.Directory._directory_groups(self.company)
        )
        self.assertEqual(card.count(b"TEL;TYPE=WORK,VOICE:"), 40)
        self.assertEqual(len(groups[0]["numbers"]), 40)
        self.assertEqual(few, many)
        self.assertEqual(few_page, many_page)
        self.assertLessEqual(many, 8)

    def test_directory_settings_menu_opens_current_company(self):
        """Callflow > Configuration > Directory Settings edits the phonetic
        reading of the current company."""
        action = self.env.ref("callflow_odoo.res_company_action_callflow_directory")
        result = action.with_company(self.company).run()
        self.assertEqual(result["res_model"], "res.company")
        self.assertEqual(result["res_id"], self.company.id)
        view = self.env["res.company"].get_view(result["views"][0][0], "form")
        self.assertIn("callflow_phonetic_name", view["arch"])

    def test_lookup_reads_national_input_in_our_numbers_countries(self):
        """A company registered in the US with a Tokyo desk: a visitor types
        the Tokyo number without +81 and is still answered."""
        self.company.country_id = self.env.ref("base.us")
        tokyo = self.create_number("+81 3-4567-8901", name="Tokyo desk")
        result = self.Directory._lookup_public("03-4567-8901", self.company)
        self.assertEqual(result["number"], tokyo)
        result = self.Directory._lookup_public("(415) 555-0199", self.company)
        self.assertEqual(result["status"], "unknown")
        self.assertEqual(result["formatted"], "+1 415-555-0199")
