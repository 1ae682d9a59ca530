import logging
from functools import partial

import psycopg2
from markupsafe import Markup, escape
from werkzeug.urls import url_join

from odoo import SUPERUSER_ID, api, fields, models, sql_db
from odoo.exceptions import ValidationError
from odoo.tools import SQL

from odoo.addons.callflow_odoo.models.callflow_preference_fold import (
    fold_in_new_transaction,
)
from odoo.addons.callflow_odoo.tools.phone import try_parse_number
from odoo.addons.callflow_odoo.tools.phone_errors import parse_error_message
from odoo.addons.callflow_odoo.tools.recipient import lang_for_number

from ..tools import sms_gateway

_logger = logging.getLogger(__name__)

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

    @api.model
    def _callflow_handle_inbound(self, number, text, provider_ref, provider=False):
        """Store an inbound SMS, show it to a person, react to STOP / HELP /
        START keywords.

        Returns the keyword kind handled (``stop``, ``help``, ``start``;
        ``confirm`` for a YES to a number re-confirmation) or False. A
        provider message already processed (same provider id) changes
        nothing and gets no second reply.
        """
        # sudo: the webhook is public (authenticated by signature); the
        # inbound log, contacts and leads are not readable by the public user.
        inbound = self.sudo()._store(number, text, provider or "sms", provider_ref)
        if not inbound:
            return False
        kind = inbound.kind if inbound.kind != "message" else False
        if not kind:
            inbound._notify_owners()
            return False
        number = inbound.number
        if kind == "start" and self._callflow_reconfirm_reply(inbound):
            return "confirm"
        events = self._callflow_keyword_event(kind, inbound, provider_ref, text)
        body = self._callflow_keyword_reply(kind, inbound)
        if kind == "stop" and events.pending:
            # Other messages of this number are being applied right now: the
            # ledger says after commit whether this STOP is the first, and
            # queues the confirmation then.
            self.env.cr.postcommit.add(
                partial(confirm_after_fold, self.env.cr.dbname, events.id, body)
            )
        elif kind == "stop" and events.already_blocked:
            pass  # already opted out: one confirmation, not one per STOP
        elif body:
            self._callflow_queue_reply(number, body)
        inbound._notify_owners()
        return kind

    @api.model
    def _callflow_keyword_event(self, kind, inbound, provider_ref, text):
        """The ledger event of a STOP or START (none for HELP)."""
        # sudo: see _callflow_handle_inbound (public webhook).
        Event = self.env["callflow.preference.event"].sudo()
        if kind not in ("stop", "start"):
            return Event
        evidence = self.env._(
            "Inbound SMS %(ref)s: %(text)s", ref=provider_ref or "-", text=text
        )
        return Event._record(
            [
                {
                    "number": inbound.number,
                    "channel": "sms",
                    "scope": "all",
                    "action": "opt_out" if kind == "stop" else "opt_in",
                    "source": "sms",
                    "evidence": evidence,
                }
            ]
        )

    @api.model
    def _callflow_keyword_reply(self, kind, inbound):
        """The answer to a keyword, in the sender's language (their number's
        country, else the company's); False for a second HELP of the day."""
        if kind == "help" and not inbound._claim_help_answer():
            return False  # at most one HELP answer a day per number
        installed = [code for code, _name in self.env["res.lang"].get_installed()]
        lang = lang_for_number(inbound.number, installed)
        env = self.with_context(lang=lang).env if lang else self.env
        company = env.company
        if kind == "stop":
            return env._(
                "%(company)s: you will receive no more SMS from us. "
                "Reply START to receive them again.",
                company=company.name,
            )
        if kind == "start":
            return env._(
                "%(company)s: you will receive our SMS again. Reply STOP to opt out.",
                company=company.name,
            )
        return env._(
            "%(company)s %(phone)s. To choose which calls and messages you "
            "receive: %(url)s . Reply STOP to opt out.",
            company=company.name,
            phone=company.phone or "",
            url=url_join(self.get_base_url(), "/callflow/optout"),
        )

    @api.model
    def _callflow_queue_reply(self, number, body):
        """Queue an answer to an inbound SMS for the SMS cron.

        It leaves only after this transaction commits: a webhook that fails
        sends nothing, and a confirmation never precedes the stored opt-out.
        The one reply allowed after an opt-out is created directly, not
        through the composer, which skips blocked numbers.
        """
        reply = self.env["sms.sms"].sudo().create({"number": number, "body": body})
        self.env.ref("sms.ir_cron_sms_scheduler_action").sudo()._trigger()
        return reply

    @api.model
    def _callflow_reconfirm_reply(self, inbound):
        """A YES from a number sent a re-confirmation SMS: the number is
        still theirs. Recorded as a confirmation (fresh again), not as an
        SMS opt-in; answered with a thank-you. False when no
        re-confirmation waits for this number (a plain START)."""
        Entry = self.env["callflow.list.entry"].sudo()
        waiting = Entry.search(
            [
                ("number", "=", inbound.number),
                ("is_stale", "=", True),
                ("reconfirm_sent_at", "!=", False),
            ]
        )
        if not waiting:
            return False
        self.env["callflow.number.confirmation"]._confirm(
            [
                {
                    "number": inbound.number,
                    "partner_id": waiting[:1].partner_id.id,
                    "source": "sms",
                    "evidence": self.env._(
                        "Inbound SMS %(ref)s: %(text)s",
                        ref=inbound.provider_ref or "-",
                        text=inbound.body or "",
                    ),
                }
            ]
        )
        self._callflow_queue_reply(
            inbound.number,
            self.env._(
                "%(company)s: thank you, your number is confirmed. Reply STOP "
                "to opt out.",
                company=self.env.company.name,
            ),
        )
        inbound._notify_owners()
        return True


def confirm_after_fold(dbname, event_id, body):
    """After commit: fold the STOP's number, then confirm unless the ledger
    says the number was already opted out (never raises: the webhook has
    been answered)."""
    try:
        with sql_db.db_connect(dbname).cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            number = env["callflow.preference.event"].browse(event_id).number
        fold_in_new_transaction(dbname, [number])
        with sql_db.db_connect(dbname).cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            event = env["callflow.preference.event"].browse(event_id)
            if event.pending:
                _logger.warning("STOP %s not applied yet: no confirmation", event_id)
            elif not event.already_blocked:
                # queued: the SMS cron sends it once this cursor commits
                env["callflow.sms.inbound"]._callflow_queue_reply(number, body)
    except Exception:
        _logger.exception("confirmation of STOP event %s failed", event_id)
