from odoo import fields, models, tools
from odoo.tools import SQL

# Voice states of a call that never reached the person: still on the
# operator's leg, not taken by the operator or stopped by the gate, or
# refused by the provider (a failure on the person's leg logs an outcome).
UNATTEMPTED_STATES = ("queued", "initiated", "canceled", "failed")


class CallflowCallReport(models.Model):
    """Talk time, connect rate and ring time per operator, list, published
    number and day: a SQL view over the calls, one row per call.

    A ratio stored per call cannot be summed, and an average of per-call
    ratios is wrong as soon as calls are grouped. Each attempt carries 0 or
    100 in ``connect_rate`` (NULL when the person's phone never rang), so the
    average over any group is connects ÷ attempts, in percent."""

    _name = "callflow.call.report"
    _description = "Call statistics"
    _auto = False
    _order = "date desc, id desc"
    _rec_name = "call_id"

    call_id = fields.Many2one("callflow.call", readonly=True)
    date = fields.Datetime(readonly=True)
    user_id = fields.Many2one("res.users", "Operator", readonly=True)
    list_id = fields.Many2one("callflow.list", "Call list", readonly=True)
    caller_number_id = fields.Many2one(
        "callflow.caller.number", "Published number", readonly=True
    )
    company_id = fields.Many2one("res.company", readonly=True)
    outcome = fields.Selection(
        lambda self: self.env["callflow.call"]._fields["outcome"].selection,
        readonly=True,
    )
    voice_provider = fields.Selection(
        lambda self: self.env["callflow.call"]._fields["voice_provider"].selection,
        "Provider",
        readonly=True,
    )
    attempt_count = fields.Integer(
        "Attempts",
        readonly=True,
        aggregator="sum",
        help="Calls that tried to reach the person. A call the operator did "
        "not take, that the dial gate stopped, or that the provider refused "
        "to place is no attempt.",
    )
    connect_count = fields.Integer(
        "Connects",
        readonly=True,
        aggregator="sum",
        help="Attempts a person answered (not a machine).",
    )
    connect_rate = fields.Float(
        "Connect rate (%)",
        digits=(16, 1),
        readonly=True,
        aggregator="avg",
        help="Connects ÷ attempts, in percent.",
    )
    talk_seconds = fields.Integer("Talk time (s)", readonly=True, aggregator="sum")
    talk_minutes = fields.Float(
        "Talk time (min)", digits=(16, 1), readonly=True, aggregator="sum"
    )
    ring_seconds = fields.Float(
        "Average ring time (s)",
        digits=(16, 1),
        readonly=True,
        aggregator="avg",
        help="Seconds the person's phone rang, averaged over the calls "
        "the provider reported ringing.",
    )

    def _query(self):
        """One row per call; the attempt and connect rules are here only."""
        attempt = SQL(
            "NOT (c.outcome IS NULL AND c.voice_state IN %s)",
            UNATTEMPTED_STATES,
        )
        connect = SQL(
            "(c.outcome = 'answered' OR (c.outcome IS NULL"
            " AND c.answer_date IS NOT NULL"
            " AND COALESCE(c.answered_by, '') NOT LIKE %s"
            " AND COALESCE(c.answered_by, '') NOT LIKE %s))",
            "machine%",
            "fax%",
        )
        return SQL(
            """
            SELECT c.id AS id,
                   c.id AS call_id,
                   c.date_start AS date,
                   c.user_id,
                   c.list_id,
                   c.caller_number_id,
                   c.company_id,
                   c.outcome,
                   c.voice_provider,
                   CASE WHEN %(attempt)s THEN 1 ELSE 0 END AS attempt_count,
                   CASE WHEN %(attempt)s AND %(connect)s THEN 1 ELSE 0 END
                       AS connect_count,
                   CASE WHEN NOT (%(attempt)s) THEN NULL
                        WHEN %(connect)s THEN 100.0 ELSE 0.0 END AS connect_rate,
                   COALESCE(c.talk_seconds, 0) AS talk_seconds,
                   COALESCE(c.talk_seconds, 0) / 60.0 AS talk_minutes,
                   CASE WHEN c.ring_date IS NOT NULL THEN c.ring_seconds END
                       AS ring_seconds
              FROM callflow_call c
            """,
            attempt=attempt,
            connect=connect,
        )

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                "CREATE OR REPLACE VIEW %s AS (%s)",
                SQL.identifier(self._table),
                self._query(),
            )
        )
