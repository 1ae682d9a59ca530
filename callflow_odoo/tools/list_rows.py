"""Rows that travel while a call list is built, and the query that reads
them: pure, no database."""

from typing import NamedTuple

from odoo.tools import SQL

from .phone import EMPTY, try_parse_number_zone


class SourceRow(NamedTuple):
    """A contact or lead to add, as :func:`source_query` reads it."""

    id: int
    partner_id: int | None
    name: str | None
    phone: str | None
    mobile: str | None
    country_code: str | None
    tz: str | None


class EntryRow(NamedTuple):
    """An entry to insert (``callflow.list.builder._insert_entries``)."""

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
    zone: str | None = None  # time zone guessed from the number, or None


def source_number(phone, mobile, region):
    """The number to call of a contact: its phone, else its mobile, parsed
    for ``region``; the mobile is also tried when the phone is invalid."""
    raw = (phone or mobile or "").strip()
    (e164, zone), error = (
        try_parse_number_zone(raw, region) if raw else ((False, None), EMPTY)
    )
    if not e164 and mobile and phone:
        (alt, alt_zone), _error = try_parse_number_zone(mobile, region)
        if alt:
            e164, zone, error, raw = alt, alt_zone, None, mobile
    return ParsedNumber(raw, e164 or None, None if e164 else error, zone)


def source_query(source_model, ids):
    """The ``SourceRow``s (id, partner_id, name, phone, mobile, country
    code, tz) of the records ``ids`` of ``source_model``."""
    if source_model == "crm.lead":
        return SQL(
            """
            SELECT l.id, l.partner_id,
                   COALESCE(NULLIF(l.contact_name, ''), p.name, l.name),
                   l.phone, l.mobile,
                   COALESCE(c.code, pc.code), p.tz
              FROM crm_lead l
         LEFT JOIN res_partner p ON p.id = l.partner_id
         LEFT JOIN res_country c ON c.id = l.country_id
         LEFT JOIN res_country pc ON pc.id = p.country_id
             WHERE l.id = ANY(%s)
          ORDER BY l.id
            """,
            ids,
        )
    return SQL(
        """
        SELECT p.id, p.id, p.complete_name, p.phone, p.mobile, c.code, p.tz
          FROM res_partner p
     LEFT JOIN res_country c ON c.id = p.country_id
         WHERE p.id = ANY(%s)
      ORDER BY p.id
        """,
        ids,
    )
