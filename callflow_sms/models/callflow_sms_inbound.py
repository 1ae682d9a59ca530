import psycopg2
from markupsafe import Markup, escape

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL

from odoo.addons.callflow_odoo.tools.phone import try_parse_number
from odoo.addons.callflow_odoo.tools.phone_errors import parse_error_message

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
    help_day = fields.Date(
        string="HELP Answered On",
        readonly=True,
        help="Day (UTC) this HELP was answered: one answer per number a day.",
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
                    error=parse_error_message(self.env, error),
                )
            )
        kind = sms_gateway.inbound_keyword(text) or "message"
        self.flush_model()
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO callflow_sms_inbound
                       (number, body, kind, provider, provider_ref, received_at,
                        company_id, create_uid, create_date,
                        write_uid, write_date)
                VALUES (%(number)s, %(body)s, %(kind)s, %(provider)s, %(ref)s,
                        %(now)s, %(company)s, %(uid)s, %(now)s,
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

    def init(self):
        # One answered HELP per number and day, even for HELPs that arrive
        # at the same moment: the second one waits, then conflicts.
        self.env.cr.execute(
            """
            CREATE UNIQUE INDEX IF NOT EXISTS callflow_sms_inbound_help_day
                ON callflow_sms_inbound (number, help_day)
             WHERE help_day IS NOT NULL
            """
        )

    def _claim_help_answer(self):
        """True when this HELP may be answered: none was for its number
        today (UTC)."""
        self.ensure_one()
        self.flush_recordset()
        try:
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute(
                    SQL(
                        "UPDATE callflow_sms_inbound SET help_day = %s WHERE id = %s",
                        fields.Date.today(),
                        self.id,
                    ),
                    log_exceptions=False,
                )
        except (
            psycopg2.errors.UniqueViolation,
            psycopg2.errors.SerializationFailure,
        ):
            return False
        finally:
            self.invalidate_recordset(["help_day"])
        return True

    def _notify_owners(self):
        """Show the SMS on the sender's contacts and leads; a message that is
        not a keyword also gets an activity for the owner. A STOP gets none:
        it is handled, and an activity would invite a call back.
        Called as superuser by the public webhook."""
        self.ensure_one()
        partners = self.env["res.partner"]._callflow_search_e164(self.number, limit=20)
        leads = self.env["crm.lead"]._callflow_search_e164(self.number, limit=20)
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
