"""Days and hours in Callflow: one representation, its test, validation and
labels.

Every "days and hours" in Callflow -- a call list's calling window, the
hours a person asked to be called at (ledger events, opt-out answers), the
SMS quiet hours -- is the same triple, named after its owner's prefix:

- ``<prefix>_days``: ISO weekday digits in one string, ``"12345"`` = Monday
  to Friday (``Char``). One column a SQL ``position()`` reads per row and an
  index-free ``CHECK`` can hold; seven booleans needed seven columns and a
  computed copy to be queried, and a comma-separated list a second parser.
- ``<prefix>_from`` / ``<prefix>_to``: hours as floats in the recipient's
  local time (``9.5`` = 09:30), ``from`` included, ``to`` excluded -- the
  value type of Odoo's ``resource.calendar.attendance`` (``hour_from``,
  ``hour_to``) and of its ``float_time`` widget, so forms show 09:30.

The ledger already stored ``hours_days``/``hours_from``/``hours_to`` and the
opt-out answers ``times_days``/``times_from``/``times_to``; the lists and the
SMS quiet hours follow them (``window_days``/``window_from``/``window_to``).
A window never wraps past midnight (``from < to``); :func:`in_hours` is the
Python twin of the SQL test :func:`.hours_sql.in_hours_sql`.
"""

import re
from datetime import datetime, time, timedelta

import babel.dates
import pytz

ALL_DAYS = "1234567"


def clean_days(days):
    """The ISO weekday digits in ``days``, sorted and unique ('' if none)."""
    return "".join(d for d in ALL_DAYS if d in (days or ""))


def set_days(days, changes):
    """``days`` with each ISO digit of ``changes`` (``{"6": True}``) added or
    removed: what a form's day checkboxes do to a ``*_days`` value."""
    return "".join(d for d in ALL_DAYS if changes.get(d, d in (days or "")))


WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
# The day checkboxes of the calling window and their ISO digits: a view of
# ``window_days``, turned into it by ``create``/``write``.
WINDOW_FLAGS = {f"window_{day}": str(n) for n, day in enumerate(WEEKDAYS, start=1)}
# The parameters of the day checkboxes' fields (callflow.list).
WINDOW_DAY_FLAG = {"compute": "_compute_window_day_flags", "readonly": False}


def window_flags_to_days(vals, days):
    """``vals`` with its day checkboxes turned into ``window_days``; the days
    neither ticked nor unticked keep what ``days`` (or a given
    ``window_days``) says."""
    flags = {WINDOW_FLAGS[f]: bool(vals.pop(f)) for f in WINDOW_FLAGS if f in vals}
    if flags:
        vals["window_days"] = set_days(vals.get("window_days", days), flags)
    return vals


def hours_error(days, start, end):
    """Why these hours are not usable, or None."""
    if not clean_days(days):
        return "days"
    if start is None or end is None or not 0 <= start < end <= 24:
        return "hours"
    return None


def _locale(lang):
    try:
        return babel.Locale.parse(lang or "en_US")
    except (ValueError, babel.UnknownLocaleError):
        return babel.Locale.parse("en_US")


def hour_label(value):
    """Float hours as "HH:MM" (8.5 -> "08:30")."""
    value = round(value * 60)
    return f"{value // 60:02d}:{value % 60:02d}"


def format_hours(days, start, end, lang="en_US"):
    """'Mon–Fri 10:00–12:00' in ``lang``: runs of consecutive days joined."""
    days = clean_days(days)
    if not days:
        return ""
    locale = _locale(lang)
    names = babel.dates.get_day_names("abbreviated", locale=locale)

    def label(day):
        return names[int(day) - 1]  # babel counts Monday as 0

    runs, run = [], [days[0]]
    for day in days[1:]:
        if int(day) == int(run[-1]) + 1:
            run.append(day)
        else:
            runs.append(run)
            run = [day]
    runs.append(run)
    parts = [
        label(r[0]) if len(r) == 1 else f"{label(r[0])}–{label(r[-1])}" for r in runs
    ]
    sep = "、" if locale.language == "ja" else ", "
    return f"{sep.join(parts)} {hour_label(start)}–{hour_label(end)}"


def weekday_names(lang="en_US", width="wide"):
    """``[(iso digit, name)]`` Monday first, in ``lang``."""
    names = babel.dates.get_day_names(width, locale=_locale(lang))
    return [(str(day + 1), names[day]) for day in range(7)]


def parse_hour(value):
    """An hour posted by a form ("9", "18"), or None if it is not 0-24.

    Only ASCII digits count: ``str.isdigit`` also accepts ``²`` and other
    digits that ``int`` cannot read.
    """
    if isinstance(value, str) and re.fullmatch(r"[0-9]{1,2}", value.strip()):
        hour = int(value.strip())
        if 0 <= hour <= 24:
            return float(hour)
    return None


def _zone(tz_name):
    """``tz_name`` as a zone; no zone or an unknown one is read as UTC."""
    try:
        return pytz.timezone(tz_name or "UTC")
    except pytz.UnknownTimeZoneError:
        return pytz.utc


def local_time(now, tz_name):
    """``now`` (naive UTC) as naive local time in ``tz_name``."""
    return pytz.utc.localize(now).astimezone(_zone(tz_name)).replace(tzinfo=None)


def in_hours(local, days, hour_from, hour_to):
    """Whether the local time ``local`` falls on one of ``days`` (ISO weekday
    digits) between ``hour_from`` (included) and ``hour_to`` (excluded).

    The SQL twin (``in_hours_sql``) reads hours and minutes, not seconds;
    so does this. No days, or a window that does not start before it ends,
    is never open."""
    if not days or hour_from is None or hour_to is None:
        return False
    hour = local.hour + local.minute / 60
    return str(local.isoweekday()) in days and hour_from <= hour < hour_to


def send_after(now, tz_name, start=9.0, end=20.0):
    """UTC time (naive) a message may leave so that it arrives between
    ``start`` and ``end`` o'clock in ``tz_name``, or False if it may leave
    ``now`` (naive UTC).  An unknown zone is read as UTC."""
    tz = _zone(tz_name)
    local = local_time(now, tz.zone)
    if in_hours(local, ALL_DAYS, start, end):
        return False
    hour = local.hour + local.minute / 60
    day = local.date() + timedelta(days=1 if hour >= end else 0)
    opening = datetime.combine(day, time(int(start), round(start % 1 * 60)))
    return tz.localize(opening).astimezone(pytz.utc).replace(tzinfo=None)
