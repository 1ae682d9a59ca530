from odoo import fields, models


class CrmLead(models.Model):
    _name = "crm.lead"
    _inherit = ["crm.lead", "callflow.preference.mixin"]

    def init(self):
        res = super().init()
        self._callflow_index_digits()
        return res

    # The mixin's fields, with help that speaks of the lead.
    callflow_preference_count = fields.Integer(
        help="Contact preference events recorded for this lead's contact or numbers.",
    )
    callflow_provenance = fields.Char(
        help="Where and when each of the lead's numbers was obtained, from its "
        "first contact preference event.",
    )
