"""What the dialer shows and records about the ledger, apart from the pick
code: where the number came from, and when the ledger first blocked a pick
(for the audit export)."""

from odoo import api, fields, models
from odoo.tools import SQL


class CallflowListEntry(models.Model):
    _inherit = "callflow.list.entry"

    provenance = fields.Char(
        string="Number obtained",
        compute="_compute_provenance",
        help="Where and when the number was obtained, from its first contact "
        "preference event.",
    )

    @api.depends("number")
    def _compute_provenance(self):
        found = self.env["callflow.preference.state"]._provenance(
            [n for n in self.mapped("number") if n]
        )
        for entry in self:
            first = found.get(entry.number)
            entry.provenance = first and first["label"]

    def _suppress(self, ids, reason):
        # Remember when the ledger first kept each number out of a pick: the
        # audit export measures how fast an opt-out took effect.
        result = super()._suppress(ids, reason)
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO callflow_preference_block
                       (number, entry_id, list_id, blocked_at)
                SELECT number, id, list_id, %(now)s
                  FROM callflow_list_entry
                 WHERE id = ANY(%(ids)s) AND state = 'suppressed'
                       AND number IS NOT NULL
                ON CONFLICT (entry_id) DO NOTHING
                """,
                ids=list(ids),
                now=fields.Datetime.now(),
            )
        )
        return result
