from odoo import models

from .res_users import OPERATOR_GROUP


class ResGroups(models.Model):
    _inherit = "res.groups"

    def write(self, vals):
        res = super().write(vals)
        # Users added from the group's side land on the dialer too, as when
        # the group is set on the user.
        operator = self.env.ref(OPERATOR_GROUP, raise_if_not_found=False)
        if "users" in vals and operator and operator in self | self.trans_implied_ids:
            self.users._callflow_set_operator_home()
        return res
