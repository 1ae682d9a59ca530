"""Days and hours (SMS quiet hours, calling windows): pure functions, no database."""

from datetime import datetime

from odoo.tests import BaseCase

from odoo.addons.callflow_odoo.tools.hours import (
    in_hours,
    local_time,
    send_after,
    set_days,
    window_flags_to_days,
)


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


class TestInHours(BaseCase):
    """The Python twin of the dialer's SQL test (see test_hours_sql)."""

    def test_start_included_end_excluded(self):
        wednesday = datetime(2026, 11, 25)
        self.assertFalse(in_hours(wednesday.replace(hour=8, minute=59), "3", 9, 20))
        self.assertTrue(in_hours(wednesday.replace(hour=9), "3", 9, 20))
        self.assertTrue(in_hours(wednesday.replace(hour=19, minute=59), "3", 9, 20))
        self.assertFalse(in_hours(wednesday.replace(hour=20), "3", 9, 20))

    def test_days_and_half_hours(self):
        saturday = datetime(2026, 11, 28, 9, 15)
        self.assertFalse(in_hours(saturday, "12345", 0, 24), "not a weekday")
        self.assertTrue(in_hours(saturday, "67", 9, 9.5))
        self.assertFalse(in_hours(saturday, "67", 9.5, 10), "09:15 < 09:30")
        self.assertFalse(in_hours(saturday, "", 0, 24), "no day, never")

    def test_overnight_window_is_never_open(self):
        # A window ends after it starts; the forms refuse 22:00-06:00.
        for hour in (0, 5, 22, 23):
            self.assertFalse(in_hours(datetime(2026, 11, 25, hour), "3", 22, 6))

    def test_local_time_changes_the_day(self):
        # Tuesday 23:30 UTC is Wednesday 08:30 in Tokyo.
        local = local_time(datetime(2026, 11, 24, 23, 30), "Asia/Tokyo")
        self.assertEqual(local, datetime(2026, 11, 25, 8, 30))
        self.assertTrue(in_hours(local, "3", 8.5, 9))
        self.assertFalse(in_hours(local, "2", 0, 24))
        # No zone or an unknown one reads as UTC.
        self.assertEqual(local_time(datetime(2026, 11, 24, 23, 30), None).day, 24)
        self.assertEqual(local_time(datetime(2026, 11, 24, 23, 30), "Mars/X").day, 24)

    def test_day_checkboxes_edit_the_days(self):
        self.assertEqual(set_days("12345", {"6": True, "1": False}), "23456")
        self.assertEqual(set_days("", {"7": True}), "7")
        self.assertEqual(set_days(False, {}), "")
        self.assertEqual(set_days("7531", {}), "1357", "sorted, as the SQL reads")

    def test_list_checkboxes_become_window_days(self):
        """A call list's day checkboxes (``window_sat``...) are written as its
        one ``window_days``; the days not in ``vals`` keep the list's."""
        vals = {"name": "Weekend", "window_sat": True, "window_mon": False}
        self.assertEqual(
            window_flags_to_days(vals, "12345"),
            {"name": "Weekend", "window_days": "23456"},
        )
        given = {"window_days": "67", "window_sun": False}
        self.assertEqual(window_flags_to_days(given, "12345"), {"window_days": "6"})
        self.assertEqual(window_flags_to_days({"name": "X"}, "12345"), {"name": "X"})
