"""The public directory of the numbers the company calls from: the page's
number list, the lookup ("did this number call you?") and the vCard.

A service over ``callflow.caller.number``: the numbers hold the data, this
model renders, caches and answers for the controller, the opt-out page, the
benchmark and the tests.  Callers use it with ``sudo()`` and the website's
company: every method only ever reads published numbers of that company.
"""

import re
import uuid
from functools import partial

import vobject
from markupsafe import Markup

from odoo import api, fields, models
from odoo.tools import ormcache
from odoo.tools.lru import LRU

from ..tools.phone import format_number, region_of, try_parse_number
from ..tools.purposes import PURPOSES
from ..tools.qr import qr_svg
from ..tools.vcard import finish_vcard, vcard_logo

# Built cards, per worker: building one with vobject costs ~25 ms for 200
# numbers, serving a cached one well under a millisecond.  The key holds
# every input of the card (see _build_vcard), so a change is never hidden.
_VCARD_CACHE = LRU(64)
_UID_NAMESPACE = uuid.UUID("6f1d3c1e-8d7a-4b43-9a3f-0ca11f10a000")

# Whitespace between two tags that spans a line break.
_INDENTATION_RE = re.compile(r">[ \t]*\n\s*<")


class CallflowDirectory(models.AbstractModel):
    _name = "callflow.directory"
    _description = "Caller Number Directory"

    @api.model
    def _numbers(self):
        return self.env["callflow.caller.number"]

    @api.model
    def _directory_groups(self, company):
        """Published numbers grouped by purpose, in the order of PURPOSES;
        in-service numbers first, then the retired ones, latest first."""
        numbers = self._numbers()._get_published(company)
        labels = numbers._purpose_labels()
        today = fields.Date.context_today(self)
        by_purpose = {key: ([], []) for key, _label in PURPOSES}
        for rec in numbers:
            retired = bool(rec.date_end and rec.date_end <= today)
            by_purpose[rec.purpose][retired].append(rec.id)
        groups = []
        for key, _label in PURPOSES:
            in_service, retired = by_purpose[key]
            if in_service or retired:
                retired_recs = numbers.browse(retired).with_prefetch(
                    numbers._prefetch_ids
                )
                groups.append(
                    {
                        "purpose": key,
                        "label": labels[key],
                        "numbers": numbers.browse(in_service).with_prefetch(
                            numbers._prefetch_ids
                        ),
                        "retired": retired_recs.sorted("date_end", reverse=True),
                    }
                )
        return groups

    @api.model
    def _directory_today(self, company):
        """The company's day: a visitor's time zone is unknown, and reading
        the public user's costs a query on every visit."""
        # Two columns only: the page's t-cache reads the write_date.
        company.partner_id.fetch(["tz", "write_date"])
        return fields.Date.context_today(
            self.with_context(tz=company.partner_id.tz or "UTC")
        )

    @api.model
    def _directory_list_html(self, company, website=None):
        """The directory page's list of published numbers: rendering and
        escaping 200 numbers costs ~10 ms of CPU, so it is done once per
        language, website, day (numbers retire at midnight) and change of a
        number (see ``callflow.caller.number._directory_changed``)."""
        today = self._directory_today(company)
        numbers = self.with_context(tz=company.partner_id.tz or "UTC")
        return numbers._directory_list_cached(
            company.id, website.id if website else False, today
        )

    @api.model
    @ormcache("company_id", "website_id", "today", "self.env.lang")
    def _directory_list_cached(self, company_id, website_id, today):
        company = self.env["res.company"].browse(company_id)
        html = self.env["ir.qweb"]._render(
            "callflow_odoo.callflow_numbers_list",
            {"groups": self._directory_groups(company), "today": today},
        )
        # A third of the rendered list is the template's indentation: every
        # visitor downloads it, and every worker writes it out. One newline
        # between tags renders the same (one space, or none in a flex row).
        return Markup(_INDENTATION_RE.sub(">\n<", html))

    @api.model
    def _public_regions(self, company, published=None):
        """Countries a number typed without its country code is read in.

        The company's country first, then the countries of its published
        numbers (a Tokyo desk of a company registered abroad).
        """
        if published is None:
            published = self._numbers()._get_published(company, field_names=["number"])
        regions = [company.country_id.code or None]
        for rec in published:
            region = region_of(rec.number)
            if region not in regions:
                regions.append(region)
        return regions

    @api.model
    def _parse_public(self, text, company):
        """E.164 of a number a visitor typed, read as :meth:`_public_regions`
        says, or False."""
        for region in self._public_regions(company):
            e164, _reason = try_parse_number(text, region)
            if e164:
                return e164
        return False

    @api.model
    def _lookup_public(self, text, company):
        """Answer "did this number call you?" for what a visitor typed.

        Returns ``{"status": "empty"|"invalid"|"unknown"|"ours", "number":
        record or False, "query": text}``.  Only published numbers are
        matched: an unpublished number answers exactly like a stranger's.
        """
        text = (text or "").strip()[:128]
        result = {"status": "empty", "number": False, "query": text}
        if not text:
            return result
        published = self._numbers()._get_published(company, field_names=["number"])
        regions = self._public_regions(company, published)
        by_number = {rec.number: rec for rec in published}
        parsed = [
            e164 for e164, _reason in map(partial(try_parse_number, text), regions)
        ]
        parsed = [e164 for e164 in parsed if e164]
        if not parsed:
            result["status"] = "invalid"
            return result
        e164 = next((n for n in parsed if n in by_number), parsed[0])
        match = by_number.get(e164, published.browse())
        result.update(
            status="ours" if match else "unknown",
            number=match,
            formatted=format_number(e164, "international"),
        )
        return result

    # ------------------------------------------------------------------
    # vCard
    # ------------------------------------------------------------------
    @api.model
    def _vcard_uid(self, company, purpose=None):
        """Same UID for the same card on every download, so a re-import
        updates the contact instead of duplicating it (where supported)."""
        dbuuid = self.env["ir.config_parameter"].sudo().get_param("database.uuid")
        key = f"{dbuuid}/callflow-directory/{company.id}/{purpose or 'all'}"
        return f"urn:uuid:{uuid.uuid5(_UID_NAMESPACE, key)}"

    @api.model
    def _build_vcard(self, company, purpose=None, directory_url=None):
        """One contact card holding every published in-service number of
        ``company`` (of one purpose if given), as bytes ready to serve."""
        numbers = self._numbers()._get_published(
            company,
            purpose,
            in_service_only=True,
            field_names=["name", "number_international", "purpose", "write_date"],
        )
        last_change = max([company.write_date, *numbers.mapped("write_date")])
        # Everything written in the card: several changes in one transaction
        # share one write_date, so the values themselves are in the key.
        key = (
            self.env.cr.dbname,
            self.env.lang,
            purpose,
            directory_url,
            last_change,
            company.id,
            company.name,
            company.callflow_phonetic_name,
            company.callflow_directory_intro,
            hash(company.logo_web),
            tuple((n.id, n.name, n.number_international, n.purpose) for n in numbers),
        )
        card = _VCARD_CACHE.get(key)
        if card is None:
            card = _VCARD_CACHE[key] = self._serialize_vcard(
                company, numbers, purpose, directory_url, last_change
            )
        return card

    @api.model
    def _serialize_vcard(self, company, numbers, purpose, directory_url, last_change):
        labels = numbers._purpose_labels()
        org = company.name or ""
        card = vobject.vCard()
        card.add("prodid").value = "-//Callflow//Odoo caller numbers//EN"
        card.add("uid").value = self._vcard_uid(company, purpose)
        card.add("n").value = vobject.vcard.Name(family=org)
        card.add("fn").value = org
        card.add("org").value = [org]
        card.add("x-abshowas").value = "COMPANY"
        reading = company.callflow_phonetic_name
        if reading:
            card.add("x-phonetic-org").value = reading
            card.add("x-phonetic-last-name").value = reading
            card.add("sort-string").value = reading
        for index, rec in enumerate(numbers, start=1):
            tel = card.add("tel", group=f"item{index}")
            tel.value = rec.number_international or rec.number
            tel.type_paramlist = ["WORK", "VOICE"]
            card.add("x-ablabel", group=f"item{index}").value = rec.name
        if directory_url:
            card.add("url").value = directory_url
        card.add("note").value = self._vcard_note(
            company, numbers, labels, last_change, purpose
        )
        card.add("rev").value = last_change.strftime("%Y-%m-%dT%H:%M:%SZ")
        logo, logo_type = vcard_logo(company.logo_web)
        if logo:
            # PHOTO only: it is what iOS/macOS Contacts, Google Contacts,
            # Android's importer and Outlook show as the contact picture.
            # LOGO is ignored by Apple and Google; Android's importer reads it
            # as one more photo. Sending both doubled the card (24 KB).
            line = card.add("photo")
            # vobject keeps an already encoded value as is with this flag.
            line.value = logo
            line.encoded = True
            line.encoding_param = "b"
            line.type_param = logo_type
        # Folding is done by finish_vcard (by octets): vobject folds by
        # characters, and slowly, so it is told not to.
        return finish_vcard(card.serialize(lineLength=1 << 30))

    @api.model
    def _vcard_note(self, company, numbers, labels, last_change, purpose=None):
        intro = company.callflow_directory_intro or self.env._(
            "%(company)s calls from these numbers. Save this contact to "
            "recognise our calls, or block it if you prefer not to be called.",
            company=company.name,
        )
        present = set(numbers.mapped("purpose")) | ({purpose} if purpose else set())
        used = [labels[key] for key, _label in PURPOSES if key in present]
        lines = [intro]
        if used:
            lines.append(self.env._("Used for: %(purposes)s", purposes=", ".join(used)))
        lines.append(
            self.env._(
                "List as of %(date)s",
                date=fields.Date.to_string(last_change.date()),
            )
        )
        return "\n".join(lines)

    @api.model
    def _qr_svg(self, url):
        """QR code of ``url`` as an SVG image, for a desktop reader to scan
        the vCard link with a phone."""
        return qr_svg(url)
