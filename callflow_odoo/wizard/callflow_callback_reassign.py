from odoo import api, fields, models


class CallflowCallbackReassign(models.TransientModel):
    """Give a due callback to another operator of its list (the Reassign
    button of the callback notification)."""

    _name = "callflow.callback.reassign"
    _description = "Reassign a callback"

    entry_id = fields.Many2one("callflow.list.entry", required=True, readonly=True)
    list_id = fields.Many2one(related="entry_id.list_id")
    operator_id = fields.Many2one(related="entry_id.operator_id", string="Now with")
    list_user_ids = fields.Many2many(related="entry_id.list_id.user_ids")
    user_id = fields.Many2one(
        "res.users",
        string="Call back by",
        required=True,
        domain="[('id', 'in', list_user_ids), ('id', '!=', operator_id)]",
    )

    @api.model
    def action_open(self, entry_id):
        """The dialog on ``entry_id`` (the web client's Reassign button)."""
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Reassign the callback"),
            "res_model": self._name,
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "context": {"default_entry_id": entry_id},
        }

    def action_reassign(self):
        self.ensure_one()
        self.env["callflow.callback"].reassign(self.entry_id.id, self.user_id.id)
        return {"type": "ir.actions.act_window_close"}
