"""SMS quiet hours: pure function, no database."""

from datetime import datetime

from odoo.tests import BaseCase

from odoo.addons.callflow_odoo.tools.hours import send_after


class TestToolsHours(BaseCase):
    def test_night_in_tokyo_waits_for_nine(self):
        # 23:30 in Tokyo = 14:30 UTC: held until 09:00 Tokyo = 00:00 UTC.
        self.assertEqual(
            send_after(datetime(2026, 11, 20, 14, 30), "Asia/Tokyo"),
            datetime(2026, 11, 21),
        )
        # 05:00 in Tokyo = 20:00 UTC the day before: 09:00 the same morning.
        self.assertEqual(
            send_after(datetime(2026, 11, 20, 20, 0), "Asia/Tokyo"),
            datetime(2026, 11, 21),
        )

    def test_daytime_leaves_now(self):
        # 12:00 in Tokyo.
        self.assertFalse(send_after(datetime(2026, 11, 20, 3), "Asia/Tokyo"))
        # 20:00 is closed, 19:59 open: end excluded, start included.
        self.assertFalse(send_after(datetime(2026, 11, 20, 10, 59), "Asia/Tokyo"))
        self.assertFalse(send_after(datetime(2026, 11, 20, 0, 0), "Asia/Tokyo"))
        self.assertEqual(
            send_after(datetime(2026, 11, 20, 11, 0), "Asia/Tokyo"),
            datetime(2026, 11, 21),
        )

    def test_custom_window_and_unknown_zone(self):
        # Window 8:30–18:00, read in UTC for an unknown zone.
        self.assertEqual(
            send_after(datetime(2026, 11, 20, 7), "Mars/Olympus", 8.5, 18.0),
            datetime(2026, 11, 20, 8, 30),
        )
        self.assertEqual(
            send_after(datetime(2026, 11, 20, 19), None, 8.5, 18.0),
            datetime(2026, 11, 21, 8, 30),
        )
