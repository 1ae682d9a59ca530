import psycopg2.errors

from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.modules.registry import Registry
from odoo.tools import SQL

from ..tools import board_sql

OPERATOR_STATES = [
    ("available", "Available"),
    ("ringing", "Ringing"),
    ("in_call", "In call"),
    ("wrap_up", "Wrap-up"),
    ("paused", "Paused"),
    ("offline", "Offline"),
]
MANAGER = "callflow_odoo.group_callflow_manager"
# The company channel's sub-channel: managers' boards subscribe to it
# (ir.websocket authorises it), operators cannot.
BOARD_CHANNEL = "callflow_board"
BUS_TYPE = "callflow.operator/state"
INBOUND_FIELDS = {"direction", "inbound_status", "voice_state", "user_id"}


class CallflowOperatorState(models.Model):
    """Where each operator stands right now (one row per user and company),
    for the live board. Written at the transitions that already exist (call
    state, result logged, pause) by one SQL upsert, never read-modified-
    written, and announced by one bus notification per change."""

    _name = "callflow.operator.state"
    _description = "Operator live state"
    _order = "user_id"
    _rec_name = "user_id"

    user_id = fields.Many2one(
        "res.users", "Operator", required=True, ondelete="cascade", readonly=True
    )
    company_id = fields.Many2one(
        "res.company", required=True, ondelete="cascade", readonly=True
    )
    state = fields.Selection(
        OPERATOR_STATES, required=True, default="available", readonly=True
    )
    since = fields.Datetime(readonly=True)
    paused = fields.Boolean(
        readonly=True, help="Paused by themselves or a manager: no new call."
    )
    call_id = fields.Many2one("callflow.call", ondelete="set null", readonly=True)
    entry_id = fields.Many2one(
        "callflow.list.entry", ondelete="set null", readonly=True
    )

    _sql_constraints = [
        (
            "user_company_uniq",
            "UNIQUE(user_id, company_id)",
            "One live state per operator and company.",
        ),
    ]

    def init(self):
        # The board sums today's calls per company: a range on date_start.
        self.env.cr.execute(board_sql.call_day_index())

    # ------------------------------------------------------------------
    # Transitions
    # ------------------------------------------------------------------
    @api.model
    def _set(self, user, company, state, call=None, entry=None):
        """Move ``user`` to ``state`` in ``company`` (one upsert; a paused
        operator becoming available stays paused). Notifies the company's
        boards once when something changed. Returns whether it did."""
        if not (user and company) or user._is_superuser():
            return False
        return self._upsert(
            board_sql.upsert_state(
                user.id,
                company.id,
                state,
                call.id if call else None,
                entry.id if entry else None,
                fields.Datetime.now(),
                self.env.uid,
            )
        )

    @api.model
    def _set_paused(self, user, company, paused):
        return self._upsert(
            board_sql.upsert_paused(
                user.id, company.id, bool(paused), fields.Datetime.now(), self.env.uid
            )
        )

    @api.model
    def _upsert(self, query):
        """Run one upsert and announce its change. Should another
        transaction have changed the operator's row since this one's
        snapshot (a provider's callback, in READ COMMITTED), the upsert
        cannot apply here: it is applied once this transaction commits, on
        a cursor of its own, rather than failing the whole request."""
        cr = self.env.cr
        try:
            with cr.savepoint(flush=False):
                cr.execute(query, log_exceptions=False)
                rows = cr.fetchall()
        except psycopg2.errors.SerializationFailure:
            dbname, uid, context = cr.dbname, self.env.uid, self.env.context

            @cr.postcommit.add
            def apply_after_commit():
                with Registry(dbname).cursor() as fresh:
                    # READ COMMITTED: the upsert waits for a concurrent one
                    # on the row and applies on its result, where the
                    # default REPEATABLE READ fails again under a burst of
                    # calls for one operator (a 500 after the commit).
                    fresh.execute("SET TRANSACTION ISOLATION LEVEL READ COMMITTED")
                    env = api.Environment(fresh, uid, context)
                    fresh.execute(query)
                    env[self._name]._announce(fresh.fetchall())

            return False
        return self._announce(rows)

    @api.model
    def _announce(self, rows):
        """One bus notification per changed row, to its company's boards."""
        if not rows:
            return False
        self.invalidate_model()
        Bus = self.env["bus.bus"]
        companies = self.env["res.company"].browse({row[1] for row in rows})
        for row in rows:
            payload = board_sql.state_payload(row)
            company = companies.browse(payload["company_id"])
            Bus._sendone((company, BOARD_CHANNEL), BUS_TYPE, payload)
        return True

    @api.model
    def _on_calls(self, calls):
        """A call's voice state changed: ringing, in call, then wrap-up
        until the operator logs the result (available once logged)."""
        for call in calls:
            if call.direction == "inbound":
                target = board_sql.state_of_inbound(
                    call.inbound_status, call.voice_state
                )
            else:
                target = board_sql.state_of_call(call.voice_state, bool(call.result_id))
            if not target:
                continue
            keep = target != "available"
            if call.direction == "inbound" and call.inbound_status != "ringing":
                self._release_ringing(call)
            self._set(
                call.user_id,
                call.company_id,
                target,
                call=call if keep else None,
                entry=call.entry_id if keep else None,
            )

    @api.model
    def _on_inbound(self, calls, vals=None):
        """An inbound call was logged or its status written, whoever wrote
        it: its operator rings, is in call, then is available again."""
        if vals is not None and not INBOUND_FIELDS.intersection(vals):
            return
        inbound = calls.filtered(lambda call: call.direction == "inbound")
        if inbound:
            self._on_calls(inbound)

    @api.model
    def _on_hold(self, entry_id):
        """The dialer held an entry for the user. Without a voice provider
        the operator dials by hand: holding it is being on its call (with
        one, the call's own states tell). Returns True (the hold's result)."""
        if self.env["callflow.voice"]._config()["provider"] == "manual":
            entry = self.env["callflow.list.entry"].browse(entry_id)
            self._set(self.env.user, entry.company_id, "in_call", entry=entry)
        return True

    @api.model
    def _free_entries(self, entries):
        """The entries were logged or given back: the operators on them are
        available again (paused ones paused). Returns True."""
        if entries:
            self._upsert(
                board_sql.free_entries(entries.ids, fields.Datetime.now(), self.env.uid)
            )
        return True

    @api.model
    def _release_ringing(self, call):
        return self._upsert(
            board_sql.release_ringing(
                call.id, call.user_id.id, fields.Datetime.now(), self.env.uid
            )
        )

    # ------------------------------------------------------------------
    # Pause / resume (RPC)
    # ------------------------------------------------------------------
    @api.model
    def action_pause(self, user_id=None):
        return self._pause_rpc(user_id, True)

    @api.model
    def action_resume(self, user_id=None):
        return self._pause_rpc(user_id, False)

    @api.model
    def _pause_rpc(self, user_id, paused):
        """Operators pause themselves; managers anyone of their company."""
        user = self.env["res.users"].browse(int(user_id or self.env.uid))
        if not self.env.user.has_group("callflow_odoo.group_callflow_operator"):
            raise AccessError(self.env._("Only Callflow operators can pause."))
        if user != self.env.user:
            if not self.env.user.has_group(MANAGER):
                raise AccessError(
                    self.env._("Only a manager can pause another operator.")
                )
            # sudo: a manager may not read other users' companies otherwise
            if self.env.company not in user.sudo().company_ids:
                raise AccessError(
                    self.env._("This operator does not work for this company.")
                )
        self._set_paused(user, self.env.company, paused)
        return self.env["callflow.live.board"]._operator_line(user.id)

    @api.model
    def _paused_users(self, users, company):
        """The subset of ``users`` paused in ``company``."""
        self.env.cr.execute(
            SQL(
                "SELECT user_id FROM callflow_operator_state "
                "WHERE company_id = %s AND paused AND user_id = ANY(%s)",
                company.id,
                users.ids,
            )
        )
        return users.browse([row[0] for row in self.env.cr.fetchall()])
