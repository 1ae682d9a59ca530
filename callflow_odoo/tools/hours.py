"""Preferred call hours ("only at certain times"): validation and labels.

Days are ISO weekday digits in one string ("12345" = Monday to Friday), hours
are floats in the recipient's local time, ``start`` included, ``end``
excluded, as for the call lists' calling windows.
"""

import re
from datetime import datetime, time, timedelta

import babel.dates
import pytz

ALL_DAYS = "1234567"


def clean_days(days):
    """The ISO weekday digits in ``days``, sorted and unique ('' if none)."""
    return "".join(d for d in ALL_DAYS if d in (days or ""))


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


def _hour_label(value):
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
    return f"{sep.join(parts)} {_hour_label(start)}–{_hour_label(end)}"


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


def send_after(now, tz_name, start=9.0, end=20.0):
    """UTC time (naive) a message may leave so that it arrives between
    ``start`` and ``end`` o'clock in ``tz_name``, or False if it may leave
    ``now`` (naive UTC).  An unknown zone is read as UTC."""
    try:
        tz = pytz.timezone(tz_name or "UTC")
    except pytz.UnknownTimeZoneError:
        tz = pytz.utc
    local = pytz.utc.localize(now).astimezone(tz)
    hour = local.hour + local.minute / 60
    if start <= hour < end:
        return False
    day = local.date() + timedelta(days=1 if hour >= end else 0)
    opening = datetime.combine(day, time(int(start), round(start % 1 * 60)))
    return tz.localize(opening).astimezone(pytz.utc).replace(tzinfo=None)
