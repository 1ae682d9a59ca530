"""Personal opt-out links: one random token per recipient and message."""

import hashlib
import re
import secrets
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import consteq, format_date

from odoo.addons.callflow_odoo.tools.phone import number_time_zone
from odoo.addons.callflow_odoo.tools.purposes import PURPOSES
from odoo.addons.callflow_odoo.tools.recipient import caller_number_for

from ..tools.links import TOKEN_BYTES, link_length, optout_url

# What a raw token may look like; anything else is not even looked up.
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
# Age after which a link stops working, unless the system parameter
# ``callflow_optout.token_max_age_days`` says otherwise (0: never).
TOKEN_MAX_AGE_DAYS = 400

ANSWERS = [
    ("stop_all", "Stop all contact"),
    ("no_calls", "No phone calls"),
    ("no_sms", "No SMS"),
    ("email_only", "Email only"),
    ("certain_times", "Only at certain times"),
    ("keep_contacting", "Please keep contacting me"),
]
# What a manager may change on a link: revoke it. The rest is what the link
# was issued for, and what the person answered through it.
USER_WRITABLE_FIELDS = frozenset({"revoked"})


def hash_token(raw_token):
    """The stored form of a token: a leaked table gives no working link."""
    return hashlib.sha256(raw_token.encode()).hexdigest()


