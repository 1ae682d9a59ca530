"""One-time codes sent by SMS: how a visitor of the page without a link proves
they hold the number before their opt-in may lift an earlier stop."""

import hmac
import secrets
import unicodedata
from datetime import timedelta

from odoo import api, fields, models
from odoo.tools.misc import hmac as odoo_hmac

CODE_LENGTH = 6
# Tunable with system parameters ``callflow_sms.optout_code_<key>``.
DEFAULTS = {"minutes": 10, "per_hour": 3, "attempts": 5}
MASK = "••••••"


class CallflowOptoutCode(models.Model):
    """A code sent by SMS to a number from the page without a link.

    Only an HMAC of the code is stored (keyed with the database secret and a
    salt per code, so neither the table nor a backup gives the code away). A
    code lives a few minutes, allows a few attempts, and a number gets only a
    few codes an hour. A confirmed code records the answer's opt-in again,
    with the proving source ``sms_code``.
    """

    _name = "callflow.optout.code"
    _description = "Code sent by SMS from the opt-out page"
    _order = "id desc"
    _rec_name = "number"

    number = fields.Char(
        required=True, readonly=True, index=True, help="E.164 number the code went to."
    )
    response_id = fields.Many2one(
        "callflow.optout.response",
        string="Answer",
        readonly=True,
        index="btree_not_null",
        ondelete="set null",
        help="The answer on the page that the code confirms.",
    )
    code_hash = fields.Char(
        readonly=True,
        groups="base.group_system",
        help="HMAC of the code; the code itself is never stored.",
    )
    salt = fields.Char(readonly=True, groups="base.group_system")
    expires_at = fields.Datetime(string="Expires", required=True, readonly=True)
    attempt_count = fields.Integer(string="Attempts", readonly=True)
    state = fields.Selection(
        [
            ("pending", "Sent"),
            ("used", "Confirmed"),
            ("failed", "Too many attempts"),
            ("replaced", "Replaced by a newer code"),
        ],
        required=True,
        default="pending",
        readonly=True,
    )
    request_ip = fields.Char(string="IP address", readonly=True)
    company_id = fields.Many2one(
        "res.company", readonly=True, default=lambda self: self.env.company
    )

    @api.model
    def _param(self, key):
        value = (
            self.env["ir.config_parameter"]
            .sudo()
            .get_param(f"callflow_sms.optout_code_{key}")
        )
        try:
            return int(value) if value else DEFAULTS[key]
        except ValueError:
            return DEFAULTS[key]

    @api.model
    def _hash(self, salt, number, code):
        # sudo: the database secret is readable by the superuser only.
        return odoo_hmac(
            self.env(su=True), "callflow.optout.code", f"{salt}:{number}:{code}"
        )

    @api.model
    def _offer(self, response, request_ip=None):
        """Send a code to the answer's number when something blocks it and
        the number has not had too many codes lately.  Return the code record
        (empty when none was sent); the page looks the same either way."""
        number = response.number
        State = self.env["callflow.preference.state"]
        if not number or not any(
            State._check_numbers([number], channel)
            for channel in ("call", "sms", "email")
        ):
            return self.browse()
        now = fields.Datetime.now()
        recent = self.search_count(
            [("number", "=", number), ("create_date", ">=", now - timedelta(hours=1))]
        )
        if recent >= self._param("per_hour"):
            return self.browse()
        self.search([("number", "=", number), ("state", "=", "pending")]).write(
            {"state": "replaced"}
        )
        code = "".join(secrets.choice("0123456789") for _i in range(CODE_LENGTH))
        salt = secrets.token_hex(16)
        record = self.create(
            {
                "number": number,
                "response_id": response.id,
                "salt": salt,
                "code_hash": self._hash(salt, number, code),
                "expires_at": now + timedelta(minutes=self._param("minutes")),
                "request_ip": request_ip,
            }
        )
        record._send_code(code)
        return record

    def _code_body(self, code):
        self.ensure_one()
        return self.env._(
            "%(company)s: your code is %(code)s. Type it on our contact "
            "preferences page within %(minutes)s minutes to hear from us again. "
            "Did not ask? Ignore this SMS.",
            company=self.company_id.name,
            code=code,
            minutes=self._param("minutes"),
        )

    def _send_code(self, code):
        """Send the code now through Odoo's SMS queue (``sms.sms``).

        Transactional, asked for by the person this minute: it goes out even
        to a number that opted out of SMS or is in ``phone.blacklist`` (that
        stop is what the code lifts) and at any hour.  So it is created as a
        bare ``sms.sms``, not through the composer or Callflow's sending,
        which skip blocked numbers and wait for the morning.  Once handed to
        the provider, the stored body shows the code masked; a message the
        provider did not take is dropped rather than retried later.
        """
        self.ensure_one()
        # sudo: visitors of the public page have no access to the SMS queue.
        sms = (
            self.env["sms.sms"]
            .sudo()
            .create({"number": self.number, "body": self._code_body(code)})
        )
        sms.send(unlink_failed=True, unlink_sent=True)
        sms = sms.exists()
        if sms.filtered(lambda s: s.state == "outgoing"):
            sms.unlink()
        elif sms:
            sms.body = self._code_body(MASK)

    @api.model
    def _verify(self, number, code):
        """The pending code of ``number`` if ``code`` matches it, else an
        empty recordset.  Every try counts; too many kill the code."""
        record = self.search(
            [("number", "=", number), ("state", "=", "pending")], limit=1
        )
        if not record or record.expires_at <= fields.Datetime.now():
            return self.browse()
        code = unicodedata.normalize("NFKC", (code or "")[:64])
        code = "".join(code.split()).replace("-", "")[:32]
        expected = record.code_hash
        given = self._hash(record.salt, number, code)
        attempts = record.attempt_count + 1
        if hmac.compare_digest(expected, given):
            record.write({"attempt_count": attempts, "state": "used"})
            return record
        record.write(
            {
                "attempt_count": attempts,
                "state": "failed" if attempts >= self._param("attempts") else "pending",
            }
        )
        return self.browse()

    def _confirm(self, request_ip=None):
        """Record the confirmed answer's opt-in with the proving source
        ``sms_code``: it lifts the number's earlier stops."""
        self.ensure_one()
        response = self.response_id
        if not response:
            return self.env["callflow.preference.event"]
        evidence = self.env._(
            "Opt-out page answer #%(response)s, number confirmed with code "
            "#%(code)s sent to it by SMS, IP %(ip)s",
            response=response.id,
            code=self.id,
            ip=request_ip or "-",
        )
        vals_list = [
            dict(
                vals,
                evidence=evidence,
                request_ip=request_ip,
                event_date=fields.Datetime.now(),
            )
            for vals in self.env["callflow.optout.effect"]._event_vals(
                response, source="sms_code"
            )
            if vals["action"] in ("opt_in", "hours")
        ]
        # sudo: the visitor proved the number; the ledger is written for them.
        events = self.env["callflow.preference.event"].sudo()._record(vals_list)
        response.event_ids |= events
        return events
