"""The numbers the company calls from, and their public directory.

People search the web for an unknown number that called them.  Publishing
the numbers (page, lookup, vCard) lets them recognise, save or block them.
The card building and the lookup live here so the controller stays thin and
the benchmark and tests can call them directly.
"""

import base64
import re
import uuid
from functools import partial

import vobject
from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import image_process, ormcache
from odoo.tools.lru import LRU

from ..tools.phone import (
    PhoneParseError,
    format_number,
    parse_number,
    region_of,
    try_parse_number,
)
from ..tools.phone_errors import parse_error_message
from ..tools.purposes import PURPOSES
from ..tools.qr import qr_svg
from ..tools.vcard import finish_vcard

# iCloud refuses cards over 256 KB and photos over 224 KB: keep the logo small.
VCARD_LOGO_MAX_BYTES = 48 * 1024
VCARD_LOGO_SIZES = (256, 160, 96)
# Built cards, per worker: building one with vobject costs ~25 ms for 200
# numbers, serving a cached one well under a millisecond.  The key holds
# every input of the card (see _build_vcard), so a change is never hidden.
_VCARD_CACHE = LRU(64)
_UID_NAMESPACE = uuid.UUID("6f1d3c1e-8d7a-4b43-9a3f-0ca11f10a000")

# Whitespace between two tags that spans a line break.
_INDENTATION_RE = re.compile(r">[ \t]*\n\s*<")


