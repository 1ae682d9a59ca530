from odoo import api, fields, models
from odoo.tools import SQL, create_unique_index

from ..tools.preference_events import ACTIONS, CHANNELS, SCOPES
from ..tools.purposes import PURPOSES


class CallflowPreferenceStateLine(models.Model):
    """The latest event of one kind for a number: the rows checks read.

    One row per (number, channel, scope, purpose, action, self/not self),
    holding the latest such event.  Keeping the latest per kind (rather than
    one "current" row) makes the update commutative, so concurrent or
    out-of-order events give the same state, and lets the check apply the
    precedence rule (see ``callflow.preference.event``) in SQL.
    """

    _name = "callflow.preference.state.line"
    _description = "Current contact preference"
    _order = "event_date desc, event_id desc"
    _log_access = False

    state_id = fields.Many2one(
        "callflow.preference.state",
        string="Preferences",
        required=True,
        index=True,
        ondelete="cascade",
        readonly=True,
    )
    number = fields.Char(required=True, readonly=True, help="E.164 number.")
    channel = fields.Selection(CHANNELS, required=True, readonly=True)
    scope = fields.Selection(SCOPES, required=True, readonly=True)
    purpose = fields.Selection(PURPOSES, readonly=True)
    action = fields.Selection(ACTIONS, required=True, readonly=True)
    is_self = fields.Boolean(
        string="From the person",
        readonly=True,
        help="Opt-in proven to come from the person (personal link, SMS from the "
        "number, code sent by SMS) or a manager's correction: only it lifts "
        "a block.",
    )
    event_id = fields.Many2one(
        "callflow.preference.event",
        string="Latest event",
        required=True,
        readonly=True,
        ondelete="cascade",
    )
    event_date = fields.Datetime(required=True, readonly=True)
    source = fields.Selection(related="event_id.source")
    reason = fields.Char(related="event_id.reason")

    def init(self):
        # The check looks rows up by number; the unique key is also the
        # ON CONFLICT target of the upsert.
        create_unique_index(
            self.env.cr,
            "callflow_preference_state_line_kind_uniq",
            self._table,
            [
                "number",
                "channel",
                "scope",
                "(COALESCE(purpose, ''))",
                "action",
                "is_self",
            ],
        )

    @api.model
    def _apply_events(self, events):
        """Fold ``events`` into the lines: one upsert for the whole batch."""
        latest = {}
        for event in events.sorted(lambda e: (e.event_date, e.id)):
            is_self = event.action == "opt_in" and event.is_self
            key = (
                event.number,
                event.channel,
                event.scope,
                event.purpose or "",
                event.action,
                is_self,
            )
            latest[key] = event
        if not latest:
            return
        keys = sorted(latest)  # same lock order in every batch: no deadlock
        rows = [latest[key] for key in keys]
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO callflow_preference_state_line
                       (state_id, number, channel, scope, purpose, action, is_self,
                        event_id, event_date)
                SELECT * FROM unnest(%s::int[], %s::varchar[], %s::varchar[],
                                     %s::varchar[], %s::varchar[], %s::varchar[],
                                     %s::bool[], %s::int[], %s::timestamp[])
                ON CONFLICT (number, channel, scope, (COALESCE(purpose, '')),
                             action, is_self)
                DO UPDATE SET event_id = EXCLUDED.event_id,
                              event_date = EXCLUDED.event_date,
                              state_id = EXCLUDED.state_id
                 WHERE (EXCLUDED.event_date, EXCLUDED.event_id)
                       > (callflow_preference_state_line.event_date,
                          callflow_preference_state_line.event_id)
                """,
                [e.state_id.id for e in rows],
                [e.number for e in rows],
                [e.channel for e in rows],
                [e.scope for e in rows],
                [e.purpose or None for e in rows],
                [e.action for e in rows],
                [key[5] for key in keys],
                [e.id for e in rows],
                [e.event_date for e in rows],
            )
        )
        self.invalidate_model()
        self.env["callflow.preference.state"].invalidate_model(["line_ids"])
