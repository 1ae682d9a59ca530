from odoo import api, fields, models
from odoo.tools import SQL

from ..tools import dialer_sql
from ..tools.preference_events import SELF_SOURCES


class CallflowNumberConfirmation(models.Model):
    """The person confirmed that a number is still theirs (the re-confirmation
    page, an SMS reply): it makes the number fresh again without saying
    anything about being contacted, so it lives outside the preference
    ledger (an opt-in there would lift blocks). The entries of numbers
    nobody confirmed recently are held back here too (``_refresh_staleness``):
    confirmations are what makes them fresh again."""

    _name = "callflow.number.confirmation"
    _description = "Number confirmation"
    _order = "confirmed_date desc, id desc"
    _rec_name = "number"

    number = fields.Char(required=True, index=True, readonly=True)
    partner_id = fields.Many2one(
        "res.partner", string="Contact", readonly=True, ondelete="set null"
    )
    confirmed_date = fields.Datetime(
        required=True, readonly=True, default=fields.Datetime.now
    )
    source = fields.Selection(
        [("link", "Personal link"), ("sms", "SMS reply")],
        required=True,
        readonly=True,
    )
    evidence = fields.Text(readonly=True)

    @api.model
    def _confirm(self, vals_list):
        """Record confirmations and put the numbers' stale entries back in
        their queues. Trusted server code only (checked link or webhook)."""
        # sudo: users read confirmations only; the page and the webhook
        # record them after checking the link or the signature.
        records = self.sudo().create(vals_list)
        self._refresh_staleness(numbers=set(records.mapped("number")))
        return records

    # ------------------------------------------------------------------
    # Stale numbers: entries whose number nobody confirmed recently
    # ------------------------------------------------------------------
    @api.model
    def _confirmation_sources(self):
        """Ledger sources whose opt-in confirms a number: the person's own
        (see ``SELF_SOURCES``) and a registration."""
        return sorted(SELF_SOURCES | {"event"})

    @api.model
    def _refresh_staleness(self, list_ids=None, numbers=None):
        """Hold back (suppress, with the reason) the open entries whose number
        was last confirmed before their list's limit, and put back in the
        queue the stale ones confirmed since: one statement.

        The last confirmation is the latest of: a call logged as connected
        (``answered``), an opt-in from the person or a registration, a
        re-confirmation (``callflow.number.confirmation``). A number never
        confirmed counts from its first appearance: the creation of the lead
        or contact it came from (else of the entry), so a fresh lead is not
        stale, and a years-old one that was never reached is. Computed here
        (at build, by the daily cron, on a confirmation) rather than at each
        pick, which stays a plain ``state`` filter.
        """
        self.env.flush_all()
        where = [SQL("TRUE")]
        if list_ids is not None:
            where.append(SQL("e.list_id = ANY(%s)", list(list_ids)))
        if numbers is not None:
            where.append(SQL("e.number = ANY(%s)", list(numbers)))
        reason = self.env._("stale: last confirmed %(month)s", month="{month}")
        # The plan's cost on a big list triggers PostgreSQL's JIT, which
        # takes seconds to compile what runs in a fraction of one.
        self.env.cr.execute(SQL("SET LOCAL jit = off"))
        self.env.cr.execute(
            dialer_sql.refresh_staleness(
                SQL(" AND ").join(where),
                self._confirmation_sources(),
                fields.Datetime.now(),
                reason,
            )
        )
        count = self.env.cr.rowcount
        self.env.cr.execute(SQL("SET LOCAL jit TO DEFAULT"))
        self.env["callflow.list.entry"].invalidate_model()
        return count
