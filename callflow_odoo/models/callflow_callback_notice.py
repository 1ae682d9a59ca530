from odoo import fields, models


class CallflowCallbackNotice(models.Model):
    """When the operator of a callback was told it is due, and when its
    manager is to be told (the operator was offline). One row per entry,
    written by the callbacks cron in one statement (``callflow.callback``);
    apart from the entry so that the dialer's table keeps its own fields."""

    _name = "callflow.callback.notice"
    _description = "Callback notice"
    _log_access = False

    entry_id = fields.Many2one(
        "callflow.list.entry", required=True, ondelete="cascade", readonly=True
    )
    notified_at = fields.Datetime(
        string="Operator Told At",
        readonly=True,
        help="When the operator was told the callback is due; told again "
        "when the callback time moves past it (snoozed, logged anew).",
    )
    escalate_at = fields.Datetime(
        string="Manager Told At",
        readonly=True,
        index="btree_not_null",
        help="The operator was offline when the callback fell due: the "
        "list's manager hears of it at this time unless it was made, "
        "snoozed or reassigned by then.",
    )

    _sql_constraints = [
        ("entry_unique", "UNIQUE(entry_id)", "One notice per callback entry."),
    ]
