"""Answers kept aside when storing them failed: replayed, never lost."""

import json
import logging

from odoo import api, fields, models, sql_db
from odoo.tools import SQL

_logger = logging.getLogger(__name__)


class CallflowOptoutRaw(models.Model):
    _name = "callflow.optout.raw"
    _description = "Opt-out answer kept for replay"
    _order = "id"
    _log_access = False

    payload = fields.Text(readonly=True, help="The checked answer, as JSON.")
    token_id = fields.Integer(
        string="Link", readonly=True, help="Id of the personal link, if any."
    )
    number = fields.Char(readonly=True, help="E.164 number typed on the page.")
    received_at = fields.Datetime(readonly=True, default=fields.Datetime.now)

    @api.model
    def _keep(self, values, token_id=False, e164=False, request_info=None):
        """Keep an answer whose store failed; the cron replays it.

        In the request's transaction (a table nothing else writes, so the
        insert cannot conflict), else in a transaction of its own, else in
        the server log.
        """
        payload = json.dumps({"values": values, "request_info": request_info or {}})
        vals = {"payload": payload, "token_id": token_id, "number": e164}
        try:
            with self.env.cr.savepoint():
                self.create(vals)
            return True
        except Exception:  # noqa: BLE001 - the next way is tried
            _logger.warning("opt-out answer kept in a transaction of its own")
        try:
            with sql_db.db_connect(self.env.cr.dbname).cursor() as cr:
                cr.execute(
                    SQL(
                        "INSERT INTO callflow_optout_raw"
                        " (payload, token_id, number, received_at)"
                        " VALUES (%s, %s, %s, now() AT TIME ZONE 'UTC')",
                        payload,
                        token_id or None,
                        e164 or None,
                    )
                )
            return True
        except Exception:
            # Last resort: the server log keeps it.
            _logger.exception("opt-out answer not stored, kept here: %s", payload)
            return False

    @api.model
    def _cron_replay(self):
        """Submit the kept answers again, oldest first (the ledger decides
        whether each still changes anything)."""
        Response = self.env["callflow.optout.response"]
        Token = self.env["callflow.optout.token"]
        for raw in self.search([], limit=500):
            data = json.loads(raw.payload)
            token = Token.browse(raw.token_id).exists() if raw.token_id else None
            with self.env.cr.savepoint():
                Response._submit(
                    data["values"],
                    token=token,
                    e164=raw.number or None,
                    request_info=data.get("request_info"),
                )
                raw.unlink()
