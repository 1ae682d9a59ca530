import logging
import secrets
from dataclasses import dataclass
from functools import partial
from typing import NamedTuple

import psycopg2
from markupsafe import escape
from werkzeug.urls import url_join

from odoo import SUPERUSER_ID, api, fields, models, sql_db, tools
from odoo.tools import SQL

from odoo.addons.callflow_odoo.models.callflow_preference_fold import (
    fold_in_new_transaction,
)
from odoo.addons.callflow_odoo.tools.hours import send_after
from odoo.addons.callflow_odoo.tools.recipient import caller_number_for, lang_for_number
from odoo.addons.callflow_optout.models.callflow_optout_token import hash_token
from odoo.addons.callflow_optout.tools.links import (
    OPTOUT_PATH,
    TOKEN_BYTES,
    TOKEN_LENGTH,
)

from ..tools import sms_gateway

_logger = logging.getLogger(__name__)

PARAM = "callflow_sms.%s"
# Values of the SMS system parameters (PARAM) until an admin sets them in
# Settings; the settings fields show the same ones.
PARAM_DEFAULTS = {
    "window_from": 9.0,
    "window_to": 20.0,
    "connect_timeout": 5.0,
    "read_timeout": 10.0,
    "max_retries": 3,
    "backoff": 0.5,
    "workers": 4,
}
# Hash of a link not made yet (its SMS has not left): matches no token.
PENDING_LINK = "pending:"
# Template moment -> why the person hears from us, as the link keeps it.
CONTACT_REASONS = {
    "before": "before_call",
    "after": "after_call",
    "reconfirm": "reconfirm",
}


@dataclass
class SmsRecipient:
    """One person a Callflow SMS goes to, as the steps of ``_callflow_send``
    hand it on (records are Odoo recordsets, possibly empty)."""

    partner: object
    lead: object
    call_list: object
    number: str
    tz: str
    name: str
    lang: str = ""


class SmsLink(NamedTuple):
    """The raw token of a message's link (dropped once the body is made)
    and the id of its record."""

    raw: str
    token_id: int


