import re

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..tools.sms_segments import count_segments

PLACEHOLDERS = ("company", "operator", "caller_number", "purpose", "optout_link")
# The person's name appears only in the question whether the number is still
# theirs, never in a marketing text.
RECONFIRM_PLACEHOLDERS = (*PLACEHOLDERS, "name")
PLACEHOLDER_RE = re.compile(r"\{(\w+)\}")


class CallflowSmsTemplate(models.Model):
    """Before/after-call SMS text with {company}-style placeholders.

    A model of its own rather than ``sms.template``: these texts are rendered
    per call-list entry with a personal opt-out link, and every one of them
    must identify the sender and carry that link (特定電子メール法).
    """

    _name = "callflow.sms.template"
    _description = "Callflow SMS Template"
    _order = "when, name"

    name = fields.Char(required=True, translate=True)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", default=lambda self: self.env.company, required=True
    )
    when = fields.Selection(
        [
            ("before", "Before the call"),
            ("after", "After the call"),
            ("reconfirm", "Number re-confirmation"),
        ],
        required=True,
        default="after",
        help="Announce a call (sent from a list's Announce button) or follow "
        "one up (sent by operators or automatically after chosen results).",
    )
    body = fields.Text(
        required=True,
        translate=True,
        help="Placeholders: {company} {operator} {caller_number} {purpose} "
        "{optout_link}, and {name} (the person's name) in the number "
        "re-confirmation. {company} and {optout_link} are required by law.",
    )
    sms_encoding = fields.Char(compute="_compute_sms_counter", string="Encoding")
    sms_chars = fields.Integer(compute="_compute_sms_counter", string="Characters")
    sms_segments = fields.Integer(compute="_compute_sms_counter", string="SMS Parts")
    sms_chars_left = fields.Integer(
        compute="_compute_sms_counter",
        string="Characters Left",
        help="Characters left in the last SMS part.",
    )
    sms_warning = fields.Char(compute="_compute_sms_counter", string="Length Warning")

    @api.depends("body")
    def _compute_sms_counter(self):
        link_length = self.env["callflow.optout.token"]._link_length()
        for template in self:
            # Placeholders other than the link are counted as written: their
            # values vary per message; the link has a fixed length.
            info = count_segments(template.body or "", link_length=link_length)
            template.sms_encoding = "GSM-7" if info["encoding"] == "gsm7" else "UCS-2"
            template.sms_chars = info["chars"]
            template.sms_segments = info["segments"]
            template.sms_chars_left = info["chars_left"]
            template.sms_warning = (
                self.env._(
                    "%(count)s SMS parts: each part is billed; keep it to 3.",
                    count=info["segments"],
                )
                if info["segments"] > 3
                else False
            )

    @api.constrains("body", "when")
    def _check_body(self):
        for template in self:
            used = set(PLACEHOLDER_RE.findall(template.body or ""))
            missing = [p for p in ("company", "optout_link") if p not in used]
            if missing:
                raise ValidationError(
                    self.env._(
                        "An SMS template must name the sender ({company}) and "
                        "carry the personal opt-out link ({optout_link}); "
                        "missing: %(missing)s.",
                        missing=", ".join(f"{{{m}}}" for m in missing),
                    )
                )
            known = (
                RECONFIRM_PLACEHOLDERS if template.when == "reconfirm" else PLACEHOLDERS
            )
            unknown = used - set(known)
            if unknown:
                raise ValidationError(
                    self.env._(
                        "Unknown placeholders: %(unknown)s. Use %(known)s.",
                        unknown=", ".join(sorted(f"{{{u}}}" for u in unknown)),
                        known=" ".join(f"{{{p}}}" for p in known),
                    )
                )

    def _render(self, values):
        """Body with placeholders replaced (values: dict name -> text)."""
        self.ensure_one()
        return PLACEHOLDER_RE.sub(
            lambda m: str(values.get(m.group(1), m.group(0))), self.body or ""
        )
