from datetime import timedelta

from markupsafe import Markup, escape

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL

from odoo.addons.callflow_odoo.tools.phone import try_parse_number

from ..tools import sms_gateway

KINDS = [
    ("stop", "STOP"),
    ("start", "START"),
    ("help", "HELP"),
    ("message", "Message"),
]


class CallflowSmsInbound(models.Model):
    """Every SMS a person sends us, keyed by the provider's message id.

    Two-way SMS: each one is shown on the sender's contact and lead, and a
    message that is not a keyword gets an activity for their owner. The
    unique provider id makes a replayed webhook a no-op.
    """

    _name = "callflow.sms.inbound"
    _description = "Inbound SMS"
    _order = "id desc"
    _rec_name = "number"

    number = fields.Char(required=True, readonly=True, index=True)
    body = fields.Text(readonly=True)
    kind = fields.Selection(KINDS, required=True, readonly=True, default="message")
    provider = fields.Char(required=True, readonly=True)
    provider_ref = fields.Char(
        string="Provider Message ID",
        required=True,
        readonly=True,
        help="The provider's id of the message: a webhook carrying an id "
        "already processed changes nothing.",
    )
    received_at = fields.Datetime(
        readonly=True, default=fields.Datetime.now, required=True
    )
    help_replied = fields.Boolean(
        readonly=True, help="A HELP answered: at most one answer per number a day."
    )
    partner_ids = fields.Many2many(
        "res.partner", string="Contacts", readonly=True, copy=False
    )
    lead_ids = fields.Many2many("crm.lead", string="Leads", readonly=True, copy=False)
    company_id = fields.Many2one(
        "res.company", readonly=True, default=lambda self: self.env.company
    )

    _sql_constraints = [
        (
            "provider_ref_unique",
            "unique(provider, provider_ref)",
            "A provider message is processed once.",
        ),
    ]

    @api.model
    def _store(self, number, text, provider, provider_ref):
        """Store an inbound SMS; return it, or an empty recordset when this
        provider message was already processed (a replay).

        ``INSERT … ON CONFLICT DO NOTHING`` on the unique provider id: two
        deliveries of one message, even concurrent, store it once.
        """
        e164, error = try_parse_number(number, self.env.company.country_id.code)
        if not e164:
            raise ValidationError(
                self.env._(
                    "“%(number)s” is not a usable phone number (%(error)s).",
                    number=number,
                    error=error,
                )
            )
        kind = sms_gateway.inbound_keyword(text) or "message"
        self.flush_model()
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO callflow_sms_inbound
                       (number, body, kind, provider, provider_ref, received_at,
                        help_replied, company_id, create_uid, create_date,
                        write_uid, write_date)
                VALUES (%(number)s, %(body)s, %(kind)s, %(provider)s, %(ref)s,
                        %(now)s, false, %(company)s, %(uid)s, %(now)s,
                        %(uid)s, %(now)s)
                ON CONFLICT (provider, provider_ref) DO NOTHING
                RETURNING id
                """,
                number=e164,
                body=text,
                kind=kind,
                provider=provider,
                ref=provider_ref,
                now=fields.Datetime.now(),
                company=self.env.company.id,
                uid=self.env.uid,
            )
        )
        row = self.env.cr.fetchone()
        return self.browse(row[0]) if row else self.browse()

    def _help_answered_today(self):
        """True when this number already got a HELP answer in the last day."""
        self.ensure_one()
        return bool(
            self.search_count(
                [
                    ("number", "=", self.number),
                    ("help_replied", "=", True),
                    ("id", "!=", self.id),
                    ("received_at", ">", fields.Datetime.now() - timedelta(days=1)),
                ],
                limit=1,
            )
        )

    def _notify_owners(self):
        """Show the SMS on the sender's contacts and leads; a message that is
        not a keyword also gets an activity for the owner. A STOP gets none:
        it is handled, and an activity would invite a call back.
        Called as superuser by the public webhook."""
        self.ensure_one()
        partners = self.env["res.partner"].search(
            [("phone_sanitized", "=", self.number)], limit=20
        )
        leads = self.env["crm.lead"].search(
            [("phone_sanitized", "=", self.number)], limit=20
        )
        self.write({"partner_ids": partners.ids, "lead_ids": leads.ids})
        text = escape(self.body or "")
        if self.kind == "message":
            log = Markup("{}<br/>{}").format(
                escape(self.env._("SMS received from %s:", self.number)), text
            )
        else:
            log = Markup("{}<br/>{}").format(
                escape(
                    self.env._(
                        "SMS received from %(number)s, handled as the keyword "
                        "%(kind)s:",
                        number=self.number,
                        kind=dict(
                            self._fields["kind"]._description_selection(self.env)
                        )[self.kind],
                    )
                ),
                text,
            )
        author = partners[:1] if len(partners) == 1 else self.env["res.partner"]
        for records in (partners, leads):
            if records:
                records._message_log_batch(
                    dict.fromkeys(records.ids, log),
                    author_id=author.id or self.env.ref("base.partner_root").id,
                    message_type="sms",
                )
        if self.kind != "message":
            return
        # One activity per owner: on the leads, else on the contacts.
        summary = self.env._("Answer the SMS from %s", self.number)
        for owner, owned in (leads or partners).grouped("user_id").items():
            if owner:
                owned.activity_schedule(
                    "mail.mail_activity_data_todo",
                    summary=summary,
                    note=text,
                    user_id=owner.id,
                )