class SmsSms(models.Model):
    _inherit = "sms.sms"

    # What the outbox provider keeps: never handed to anybody, so "Sent"
    # would be a lie.
    state = fields.Selection(
        selection_add=[
            ("outgoing",),
            ("callflow_outbox", "In outbox, not sent to any phone"),
        ],
        ondelete={"callflow_outbox": "set pending"},
    )
    callflow_send_after = fields.Datetime(
        string="Send After",
        copy=False,
        index="btree_not_null",
        help="Queued until this time: never sent at night in the recipient's "
        "time zone.",
    )
    callflow_provider_ref = fields.Char(
        string="Provider Message ID",
        copy=False,
        readonly=True,
        index="btree_not_null",
        help="The provider's id for this SMS (Twilio's SID, the gateway's "
        "id): what to quote to its support, and how its delivery reports "
        "find the message.",
    )
    callflow_token_id = fields.Many2one(
        "callflow.optout.token",
        string="Opt-out Link",
        copy=False,
        readonly=True,
        index="btree_not_null",
        ondelete="set null",
        help="The personal link this SMS carries. The body keeps it masked; "
        "the working link is made when the SMS leaves, for the provider only.",
    )
    callflow_provider_error = fields.Char(
        string="Provider Message",
        copy=False,
        readonly=True,
        help="Last message returned by the SMS provider for this SMS.",
    )

    @api.model
    def _callflow_provider(self):
        return (
            self.env["ir.config_parameter"].sudo().get_param(PARAM % "provider")
            or "odoo"
        )

    @api.model
    def _callflow_gateway(self, provider):
        """Build the gateway from system parameters (sudo: credentials are
        readable by system admins only, but any user may send SMS)."""
        get = self.env["ir.config_parameter"].sudo().get_param
        keys = (
            "twilio_account_sid",
            "twilio_auth_token",
            "twilio_from_number",
            "twilio_messaging_service_sid",
            "twilio_base_url",
            "http_url",
            "http_auth_header_name",
            "http_auth_header_value",
            "http_body_template",
        )
        raw = {key: get(PARAM % key) or "" for key in keys}
        base_url = self[:1].get_base_url()
        config = {
            "account_sid": raw["twilio_account_sid"],
            "auth_token": raw["twilio_auth_token"],
            "from_number": raw["twilio_from_number"],
            "messaging_service_sid": raw["twilio_messaging_service_sid"],
            "base_url": raw["twilio_base_url"],
            "status_callback": url_join(base_url, "/callflow_sms/twilio/status"),
            "url": raw["http_url"],
            "auth_header_name": raw["http_auth_header_name"],
            "auth_header_value": raw["http_auth_header_value"],
            "body_template": raw["http_body_template"],
        }
        return sms_gateway.GATEWAYS[provider](
            config,
            connect_timeout=float(self._callflow_param("connect_timeout")),
            read_timeout=float(self._callflow_param("read_timeout")),
            max_retries=int(self._callflow_param("max_retries")),
            backoff=float(self._callflow_param("backoff")),
            workers=int(self._callflow_param("workers")),
        )

    @api.model
    def _callflow_param(self, key):
        """The system parameter ``callflow_sms.<key>``, else its default."""
        value = self.env["ir.config_parameter"].sudo().get_param(PARAM % key)
        return value or PARAM_DEFAULTS[key]

    def send(
        self,
        unlink_failed=False,
        unlink_sent=True,
        auto_commit=False,
        raise_exception=False,
    ):
        """Skip messages scheduled for later (quiet hours)."""
        now = fields.Datetime.now()
        due = self.filtered(
            lambda s: not s.callflow_send_after or s.callflow_send_after <= now
        )
        return super(SmsSms, due).send(
            unlink_failed=unlink_failed,
            unlink_sent=unlink_sent,
            auto_commit=auto_commit,
            raise_exception=raise_exception,
        )

    def _send(self, unlink_failed=False, unlink_sent=True, raise_exception=False):
        """Send through the provider chosen in Settings (Odoo IAP by default)."""
        provider = self._callflow_provider()
        if provider not in sms_gateway.GATEWAYS:
            clear = self._callflow_clear_bodies()
            if not clear:
                return super()._send(
                    unlink_failed=unlink_failed,
                    unlink_sent=unlink_sent,
                    raise_exception=raise_exception,
                )
            # Odoo's IAP code reads ``body``: the clear links go into the
            # cache only (not dirty, never written), then are dropped.
            with_links = self.browse(list(clear))
            with_links.flush_recordset(["body"])
            self.env.cache.update(
                with_links, self._fields["body"], list(clear.values())
            )
            try:
                return super()._send(
                    unlink_failed=unlink_failed,
                    unlink_sent=unlink_sent,
                    raise_exception=raise_exception,
                )
            finally:
                with_links.invalidate_recordset(["body"])
        gateway = self._callflow_gateway(provider)
        # The outbox hands nothing to anybody: its links stay masked.
        clear = self._callflow_clear_bodies() if provider != "outbox" else {}
        messages = [
            (sms.uuid, sms.number, clear.get(sms.id, sms.body or "")) for sms in self
        ]
        try:
            results = gateway.send_batch(messages)
        except Exception as e:
            _logger.info("SMS batch of %s via %s failed: %s", len(self), provider, e)
            if raise_exception:
                raise
            results = [
                gateway._result(uuid, sms_gateway.TRANSIENT, "sms_server", str(e))
                for uuid, _number, _body in messages
            ]
        # The outbox keeps its messages: it is the only place they are shown.
        self._callflow_apply_results(
            results, unlink_failed, unlink_sent and provider != "outbox"
        )
        if provider == "outbox":
            self._callflow_mark_in_outbox()

    def _callflow_mark_in_outbox(self):
        """The outbox accepted these messages: say they reached no phone."""
        self.filtered(lambda s: s.state == "pending").sudo().write(
            {"state": "callflow_outbox"}
        )  # sudo: as _callflow_apply_results, the queue runs for any sender

    def _callflow_clear_bodies(self):
        """Make the links of the messages about to leave; return ``{sms id:
        body with the working link}``, to hand to the provider and nowhere
        else.

        A token is stored only as a hash, so the working link cannot be
        rebuilt from the database: it is made here, keeping the two last
        characters the masked body already shows.
        """
        todo = self.filtered(
            lambda s: (
                s.callflow_token_id and sms_gateway.MASKED_LINK_RE.search(s.body or "")
            )
        )
        if not todo:
            return {}
        clear, pairs = {}, []
        for sms in todo:
            suffix = sms_gateway.MASKED_LINK_RE.search(sms.body).group(1)
            # A full-length token whose 2 last characters are the ones shown
            # (20 random characters: 120 bits).
            raw = secrets.token_urlsafe(TOKEN_BYTES)[: TOKEN_LENGTH - len(suffix)]
            raw += suffix
            clear[sms.id] = sms_gateway.MASKED_LINK_RE.sub(
                lambda m, raw=raw: f"{OPTOUT_PATH}{raw}", sms.body, count=1
            )
            pairs.append((sms.callflow_token_id.id, hash_token(raw)))
        self._callflow_issue_links(pairs)
        return clear

    @api.model
    def _callflow_issue_links(self, pairs):
        """Store the hashes ``[(token id, hash)]`` of links about to leave.

        Committed on a cursor of its own before the provider gets them: if
        this transaction is lost after the provider accepted a message (a
        killed cron worker), the link the person receives still works. Tokens
        this transaction created itself (not visible to that cursor) are
        stored here instead.
        """
        done = set()
        try:
            with self.env.registry.cursor() as cr:
                cr.execute("SET LOCAL lock_timeout = '2s'")
                done = self._callflow_store_link_hashes(cr, pairs)
        except psycopg2.Error as e:
            _logger.info("Opt-out links stored with the SMS transaction: %s", e)
            done = set()
        rest = [pair for pair in pairs if pair[0] not in done]
        if rest:
            self._callflow_store_link_hashes(self.env.cr, rest)
        self.env["callflow.optout.token"].invalidate_model(["token_hash"])

    @api.model
    def _callflow_store_link_hashes(self, cr, pairs):
        """On ``cr``: the first link of a token (hash still pending) replaces
        the pending mark; a further one (a retry: the provider may have
        received the first attempt) becomes a copy of the token, so whichever
        message is delivered works. Returns the ids of the tokens found."""
        # sudo: tokens are read-only for users; the sender issues them.
        Token = self.env(cr=cr, su=True)["callflow.optout.token"]
        Token.flush_model()
        ids, hashes = (list(column) for column in zip(*pairs, strict=True))
        cr.execute(
            SQL(
                """
                UPDATE callflow_optout_token t SET token_hash = v.hash
                  FROM unnest(%(ids)s::int[], %(hashes)s::varchar[]) AS v(id, hash)
                 WHERE t.id = v.id AND starts_with(t.token_hash, %(pending)s)
             RETURNING t.id
                """,
                ids=ids,
                hashes=hashes,
                pending=PENDING_LINK,
            )
        )
        first = {row[0] for row in cr.fetchall()}
        Token.invalidate_model(["token_hash"])
        again = [(i, digest) for i, digest in pairs if i not in first]
        found = Token.browse([i for i, _digest in again]).exists()
        digests = dict(again)
        if found:
            Token.create(
                [
                    dict(token.copy_data()[0], token_hash=digests[token.id])
                    for token in found
                ]
            )
        return first | set(found.ids)

    def _callflow_apply_results(self, results, unlink_failed, unlink_sent):
        """Same state/tracker/unlink semantics as ``_postprocess`` of IAP results,
        writing once per (state, failure type, message) group."""
        by_uuid = {sms.uuid: sms for sms in self}
        all_sms_sudo = self.sudo().with_context(sms_skip_msg_notification=True)
        groups = tools.groupby(
            results, key=lambda r: (r["state"], r["failure_type"], r["message"])
        )
        for (state, failure_type, message), group in groups:
            sms_sudo = all_sms_sudo.browse([by_uuid[r["uuid"]].id for r in group])
            if state == sms_gateway.SENT:
                sms_sudo.sms_tracker_id._action_update_from_sms_state("pending")
                to_delete = {"to_delete": True} if unlink_sent else {}
                sms_sudo.write(
                    {
                        "state": "pending",
                        "failure_type": False,
                        "callflow_provider_error": message,
                        **to_delete,
                    }
                )
            elif state == sms_gateway.TRANSIENT:
                # Left queued: the next cron run retries with the same uuid.
                sms_sudo.write({"callflow_provider_error": message})
            else:
                sms_sudo.sms_tracker_id._action_update_from_sms_state(
                    "error", failure_type=failure_type
                )
                to_delete = {"to_delete": True} if unlink_failed else {}
                sms_sudo.write(
                    {
                        "state": "error",
                        "failure_type": failure_type,
                        "callflow_provider_error": message,
                        **to_delete,
                    }
                )
        self._callflow_store_provider_refs(results)
        all_sms_sudo.mail_message_id._notify_message_notification_update()

    def _callflow_store_provider_refs(self, results):
        """Keep the provider's message ids on the SMS and on their trackers
        (the tracker outlives a sent SMS): one statement per table."""
        pairs = [
            (r["uuid"], str(r["provider_id"])[:128])
            for r in results
            if r["provider_id"]
        ]
        if not pairs:
            return
        uuids, refs = zip(*pairs, strict=True)
        self.env["sms.sms"].flush_model()
        self.env["sms.tracker"].flush_model()
        for table in ("sms_sms", "sms_tracker"):
            self.env.cr.execute(
                SQL(
                    """
                    UPDATE %(table)s t SET callflow_provider_ref = v.ref
                      FROM unnest(%(uuids)s::varchar[], %(refs)s::varchar[])
                           AS v(uuid, ref)
                     WHERE t.%(column)s = v.uuid
                    """,
                    table=SQL.identifier(table),
                    column=SQL.identifier("uuid" if table == "sms_sms" else "sms_uuid"),
                    uuids=list(uuids),
                    refs=list(refs),
                )
            )
        self.env["sms.sms"].invalidate_model(["callflow_provider_ref"])
        self.env["sms.tracker"].invalidate_model(["callflow_provider_ref"])

    # ------------------------------------------------------------------
    # Webhooks (called by controllers/main.py after authentication)
    # ------------------------------------------------------------------

    @api.model
    def _callflow_update_delivery(self, uuid, status, error=False, provider_ref=False):
        """Apply a provider delivery report to the SMS and its trackers,
        found by our uuid or else by the provider's message id."""
        state = sms_gateway.DELIVERY_STATES.get((status or "").lower())
        if not state or not (uuid or provider_ref):
            return False
        # sudo: the webhook is public (authenticated by signature).
        Tracker, Sms = self.env["sms.tracker"].sudo(), self.sudo()
        if uuid:
            trackers = Tracker.search([("sms_uuid", "=", uuid)])
            sms = Sms.search([("uuid", "=", uuid)])
        else:
            trackers = Tracker.search([("callflow_provider_ref", "=", provider_ref)])
            sms = Sms.search([("callflow_provider_ref", "=", provider_ref)])
        if not (trackers or sms):
            return False
        if state == "error":
            trackers._action_update_from_sms_state(
                "error", failure_type="sms_not_delivered"
            )
            sms.write(
                {
                    "state": "error",
                    "failure_type": "unknown",
                    "callflow_provider_error": error or status,
                }
            )
        else:
            trackers._action_update_from_sms_state(state)
            sms.write({"state": state})
        return True

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
        inbound = (
            self.env["callflow.sms.inbound"]
            .sudo()
            ._store(number, text, provider or "sms", provider_ref)
        )
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
        reply = self.sudo().create({"number": number, "body": body})
        self.env.ref("sms.ir_cron_sms_scheduler_action").sudo()._trigger()
        return reply

    # ------------------------------------------------------------------
    # Callflow sending (before/after a call)
    # ------------------------------------------------------------------

    @api.model
    def _callflow_quiet_hours(self):
        return (
            float(self._callflow_param("window_from")),
            float(self._callflow_param("window_to")),
        )

    @api.model
    def _callflow_send_after(self, tz_name, now=None):
        """UTC time the message may leave, or False if it may leave now."""
        start, end = self._callflow_quiet_hours()
        return send_after(now or fields.Datetime.now(), tz_name, start, end)

    @api.model
    def _callflow_context_note(self, when):
        """Why the person hears from us, shown on their link's page."""
        company = self.env.company.name
        if when == "reconfirm":
            return self.env._(
                "%(company)s asks whether this is still your number", company=company
            )
        return self.env._(
            "%(company)s sent you an SMS %(when)s a call",
            company=company,
            when=self.env._("before") if when == "before" else self.env._("after"),
        )

    @api.model
    def _callflow_send(self, records, template, when=None):
        """Send ``template`` to call-list entries or partners.

        Blocked numbers (ledger, one query) are skipped; night-time messages
        are queued until the recipient's morning; each message is written in
        the recipient's language, carries its own opt-out link and is logged
        on the contact's and lead's chatter.
        Returns the created ``sms.sms`` (queued for the SMS cron).
        """
        recipients = self._callflow_unblocked(self._callflow_recipients(records))
        if not recipients:
            return self.browse()
        self._callflow_set_langs(recipients)
        # sudo: operators send SMS without access to the SMS queue itself.
        sms_records = self.sudo().create(
            [
                {
                    "number": r.number,
                    "partner_id": r.partner.id,
                    "body": "",
                    "callflow_send_after": self._callflow_send_after(r.tz),
                }
                for r in recipients
            ]
        )
        links = self._callflow_pending_links(
            recipients, sms_records, when or template.when
        )
        bodies = []
        for recipient, sms, link in zip(recipients, sms_records, links, strict=True):
            body = self._callflow_render_body(template, recipient, link.raw)
            sms.write({"body": body, "callflow_token_id": link.token_id})
            bodies.append(body)
        self._callflow_log_sent(template, recipients, bodies)
        self.env.ref("sms.ir_cron_sms_scheduler_action")._trigger()
        return sms_records

    @api.model
    def _callflow_recipients(self, records):
        """The people ``records`` (call-list entries or partners) stand for,
        those with a number only."""
        is_entry = records._name == "callflow.list.entry"
        default_tz = self.env.user.tz or "UTC"
        recipients = []
        for rec in records:
            if is_entry:
                recipient = SmsRecipient(
                    partner=rec.partner_id,
                    lead=rec.lead_id,
                    call_list=rec.list_id,
                    number=rec.number,
                    tz=rec.tz or rec.partner_id.tz or default_tz,
                    name=rec.partner_id.name or rec.name or "",
                )
            else:
                recipient = SmsRecipient(
                    partner=rec,
                    lead=self.env["crm.lead"],
                    call_list=self.env["callflow.list"],
                    number=rec._callflow_e164(),
                    tz=rec.tz or default_tz,
                    name=rec.name or "",
                )
            if recipient.number:
                recipients.append(recipient)
        return recipients

    @api.model
    def _callflow_unblocked(self, recipients):
        """``recipients`` whose number the ledger lets us text (one query)."""
        purposes = {r.call_list.purpose for r in recipients if r.call_list}
        purpose = purposes.pop() if len(purposes) == 1 else None
        blocked = self.env["callflow.preference.state"]._check_numbers(
            [r.number for r in recipients], "sms", purpose=purpose
        )
        return [r for r in recipients if r.number not in blocked]

    @api.model
    def _callflow_set_langs(self, recipients):
        """Each recipient's language: their contact's or lead's, else the
        language of their number's country, else the company's."""
        installed = [code for code, _name in self.env["res.lang"].get_installed()]
        company_lang = self.env.company.partner_id.lang
        fallback = company_lang if company_lang in installed else installed[0]
        for r in recipients:
            # sudo: an operator may text a lead they cannot read; only its
            # language is read here.
            own = r.partner.lang or r.lead.sudo().lang_id.code
            r.lang = (
                own
                if own in installed
                else lang_for_number(r.number, installed) or fallback
            )

    @api.model
    def _callflow_pending_links(self, recipients, sms_records, when):
        """Issue one opt-out link per message: ``[SmsLink]``, same order.

        The links are made when each SMS leaves (``_callflow_clear_bodies``):
        the body, the chatter and the logs only ever show them masked. The
        raw tokens issued here are dropped, only their last 2 characters are
        kept: until the SMS leaves, the stored hash matches no link.
        """
        Token = self.env["callflow.optout.token"]
        tokens = Token._issue_tokens(
            [
                {
                    "number": r.number,
                    "partner_id": r.partner.id,
                    "lead_id": r.lead.id,
                    "caller_number_id": r.call_list.caller_number_id.id,
                    "purpose": r.call_list.purpose,
                    "contact_reason": CONTACT_REASONS.get(when),
                    "context_note": self._callflow_context_note(when),
                    "res_model": sms._name,
                    "res_id": sms.id,
                    "user_id": self.env.uid,
                }
                for r, sms in zip(recipients, sms_records, strict=True)
            ]
        )
        token_ids = dict(
            Token.sudo()
            .search([("token_hash", "in", [hash_token(t) for t in tokens])])
            .mapped(lambda t: (t.token_hash, t.id))
        )
        Token.flush_model()
        self.env.cr.execute(
            SQL(
                "UPDATE callflow_optout_token SET token_hash = %s || token_hash"
                " WHERE id = ANY(%s)",
                PENDING_LINK,
                list(token_ids.values()),
            )
        )
        Token.invalidate_model(["token_hash"])
        return [SmsLink(raw, token_ids[hash_token(raw)]) for raw in tokens]

    @api.model
    def _callflow_render_body(self, template, recipient, raw_token):
        """The SMS text in the recipient's language, its link masked and
        opening the page in that language."""
        lang = recipient.lang
        call_list = recipient.call_list
        caller = call_list.caller_number_id.number
        purposes = dict(
            call_list._fields["purpose"]._description_selection(
                self.with_context(lang=lang).env
            )
        )
        link = self.env["callflow.optout.token"]._get_url(raw_token, lang=lang)
        return template.with_context(lang=lang)._render(
            {
                "company": self.env.company.name,
                "operator": self.env.user.name,
                "caller_number": caller_number_for(caller, recipient.number),
                "purpose": purposes.get(call_list.purpose, ""),
                "optout_link": sms_gateway.mask_links(link),
                "name": recipient.name,
            }
        )

    @api.model
    def _callflow_log_sent(self, template, recipients, bodies):
        """Log each SMS on its contact's and lead's chatter (one batch each)."""
        partner_logs, lead_logs = {}, {}
        for recipient, body in zip(recipients, bodies, strict=True):
            log = escape(
                self.env._(
                    "SMS (%(template)s) to %(number)s: %(body)s",
                    template=template.name,
                    number=recipient.number,
                    body=body,
                )
            )
            if recipient.partner:
                partner_logs[recipient.partner.id] = log
            if recipient.lead:
                lead_logs[recipient.lead.id] = log
        if partner_logs:
            self.env["res.partner"].browse(partner_logs)._message_log_batch(
                partner_logs
            )
        if lead_logs:
            self.env["crm.lead"].browse(lead_logs)._message_log_batch(lead_logs)

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
                env["sms.sms"]._callflow_queue_reply(number, body)
    except Exception:
        _logger.exception("confirmation of STOP event %s failed", event_id)
