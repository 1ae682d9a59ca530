from odoo import fields, models


class CallflowPreferenceBlock(models.Model):
    """A dialer pick the ledger refused: the entry was suppressed then.

    Written in SQL by the dialer (``callflow.dialer._suppress``), one row
    per suppressed entry; the audit export reads it to show how fast each
    opt-out took effect (event time → first blocked pick).
    """

    _name = "callflow.preference.block"
    _description = "Pick blocked by a contact preference"
    _order = "blocked_at desc, id desc"
    _rec_name = "number"
    _log_access = False

    number = fields.Char(required=True, index=True, readonly=True)
    entry_id = fields.Many2one("callflow.list.entry", readonly=True, ondelete="cascade")
    list_id = fields.Many2one("callflow.list", readonly=True, ondelete="cascade")
    blocked_at = fields.Datetime(
        string="Blocked at", required=True, readonly=True, index=True
    )

    _sql_constraints = (
        ("entry_unique", "UNIQUE(entry_id)", "One blocked pick per entry."),
    )