class CallflowOptoutToken(models.Model):
    _name = "callflow.optout.token"
    _description = "Personal opt-out link"
    _order = "id desc"
    _rec_name = "number"

    token_hash = fields.Char(
        required=True,
        readonly=True,
        copy=False,
        # Nobody needs to read it: links are found by hashing the raw token
        # (as superuser, see _find); a readable hash invites offline guessing.
        groups="base.group_system",
        help="SHA-256 of the token in the link; the token itself is never stored.",
    )
    number = fields.Char(
        required=True,
        readonly=True,
        help="Number (E.164) the message was sent to or the call came from.",
    )
    partner_id = fields.Many2one(
        "res.partner", string="Contact", readonly=True, index="btree_not_null"
    )
    lead_id = fields.Many2one("crm.lead", readonly=True, index="btree_not_null")
    caller_number_id = fields.Many2one(
        "callflow.caller.number",
        string="Called from",
        readonly=True,
        help="The company number that contacted this person.",
    )
    purpose = fields.Selection(PURPOSES, readonly=True)
    context_note = fields.Char(
        string="Why contacted",
        readonly=True,
        help="Shown on the page, e.g. 'Tokyo sales desk called you on 20 Nov "
        "about your inquiry'.",
    )
    contact_reason = fields.Selection(
        [
            ("before_call", "Message before a call"),
            ("after_call", "Message after a call"),
            ("reconfirm", "Number re-confirmation"),
        ],
        readonly=True,
        help="Why the person hears from us. With the purpose, the number that "
        "called and the date, the page writes the reason in its own language.",
    )
    res_model = fields.Char(
        string="Sent with (model)",
        readonly=True,
        help="Model of the message that carried the link, e.g. sms.sms.",
    )
    res_id = fields.Integer(string="Sent with (id)", readonly=True)
    user_id = fields.Many2one(
        "res.users", string="Contacted by", readonly=True, help="Who contacted."
    )
    company_id = fields.Many2one(
        "res.company", readonly=True, index=True, default=lambda self: self.env.company
    )
    revoked = fields.Boolean(
        help="A revoked link shows the neutral page, as an unknown one does."
    )
    last_answer = fields.Selection(
        ANSWERS, readonly=True, help="The answer currently in force for this link."
    )
    last_answer_date = fields.Datetime(readonly=True)
    last_answer_key = fields.Char(
        readonly=True, help="Fingerprint of the last answer: a repeat is a no-op."
    )
    response_ids = fields.One2many(
        "callflow.optout.response", "token_id", string="Answers", readonly=True
    )

    _sql_constraints = [
        ("token_hash_unique", "unique(token_hash)", "Token hashes are unique."),
    ]

    def write(self, vals):
        """Users may only revoke a link: a rewritten hash or number would
        let someone else answer for the person, or hide what they said.
        The opt-out page records answers as superuser."""
        if not self.env.su and set(vals) - USER_WRITABLE_FIELDS:
            raise AccessError(
                self.env._(
                    "An opt-out link can only be revoked, not edited. "
                    "Refused fields: %(fields)s",
                    fields=", ".join(sorted(set(vals) - USER_WRITABLE_FIELDS)),
                )
            )
        return super().write(vals)

    @api.model
    def _issue_tokens(self, vals_list):
        """Create one link per recipient; return the raw tokens, same order.

        Whoever sends a message issues its link, operators included; the
        records are read-only for users, hence ``sudo()``.
        """
        raws = [secrets.token_urlsafe(TOKEN_BYTES) for _vals in vals_list]
        self.sudo().create(
            [
                dict(vals, token_hash=hash_token(raw))
                for raw, vals in zip(raws, vals_list, strict=True)
            ]
        )
        return raws

    @api.model
    def _get_url(self, raw_token, lang=None):
        """The short absolute link to put into a message; with ``lang`` (the
        message's language), the link opens the page in it (``/ja/o/…``)
        when the website offers that language."""
        return optout_url(self.get_base_url() + self._lang_prefix(lang), raw_token)

    @api.model
    def _link_length(self):
        """Characters a personal link takes in a message from this database:
        counted with the longest language prefix the website may add."""
        website = self.env["website"].get_current_website()
        prefixes = [
            self._lang_prefix(lang.code)
            for lang in website.language_ids - website.default_lang_id
        ]
        return link_length(self.get_base_url() + max(prefixes, key=len, default=""))

    @api.model
    def _lang_prefix(self, lang):
        """``/ja`` for a language of the website other than its default."""
        website = self.env["website"].get_current_website()
        if not lang or lang == website.default_lang_id.code:
            return ""
        if lang not in website.language_ids.mapped("code"):
            return ""
        return "/" + self.env["res.lang"]._get_data(code=lang).url_code

    def _reason_text(self):
        """Why the person hears from us, written in the language of the
        environment (the page's): from the data kept on the link, so the
        same link reads right in every language. Links made before the
        data was kept show their stored note."""
        self.ensure_one()
        if not self.contact_reason:
            return self.context_note or ""
        company = self.company_id.name or ""
        # The day as the person lived it: in the time zone of their number.
        tz = number_time_zone(self.number) or self.env.context.get("tz") or "UTC"
        sent = fields.Datetime.context_timestamp(
            self.with_context(tz=tz), self.create_date or fields.Datetime.now()
        )
        date = format_date(self.env, sent, date_format="long")
        if self.contact_reason == "reconfirm":
            return self.env._(
                "On %(date)s, %(company)s asked whether this is still your number.",
                date=date,
                company=company,
            )
        purpose = dict(self._fields["purpose"]._description_selection(self.env)).get(
            self.purpose
        )
        caller = caller_number_for(self.caller_number_id.number, self.number)
        values = {
            "date": date,
            "company": company,
            "purpose": purpose,
            "caller": caller,
        }
        before = self.contact_reason == "before_call"
        if purpose and caller:
            if before:
                return self.env._(
                    "On %(date)s, %(company)s sent you an SMS before calling you "
                    "from %(caller)s about %(purpose)s.",
                    **values,
                )
            return self.env._(
                "On %(date)s, %(company)s sent you an SMS after calling you "
                "from %(caller)s about %(purpose)s.",
                **values,
            )
        if before:
            return self.env._(
                "On %(date)s, %(company)s sent you an SMS before calling you.",
                **values,
            )
        return self.env._(
            "On %(date)s, %(company)s sent you an SMS after calling you.", **values
        )

    @api.model
    def _find(self, raw_token):
        """The live token record for a raw token, or an empty recordset.

        Malformed, unknown and revoked tokens all give the same empty answer.
        """
        if not isinstance(raw_token, str) or not TOKEN_RE.match(raw_token):
            return self.browse()
        digest = hash_token(raw_token)
        token = self.search([("token_hash", "=", digest)], limit=1)
        if not token or token.revoked or not consteq(token.token_hash, digest):
            return self.browse()
        return token

    def _is_expired(self):
        """Older than ``callflow_optout.token_max_age_days`` (default 400)?

        A link forwarded or found years later should not speak for the
        person anymore; the page without a link still works for them.
        """
        self.ensure_one()
        days = (
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("callflow_optout.token_max_age_days", TOKEN_MAX_AGE_DAYS)
        )
        try:
            days = int(days)
        except ValueError:
            days = TOKEN_MAX_AGE_DAYS
        if days <= 0:
            return False
        return self.create_date < fields.Datetime.now() - timedelta(days=days)

    def action_revoke(self):
        self.revoked = True
