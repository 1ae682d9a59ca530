"""Days and hours: the dialer's SQL test and its Python twin agree, the list's
day checkboxes edit its one ``window_days``, and the migration keeps the
calling windows of an existing database."""

import importlib.util
from datetime import datetime, timedelta
from pathlib import Path

from odoo.tests import TransactionCase, tagged
from odoo.tools import SQL

from ..tools.hours import in_hours, local_time
from ..tools.hours_sql import in_hours_sql, local_sql

ZONES = [
    None,  # no zone: UTC
    "UTC",
    "Asia/Tokyo",  # +9, the day changes at 15:00 UTC
    "America/New_York",  # DST starts on 8 Mar 2026
    "Asia/Kolkata",  # +5:30
    "Pacific/Chatham",  # +13:45 in (southern) summer
]
WINDOWS = [
    ("12345", 9.0, 20.0),  # office hours on weekdays
    ("1234567", 0.0, 24.0),  # always
    ("67", 9.5, 17.75),  # weekend, half and three-quarter hours
    ("3", 0.0, 0.5),  # the first half hour of Wednesday
    ("1234567", 23.5, 24.0),  # the last half hour of every day
    ("12345", 22.0, 6.0),  # overnight: never open, a window ends after it starts
    ("", 0.0, 24.0),  # no day
]


def _instants():
    """Every 15 minutes over three days around the New York DST change, and
    the last second before and first second at each half hour of one day."""
    start = datetime(2026, 3, 7)
    for quarter in range(3 * 24 * 4):
        yield start + timedelta(minutes=15 * quarter)
    for half in range(48):
        edge = datetime(2026, 3, 11) + timedelta(minutes=30 * half)
        yield edge - timedelta(seconds=1)
        yield edge + timedelta(minutes=14, seconds=59)


@tagged("post_install", "-at_install")
class TestHoursSqlTwin(TransactionCase):
    def _sql_grid(self, now):
        """``{(zone, window): inside}`` for ``now``, by the dialer's SQL."""
        cells = [(zone, window) for zone in ZONES for window in WINDOWS]
        columns = SQL(", ").join(
            in_hours_sql(
                local_sql(now, SQL("%s::varchar", zone)),
                SQL("%s::varchar", days),
                SQL("%s::float", hour_from),
                SQL("%s::float", hour_to),
            )
            for zone, (days, hour_from, hour_to) in cells
        )
        self.env.cr.execute(SQL("SELECT %s", columns))
        return dict(zip(cells, self.env.cr.fetchone(), strict=True))

    def test_python_twin_agrees_with_the_dialer_sql(self):
        """The SMS quiet hours (Python) and the dialer's calling windows and
        preferred hours (SQL) read days and hours the same way, in every time
        zone, at the edges and across midnight and daylight saving time."""
        opened = set()
        for now in _instants():
            for (zone, window), sql_inside in self._sql_grid(now).items():
                python_inside = in_hours(local_time(now, zone), *window)
                self.assertEqual(
                    python_inside, sql_inside, f"{now} UTC in {zone}, {window}"
                )
                if python_inside:
                    opened.add(window)
        # The grid opens every real window and never the empty ones.
        self.assertEqual(
            opened, {w for w in WINDOWS if w[0] and w[1] < w[2]}, "grid too small"
        )


@tagged("post_install", "-at_install")
class TestListWindowDays(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.List = cls.env["callflow.list"]

    def test_day_checkboxes_show_and_edit_window_days(self):
        call_list = self.List.create({"name": "Weekend"})
        self.assertEqual(call_list.window_days, "12345", "Monday to Friday")
        self.assertTrue(call_list.window_fri)
        self.assertFalse(call_list.window_sat)
        call_list.write({"window_sat": True, "window_mon": False})
        self.assertEqual(call_list.window_days, "23456")
        call_list.window_days = "67"
        self.assertEqual(
            [call_list[f"window_{d}"] for d in ("fri", "sat", "sun")],
            [False, True, True],
        )
        created = self.List.create({"name": "Sunday too", "window_sun": True})
        self.assertEqual(created.window_days, "123457")
        # Unticking Saturday on two lists keeps each list's other days.
        (call_list | created).write({"window_sat": False})
        self.assertEqual((call_list.window_days, created.window_days), ("7", "123457"))

    def test_migration_keeps_the_calling_window(self):
        """A database of 18.0.1.1.0 keeps each list's days and hours."""
        weekend = self.List.create({"name": "Weekend", "window_days": "67"})
        office = self.List.create(
            {"name": "Office", "window_from": 8.5, "window_to": 17.0}
        )
        self.env.flush_all()
        cr = self.env.cr
        # The columns of 18.0.1.1.0.
        cr.execute(
            """
            ALTER TABLE callflow_list RENAME COLUMN window_from TO window_start;
            ALTER TABLE callflow_list RENAME COLUMN window_to TO window_end;
            ALTER TABLE callflow_list
                ADD COLUMN window_mon boolean, ADD COLUMN window_tue boolean,
                ADD COLUMN window_wed boolean, ADD COLUMN window_thu boolean,
                ADD COLUMN window_fri boolean, ADD COLUMN window_sat boolean,
                ADD COLUMN window_sun boolean, ADD COLUMN window_weekdays varchar;
            UPDATE callflow_list SET
                window_mon = position('1' IN window_days) > 0,
                window_tue = position('2' IN window_days) > 0,
                window_wed = position('3' IN window_days) > 0,
                window_thu = position('4' IN window_days) > 0,
                window_fri = position('5' IN window_days) > 0,
                window_sat = position('6' IN window_days) > 0,
                window_sun = position('7' IN window_days) > 0,
                window_weekdays = 'old';
            ALTER TABLE callflow_list DROP COLUMN window_days;
            """
        )
        script = Path(__file__).parent.parent / "migrations/18.0.1.2.0/pre-migrate.py"
        spec = importlib.util.spec_from_file_location("cf_pre_migrate", script)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        module.migrate(cr, "18.0.1.1.0")
        self.env.invalidate_all()
        self.assertEqual(weekend.window_days, "67")
        self.assertEqual((office.window_days, office.window_from), ("12345", 8.5))
        self.assertEqual(office.window_to, 17.0)
        self.assertTrue(weekend.window_sun)
        self.assertFalse(weekend.window_mon)