class CallflowCallerNumber(models.Model):
    _name = "callflow.caller.number"
    _description = "Caller Number"
    _inherit = "mail.thread"
    _order = "purpose, sequence, id"
    _rec_names_search = ("name", "number", "number_national")

    name = fields.Char(
        string="Label",
        required=True,
        translate=True,
        tracking=True,
        help="What the person called sees next to the number, e.g. 'Tokyo sales desk'.",
    )
    sequence = fields.Integer(default=10, help="Order within its purpose.")
    number = fields.Char(
        required=True,
        tracking=True,
        index=True,
        help="Type it as usual (03-1234-5678, +81 3 1234 5678, full-width "
        "digits…); it is stored in E.164 form. Numbers without a country code "
        "are read in the company's country.",
    )
    number_international = fields.Char(
        string="International Format",
        compute="_compute_number_formats",
        store=True,
        help="How the number is shown to people abroad and written in the vCard.",
    )
    number_national = fields.Char(
        string="National Format",
        compute="_compute_number_formats",
        store=True,
        help="How the number is dialled within its own country.",
    )
    purpose = fields.Selection(
        PURPOSES,
        required=True,
        default="sales",
        tracking=True,
        help="Why the company calls from this number; the directory groups "
        "numbers by purpose.",
    )
    team_id = fields.Many2one(
        "crm.team",
        string="Sales Team",
        tracking=True,
        help="Team whose operators call from this number.",
    )
    user_ids = fields.Many2many(
        "res.users",
        string="Users",
        help="People who call from this number.",
    )
    description = fields.Text(
        translate=True,
        help="Public text shown in the directory, e.g. 'We call customers who "
        "asked for a quote, weekdays 9:00-18:00'.",
    )
    date_start = fields.Date(
        string="In Service From",
        tracking=True,
        help="First day calls are made from this number.",
    )
    date_end = fields.Date(
        string="In Service Until",
        tracking=True,
        help="Last day of service. A retired number stays listed as retired "
        "with this date, so people can still look it up.",
    )
    is_retired = fields.Boolean(
        string="Retired",
        compute="_compute_is_retired",
        search="_search_is_retired",
        help="The end of service date has been reached.",
    )
    can_sms = fields.Boolean(
        string="Can Receive SMS",
        help="People may reply to this number by SMS.",
    )
    is_published = fields.Boolean(
        string="Published",
        default=True,
        tracking=True,
        help="Listed on the public directory page, the lookup and the vCard. "
        "Unpublished numbers are never revealed to visitors.",
    )
    company_id = fields.Many2one(
        "res.company",
        required=True,
        default=lambda self: self.env.company,
        index=True,
        help="Company calling from this number; its country is the default "
        "for numbers typed without a country code.",
    )
    active = fields.Boolean(default=True)

    _sql_constraints = (
        (
            "number_company_uniq",
            "unique(company_id, number)",
            "This number is already registered for this company.",
        ),
        (
            "dates_check",
            "CHECK(date_end IS NULL OR date_start IS NULL OR date_end >= date_start)",
            "The end of service cannot be before its start.",
        ),
    )

    # ------------------------------------------------------------------
    # Computes
    # ------------------------------------------------------------------
    @api.depends("number")
    def _compute_number_formats(self):
        for rec in self:
            rec.number_international = format_number(rec.number, "international")
            rec.number_national = format_number(rec.number, "national")

    @api.depends("date_end")
    def _compute_is_retired(self):
        today = fields.Date.context_today(self)
        for rec in self:
            rec.is_retired = bool(rec.date_end and rec.date_end <= today)

    def _search_is_retired(self, operator, value):
        if operator not in ("=", "!="):
            raise ValidationError(self.env._("Unsupported search on 'Retired'."))
        today = fields.Date.context_today(self)
        retired = [("date_end", "!=", False), ("date_end", "<=", today)]
        if (operator == "=") == bool(value):
            return retired
        return ["|", ("date_end", "=", False), ("date_end", ">", today)]

    @api.depends("name", "number_international")
    def _compute_display_name(self):
        for rec in self:
            if rec.number_international:
                rec.display_name = f"{rec.name} ({rec.number_international})"
            else:
                rec.display_name = rec.name or ""

    # ------------------------------------------------------------------
    # Normalisation
    # ------------------------------------------------------------------
    def _normalize_number(self, text, company):
        """E.164 form of what the user typed, or a message saying why not."""
        region = company.country_id.code or None
        try:
            return parse_number(text, region)
        except PhoneParseError as exc:
            raise ValidationError(
                self.env._(
                    "“%(text)s” is not a valid phone number (%(reason)s). "
                    "Type it with its area code, e.g. 03-1234-5678, or with "
                    "the country code, e.g. +81 3 1234 5678.",
                    text=text,
                    reason=parse_error_message(self.env, exc.code),
                )
            ) from exc

    @api.model_create_multi
    def create(self, vals_list):
        companies = self.env["res.company"].browse(
            {vals["company_id"] for vals in vals_list if vals.get("company_id")}
        )
        for vals in vals_list:
            if vals.get("number"):
                company = (
                    companies.filtered(lambda c, v=vals: c.id == v.get("company_id"))
                    or self.env.company
                )
                vals["number"] = self._normalize_number(vals["number"], company)
        self._directory_changed()
        return super().create(vals_list)

    def write(self, vals):
        if vals.get("number"):
            company = (
                self.env["res.company"].browse(vals["company_id"])
                if vals.get("company_id")
                else self.company_id[:1] or self.env.company
            )
            vals = dict(vals, number=self._normalize_number(vals["number"], company))
        self._directory_changed()
        return super().write(vals)

    def unlink(self):
        self._directory_changed()
        return super().unlink()

    def action_view_directory(self):
        """Open the public directory page where this number is listed."""
        return {
            "type": "ir.actions.act_url",
            "url": "/callflow/numbers",
            "target": "new",
        }

    # ------------------------------------------------------------------
    # Public directory
    # ------------------------------------------------------------------
    @api.model
    def _published_domain(self, company, purpose=None):
        domain = [("is_published", "=", True), ("company_id", "=", company.id)]
        if purpose:
            domain.append(("purpose", "=", purpose))
        return domain

    @api.model
    def _get_published(
        self, company, purpose=None, in_service_only=False, field_names=None
    ):
        """Published numbers of ``company``, read in one query whatever their
        count (``field_names``: the fields the caller will read)."""
        domain = self._published_domain(company, purpose)
        if in_service_only:
            domain += self._search_is_retired("=", False)
        return self.search_fetch(domain, field_names or self._directory_fields())

    @api.model
    def _directory_fields(self):
        return [
            "name",
            "number",
            "number_international",
            "number_national",
            "purpose",
            "description",
            "date_start",
            "date_end",
            "can_sms",
            "write_date",
        ]

    @api.model
    def _purpose_labels(self):
        return dict(self._fields["purpose"]._description_selection(self.env))

    @api.model
    def _directory_groups(self, company):
        """Published numbers grouped by purpose, in the order of PURPOSES;
        in-service numbers first, then the retired ones, latest first."""
        numbers = self._get_published(company)
        labels = self._purpose_labels()
        today = fields.Date.context_today(self)
        by_purpose = {key: ([], []) for key, _label in PURPOSES}
        for rec in numbers:
            retired = bool(rec.date_end and rec.date_end <= today)
            by_purpose[rec.purpose][retired].append(rec.id)
        groups = []
        for key, _label in PURPOSES:
            in_service, retired = by_purpose[key]
            if in_service or retired:
                retired_recs = self.browse(retired).with_prefetch(numbers._prefetch_ids)
                groups.append(
                    {
                        "purpose": key,
                        "label": labels[key],
                        "numbers": self.browse(in_service).with_prefetch(
                            numbers._prefetch_ids
                        ),
                        "retired": retired_recs.sorted("date_end", reverse=True),
                    }
                )
        return groups

    @api.model
    def _directory_changed(self):
        """A number changed: every worker forgets its rendered lists (Odoo
        signals the cleared cache to the other workers after the commit)."""
        self.env.registry.clear_cache()

    @api.model
    def _directory_list_html(self, company, website=None):
        """The directory page's list of published numbers: rendering and
        escaping 200 numbers costs ~10 ms of CPU, so it is done once per
        language, website, day (numbers retire at midnight) and change of a
        number (see :meth:`_directory_changed`)."""
        # The company's day: a visitor's time zone is unknown, and reading
        # the public user's costs a query on every visit. Two columns only:
        # the page's t-cache of the address card reads the write_date.
        company.partner_id.fetch(["tz", "write_date"])
        numbers = self.with_context(tz=company.partner_id.tz or "UTC")
        today = fields.Date.context_today(numbers)
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
            published = self._get_published(company, field_names=["number"])
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
        published = self._get_published(company, field_names=["number"])
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
        match = by_number.get(e164, self.browse())
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
    def _vcard_filename(self, company, purpose=None):
        base = re.sub(r"[^\w.-]+", "-", company.name or "numbers", flags=re.UNICODE)
        base = base.strip("-") or "numbers"
        return f"{base}-{purpose}.vcf" if purpose else f"{base}.vcf"

    @api.model
    def _vcard_logo(self, company):
        """Base64 PNG/JPEG of the company logo small enough for any phone.

        ``logo_web`` is already a stored 180 px PNG (read with the company
        row, no file access); fall back to smaller JPEGs if it is too heavy.
        """
        logo = company.logo_web
        if not logo:
            return None, None
        if len(logo) <= VCARD_LOGO_MAX_BYTES:
            return logo.decode() if isinstance(logo, bytes) else logo, "PNG"
        raw = base64.b64decode(logo)
        for size in VCARD_LOGO_SIZES:
            small = base64.b64encode(
                image_process(raw, size=(size, size), quality=80, output_format="JPEG")
            )
            if len(small) <= VCARD_LOGO_MAX_BYTES:
                return small.decode(), "JPEG"
        return None, None

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
        numbers = self._get_published(
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
        labels = self._purpose_labels()
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
        logo, logo_type = self._vcard_logo(company)
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
