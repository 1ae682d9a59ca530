"""Number → country and time zone: pure functions, no database."""

from odoo.tests import BaseCase

from odoo.addons.callflow_odoo.tools.phone import number_time_zone, region_of


class TestToolsPhone(BaseCase):
    def test_region_of_number(self):
        self.assertEqual(region_of("+81312345678"), "JP")
        self.assertEqual(region_of("+12125550123"), "US")
        self.assertEqual(region_of("+14165550123"), "CA")

    def test_time_zone_of_number(self):
        self.assertEqual(number_time_zone("+81312345678"), "Asia/Tokyo")
        self.assertEqual(number_time_zone("+12125550123"), "America/New_York")
        # No guess from a bare country code or an unknown one.
        self.assertIsNone(number_time_zone("+1"))
        self.assertIsNone(number_time_zone("+999"))

    def test_time_zone_by_exchange(self):
        """Zones known per exchange are not shared by a shorter prefix:
        +1 208-201 is Denver, +1 208-209 spans two zones (no guess)."""
        self.assertEqual(number_time_zone("+12082011234"), "America/Denver")
        self.assertIsNone(number_time_zone("+12082091234"))
        self.assertEqual(number_time_zone("+12082151234"), "America/Los_Angeles")
