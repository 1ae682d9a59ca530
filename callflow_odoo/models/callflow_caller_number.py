"""The numbers the company calls from, and which of them are published.

People search the web for an unknown number that called them.  Publishing
the numbers (page, lookup, vCard) lets them recognise, save or block them;
the directory itself (rendering, lookup, card) is ``callflow.directory``.
"""

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..tools.phone import PhoneParseError, format_number, parse_number
from ..tools.phone_errors import parse_error_message
from ..tools.purposes import PURPOSES


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
    inbound_voice_url = fields.Char(
        string="Inbound Voice URL",
        compute="_compute_inbound_voice_url",
        help="Paste it as the number's voice URL (HTTP POST) at the voice "
        "provider: calls to the number then ring the operator who last spoke "
        "to the caller, their list's operators, the fallback, then the "
        "voicemail.",
    )

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
    def _compute_inbound_voice_url(self):
        for number in self:
            number.inbound_voice_url = f"{number.get_base_url()}/callflow/voice/inbound"

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
    def _directory_changed(self):
        """A number changed: every worker forgets its rendered lists and the
        directory page's kept body (the default ORM cache and the templates'
        t-cache values are cleared together; Odoo signals it to the other
        workers after the commit)."""
        self.env.registry.clear_cache()
