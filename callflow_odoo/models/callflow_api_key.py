import logging

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL

from ..tools import api as api_tools
from ..tools import signatures

_logger = logging.getLogger(__name__)

MANAGER = "callflow_odoo.group_callflow_manager"
# The per-minute counters of the rate limit (one row per key and minute).
USAGE_TABLE = "callflow_api_key_usage"
# Counters older than this are removed (by the key's next first request of
# a minute): the limit only needs the current minute.
USAGE_KEEP = "1 hour"


class CallflowApiKey(models.Model):
    """A key a PBX (or a user's own phone system) uses on the PBX API
    (``/callflow/api/v1/...``). Only the key's hash is kept: the key is
    shown once, when it is generated."""

    _name = "callflow.api.key"
    _description = "Callflow API key"
    _inherit = ["mail.thread"]
    _order = "active desc, create_date desc, id desc"

    name = fields.Char(
        required=True,
        tracking=True,
        help="What the key is for, e.g. 'Tokyo office PBX'.",
    )
    owner_type = fields.Selection(
        [("pbx", "PBX (the company)"), ("user", "User")],
        "Owner",
        required=True,
        default="pbx",
        help="A PBX key acts for the company; a user's key acts as that user "
        "(it sees what they may see).",
    )
    user_id = fields.Many2one(
        "res.users",
        ondelete="cascade",
        domain="[('share', '=', False), ('company_ids', 'in', company_id)]",
    )
    company_id = fields.Many2one(
        "res.company",
        required=True,
        default=lambda self: self.env.company,
        help="The calls and contacts the key reaches: this company's only.",
    )
    scope = fields.Selection(
        [("inbound", "Inbound calls and lookup"), ("lookup", "Lookup only")],
        required=True,
        default="inbound",
        tracking=True,
    )
    rate_limit = fields.Integer(
        "Requests per minute",
        required=True,
        default=api_tools.DEFAULT_LIMIT,
        tracking=True,
        help="Requests over this count in a minute get 429 (Retry-After).",
    )
    key_id = fields.Char(
        "Key ID",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="The public part of the key (before the dot), in logs and in the "
        "X-Callflow-Key-Id header of signed requests.",
    )
    key_hash = fields.Char(readonly=True, copy=False, groups="base.group_system")
    last_used = fields.Datetime(
        readonly=True, copy=False, help="Updated at most once a minute."
    )
    active = fields.Boolean(default=True, tracking=True)
    revoked_date = fields.Datetime("Revoked on", readonly=True, copy=False)
    revoked_by_id = fields.Many2one("res.users", "Revoked by", readonly=True)

    _sql_constraints = [
        ("key_id_unique", "UNIQUE(key_id)", "A key ID is unique."),
        ("rate_limit_positive", "CHECK(rate_limit > 0)", "The limit is positive."),
    ]

    def init(self):
        # The rate limit's counters: one UPSERT per request, shared by every
        # Odoo worker (a process's memory is not).
        self.env.cr.execute(
            SQL(
                "CREATE TABLE IF NOT EXISTS %s ("
                " key_id integer NOT NULL REFERENCES callflow_api_key(id)"
                " ON DELETE CASCADE,"
                " minute timestamp NOT NULL,"
                " count integer NOT NULL DEFAULT 1,"
                " PRIMARY KEY (key_id, minute))",
                SQL.identifier(USAGE_TABLE),
            )
        )

    @api.constrains("owner_type", "user_id", "company_id")
    def _check_owner(self):
        for key in self:
            if key.owner_type == "user" and not key.user_id:
                raise ValidationError(self.env._("A user's key needs its user."))
            if key.user_id and key.company_id not in key.user_id.company_ids:
                raise ValidationError(
                    self.env._(
                        "%(user)s does not work for %(company)s.",
                        user=key.user_id.name,
                        company=key.company_id.name,
                    )
                )

    # ------------------------------------------------------------------
    # Managing keys
    # ------------------------------------------------------------------
    def action_generate(self):
        """Generate the key and show it once; only its hash is kept."""
        self.ensure_one()
        if self.key_id or not self.active:
            raise UserError(
                self.env._(
                    "This key was generated already: revoke it and create a new one."
                )
            )
        key_id, key = api_tools.new_key()
        # sudo: the hash field is hidden from everyone; managers write it
        # here, once, and nobody reads it but the API's authentication.
        self.sudo().write({"key_id": key_id, "key_hash": api_tools.key_hash(key)})
        self.message_post(body=self.env._("Key %(key_id)s generated.", key_id=key_id))
        _logger.info("Callflow API key %s generated by uid %s", key_id, self.env.uid)
        return {
            "type": "ir.actions.act_window",
            "res_model": "callflow.api.key.show",
            "name": self.env._("Your API key"),
            "views": [(False, "form")],
            "target": "new",
            "context": {"default_key": key, "default_key_id": key_id},
        }

    def action_revoke(self):
        """Revoke: the key stops working at once (and for good)."""
        self.write(
            {
                "active": False,
                "revoked_date": fields.Datetime.now(),
                "revoked_by_id": self.env.uid,
            }
        )
        for key in self:
            key.message_post(body=self.env._("Key revoked."))
        return True

    # ------------------------------------------------------------------
    # Authentication and the limit (called by controllers/api.py)
    # ------------------------------------------------------------------
    @api.model
    def _find(self, key_id):
        """The active key with ``key_id``, with its hash (one query)."""
        if not api_tools.valid_key_id(key_id):
            return self.browse()
        # sudo: the request has no user yet; the key authenticates it.
        return (
            self.sudo()
            .with_context(active_test=True)
            .search_fetch(
                [("key_id", "=", key_id)],
                ["key_hash", "scope", "rate_limit", "owner_type", "user_id"]
                + ["company_id"],
                limit=1,
            )
        )

    @api.model
    def _authenticate(self, headers, body):
        """The key of a request (bearer or HMAC-signed), or ``(empty
        recordset, reason)``; the reason goes to the log, never the PBX."""
        bearer = api_tools.bearer_key(headers.get("Authorization"))
        if bearer:
            key = self._find(bearer[0])
            if key and api_tools.check_bearer(bearer[1], key.key_hash):
                return key, None
            return self.browse(), f"bad bearer key {bearer[0]}"
        key_id = headers.get("X-Callflow-Key-Id")
        if not key_id:
            return self.browse(), "no key"
        key = self._find(key_id)
        if not key:
            return self.browse(), f"unknown key id {key_id[:20]!r}"
        problem = signatures.verify_webhook(
            key.key_hash,
            body,
            headers.get("X-Callflow-Timestamp"),
            headers.get("X-Callflow-Signature"),
        )
        if problem:
            return self.browse(), f"key {key_id}: {problem}"
        return key, None

    def _consume(self):
        """Count one request of this key in the current minute; the seconds
        to wait when the key is over its limit, else 0. One UPSERT in a
        short transaction of its own (READ COMMITTED), so that concurrent
        requests on any worker wait a moment on the counter's row, never
        for each other's whole request, and never fail on serialization.
        The minute's first request also stamps ``last_used`` and drops old
        counters: a write per key and minute, not per request."""
        self.ensure_one()
        with self.env.registry.cursor() as cr:
            if not self.env.registry.in_test_mode():  # tests share one txn
                cr.execute("SET TRANSACTION ISOLATION LEVEL READ COMMITTED")
                # A counter need not wait for the disk: a crash loses a few
                # counts, never a call or a key.
                cr.execute("SET LOCAL synchronous_commit TO OFF")
            cr.execute(
                SQL(
                    "INSERT INTO %(table)s AS u (key_id, minute)"
                    " VALUES (%(key)s, date_trunc('minute', now()))"
                    " ON CONFLICT (key_id, minute) DO UPDATE SET count = u.count + 1"
                    " RETURNING count,"
                    " 60 - extract(second FROM now())::int",
                    table=SQL.identifier(USAGE_TABLE),
                    key=self.id,
                )
            )
            count, retry_after = cr.fetchone()
            if count == 1:
                cr.execute(
                    SQL(
                        "UPDATE callflow_api_key SET last_used = now() at time zone"
                        " 'UTC' WHERE id = %(key)s;"
                        " DELETE FROM %(table)s WHERE key_id = %(key)s"
                        " AND minute < now() - interval %(keep)s",
                        table=SQL.identifier(USAGE_TABLE),
                        key=self.id,
                        keep=USAGE_KEEP,
                    )
                )
        if count == 1:
            self.invalidate_recordset(["last_used"])
        return max(retry_after, 1) if count > self.rate_limit else 0
