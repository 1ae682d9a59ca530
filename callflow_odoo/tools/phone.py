"""Phone-number parsing shared by the directory, the ledger and the dialer.

People type numbers in every shape (``03-1234-5678``, ``+81 3 1234 5678``,
full-width ``０３－１２３４－５６７８``, ``03-1234-5678 内線12``).  Everything
that stores or compares numbers goes through :func:`parse_number`, so one
person's number is always the same E.164 string.
"""

import re
import unicodedata
from functools import lru_cache

import phonenumbers
from phonenumbers import timezone as phone_timezone

from .phone_fast import quick_parse

# What may trail a number and is not part of it: an extension or a note.
_EXTENSION_RE = re.compile(r"\s*(?:内線|ext\.?|extension|x|#)\s*\d*\s*$", re.IGNORECASE)
# Characters people use to group digits; anything else is garbage.
_ALLOWED_RE = re.compile(r"^\+?[\d\s\-\.\(\)/]+$")
MAX_INPUT_LENGTH = 64
# Longest raw text worth parsing: a number with spaces, an extension and a
# note.  Anything longer is refused before the cache sees it, so megabytes
# of padding after a valid number are neither accepted nor cached.
MAX_RAW_LENGTH = MAX_INPUT_LENGTH * 2


# Why a text is not a usable number: codes for code, never shown as they are.
# The user-facing words live in one place (tools/phone_errors.py).
EMPTY = "empty"
NOT_A_NUMBER = "not_a_number"
TOO_LONG = "too_long"
NO_COUNTRY = "no_country"
INVALID = "invalid"
PARSE_ERROR_CODES = (EMPTY, NOT_A_NUMBER, TOO_LONG, NO_COUNTRY, INVALID)


class PhoneParseError(ValueError):
    """The text is not a usable phone number; ``code`` says why.

    ``code`` is one of :data:`PARSE_ERROR_CODES` (for code to test), ``params``
    what a message may show; translate with ``phone_errors.parse_error_message``.
    """

    def __init__(self, code, **params):
        assert code in PARSE_ERROR_CODES, code
        super().__init__(code)
        self.code = code
        self.params = params


def clean_input(text):
    """Fold what a person typed into ASCII digits and separators.

    NFKC turns full-width digits and ``＋`` into ASCII; the several dash-like
    characters (``－``, ``ー``, ``‐``, ``―``) become ``-``.
    """
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", str(text))[: MAX_INPUT_LENGTH * 2]
    text = re.sub(r"[\u2010-\u2015\u2212\u30fc\uff70]", "-", text)
    text = _EXTENSION_RE.sub("", text.strip())
    return text.strip()


@lru_cache(maxsize=65536)
def _parse_cached(text, region):
    return _parse(text, region)


def _parse(text, region):
    """``(e164, time zone or None)`` of ``text``; see :func:`parse_number`."""
    cleaned = clean_input(text)
    if not cleaned:
        raise PhoneParseError(EMPTY)
    if len(cleaned) > MAX_INPUT_LENGTH:
        raise PhoneParseError(TOO_LONG, max_length=MAX_INPUT_LENGTH)
    if not _ALLOWED_RE.match(cleaned):
        raise PhoneParseError(NOT_A_NUMBER)
    if cleaned.startswith("00") and not region:
        cleaned = "+" + cleaned[2:]
    if not cleaned.startswith("+") and not region:
        raise PhoneParseError(NO_COUNTRY)
    # The usual shapes skip the library's search for a number in free text
    # (same result, a third of the time: a million-entry list is parsed
    # in one go).
    parsed = quick_parse(cleaned, (region or "").upper())
    if parsed is None:
        try:
            parsed = phonenumbers.parse(cleaned, (region or "").upper() or None)
        except phonenumbers.NumberParseException as exc:
            raise PhoneParseError(NOT_A_NUMBER) from exc
    # number_type() is UNKNOWN exactly when is_valid_number() is False, and
    # the time zone needs the type: one look-up gives both.
    number_type = phonenumbers.number_type(parsed)
    if number_type == phonenumbers.PhoneNumberType.UNKNOWN:
        raise PhoneParseError(INVALID)
    e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    return e164, _time_zone(e164, number_type, parsed.country_code)


