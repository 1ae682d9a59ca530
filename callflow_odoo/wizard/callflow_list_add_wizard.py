from odoo import api, fields, models
from odoo.exceptions import UserError

from ..models.callflow_list import SOURCE_MODELS


class CallflowListAddWizard(models.TransientModel):
    """ "Add to call list" from the lead or contact list views."""

    _name = "callflow.list.add.wizard"
    _description = "Add to Call List"

    source_model = fields.Selection(
        SOURCE_MODELS,
        required=True,
    )
    record_ids = fields.Json(required=True)
    record_count = fields.Integer(compute="_compute_record_count")
    list_id = fields.Many2one(
        "callflow.list",
        string="Call List",
        domain="[('source_model', '=', source_model), ('state', '!=', 'done')]",
        help="Leave empty to create a new draft list.",
    )
    new_list_name = fields.Char()

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        model = self.env.context.get("active_model")
        if model in dict(SOURCE_MODELS):
            values.setdefault("source_model", model)
            values.setdefault("record_ids", self.env.context.get("active_ids") or [])
        return values

    @api.depends("record_ids")
    def _compute_record_count(self):
        for wizard in self:
            wizard.record_count = len(wizard.record_ids or [])

    def action_add(self):
        self.ensure_one()
        call_list = self.list_id
        if not call_list:
            if not self.new_list_name:
                raise UserError(self.env._("Choose a call list or name a new one."))
            call_list = self.env["callflow.list"].create(
                {
                    "name": self.new_list_name,
                    "source_model": self.source_model,
                    "source_domain": repr([("id", "in", list(self.record_ids))]),
                }
            )
        elif call_list.source_model != self.source_model:
            raise UserError(
                self.env._(
                    "List %(list)s is built from another kind of record.",
                    list=call_list.name,
                )
            )
        added = call_list._build_entries(record_ids=self.record_ids or [])
        call_list.message_post(
            body=self.env._("%(count)s entries added by hand.", count=added)
        )
        return {
            "type": "ir.actions.act_window",
            "res_model": "callflow.list",
            "res_id": call_list.id,
            "view_mode": "form",
            "target": "current",
        }
