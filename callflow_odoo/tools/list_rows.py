"""Rows that travel while a call list is built: pure, no database."""

from typing import NamedTuple

from .phone import EMPTY, try_parse_number


class SourceRow(NamedTuple):
    """A contact or lead to add, as ``callflow.list._source_query`` reads it."""

    id: int
    partner_id: int | None
    name: str | None
    phone: str | None
    mobile: str | None
    country_code: str | None
    tz: str | None


class EntryRow(NamedTuple):
    """An entry to insert (``callflow.list._insert_entries``)."""

    partner_id: int | None
    lead_id: int | None
    name: str | None
    raw: str
    number: str | None  # E.164, None when the number is invalid
    state: str
    reason: str | None
    tz: str


class ParsedNumber(NamedTuple):
    raw: str  # what was typed, stripped
    number: str | None  # E.164, or None
    error: str | None  # why not (the parser's reason), or None


def source_number(phone, mobile, region):
    """The number to call of a contact: its phone, else its mobile, parsed
    for ``region``; the mobile is also tried when the phone is invalid."""
    raw = (phone or mobile or "").strip()
    e164, error = try_parse_number(raw, region) if raw else (False, EMPTY)
    if not e164 and mobile and phone:
        alt, _error = try_parse_number(mobile, region)
        if alt:
            e164, error, raw = alt, None, mobile
    return ParsedNumber(raw, e164 or None, None if e164 else error)
