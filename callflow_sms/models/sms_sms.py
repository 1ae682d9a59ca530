import logging
import secrets

import psycopg2

from odoo import api, fields, models, tools
from odoo.tools import SQL

from odoo.addons.callflow_optout.models.callflow_optout_token import hash_token
from odoo.addons.callflow_optout.tools.links import (
    OPTOUT_PATH,
    TOKEN_BYTES,
    TOKEN_LENGTH,
)

from ..tools import sms_gateway

_logger = logging.getLogger(__name__)

# Hash of a link not made yet (its SMS has not left): matches no token.
PENDING_LINK = "pending:"


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
        Gateway = self.env["callflow.sms.gateway"]
        provider = Gateway._callflow_provider()
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
        gateway = Gateway._callflow_gateway(provider)
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