def _time_zone(e164, number_type, country_code):
    """What ``phonenumbers.timezone.time_zones_for_number`` says, as one
    zone or None (several zones or none known), without parsing again:
    the zones of the longest known prefix for a geographical number (the
    data goes down to single exchanges, e.g. +1208201 is Denver while the
    rest of +1208 spans two zones), of the country for the others."""
    data = phone_timezone.TIMEZONE_DATA
    zones = data.get(str(country_code))
    if phone_timezone.is_number_type_geographical(number_type, country_code):
        longest = min(len(e164) - 1, phone_timezone.TIMEZONE_LONGEST_PREFIX)
        prefixes = (e164[1 : 1 + length] for length in range(longest, 0, -1))
        zones = next((data[p] for p in prefixes if p in data), None)
    zones = set(zones or ()) - {phone_timezone.UNKNOWN_TIMEZONE}
    return zones.pop() if len(zones) == 1 else None


def parse_number(text, region=None):
    """Return the E.164 form of ``text`` or raise :class:`PhoneParseError`.

    :param region: ISO country code used when the number has no ``+``
    """
    return parse_number_zone(text, region)[0]


def parse_number_zone(text, region=None):
    """Like :func:`parse_number`, with the time zone guessed from the number
    (None when unknown or several): ``(e164, zone)``, parsed once."""
    text = str(text or "")
    if len(text) > MAX_RAW_LENGTH:
        raise PhoneParseError(TOO_LONG, max_length=MAX_INPUT_LENGTH)
    return _parse_cached(text, (region or "").upper()[:8])


def try_parse_number_zone(text, region=None):
    """``((e164, zone), None)`` or ``((False, None), code)``; never raises."""
    try:
        return parse_number_zone(text, region), None
    except PhoneParseError as exc:
        return (False, None), exc.code


def try_parse_number(text, region=None):
    """Return ``(e164, None)`` or ``(False, code)``; never raises.

    ``code`` is one of :data:`PARSE_ERROR_CODES`.
    """
    try:
        return parse_number(text, region), None
    except PhoneParseError as exc:
        return False, exc.code


def format_number(e164, style="international"):
    """Display form of an E.164 number: ``international`` or ``national``."""
    if not e164:
        return ""
    parsed = phonenumbers.parse(e164, None)
    fmt = {
        "international": phonenumbers.PhoneNumberFormat.INTERNATIONAL,
        "national": phonenumbers.PhoneNumberFormat.NATIONAL,
        "rfc3966": phonenumbers.PhoneNumberFormat.RFC3966,
    }[style]
    return phonenumbers.format_number(parsed, fmt)


def mask_number(e164):
    """Show a number without revealing it: ``+81 90-****-5678``.

    Keeps the country code, the first group and the last group; every digit
    in between becomes ``*``.
    """
    if not e164:
        return ""
    try:
        intl = format_number(e164)
    except phonenumbers.NumberParseException:
        return "****"
    head, _sep, rest = intl.partition(" ")
    groups = re.split(r"([\s\-])", rest)
    if len(groups) < 5:  # fewer than three groups: keep only the last four
        return f"{head} {'*' * max(len(rest) - 4, 0)}{rest[-4:]}"
    middle = "".join(
        part if part in (" ", "-") else "*" * len(part) for part in groups[1:-1]
    )
    return f"{head} {groups[0]}{middle}{groups[-1]}"


@lru_cache(maxsize=4096)
def region_of(e164):
    """The country (ISO code) an E.164 number belongs to, e.g. "JP"."""
    return phonenumbers.region_code_for_number(phonenumbers.parse(e164))


def number_time_zone(e164):
    """The recipient's time zone guessed from the number (prefix data of
    phonenumbers); None when the prefix spans several zones or is unknown."""
    return try_parse_number_zone(e164)[0][1]


def national_digits(e164):
    """The national significant number of an E.164 number, e.g. "312345678"
    for "+81312345678": the digits any written form of it contains."""
    return str(phonenumbers.parse(e164).national_number)


def display_number(e164, home_region=None):
    """``e164`` as people read it: the national form when the number belongs
    to ``home_region`` (ISO code, e.g. the company's country), else the
    international one. Text that does not parse is returned unchanged, so a
    screen never hides a number it cannot format."""
    if not e164:
        return ""
    try:
        same = bool(home_region) and region_of(e164) == home_region.upper()
        return format_number(e164, "national" if same else "international")
    except phonenumbers.NumberParseException:
        return e164
