from odoo import api, fields, models
from odoo.exceptions import ValidationError

OPERATOR_GROUP = "callflow_odoo.group_callflow_operator"
MANAGER_GROUP = "callflow_odoo.group_callflow_manager"
OPERATOR_HOME = "callflow_odoo.callflow_action_operator_home"


class ResUsers(models.Model):
    _inherit = "res.users"

    callflow_ring_target = fields.Char(
        "Ring Me At",
        help="Where the voice provider rings you first when you press Call: "
        "a phone number (+81…), a SIP URI (sip:you@pbx.example.com) or a "
        "client identity (client:you).",
    )
    callflow_default_caller_number_id = fields.Many2one(
        "callflow.caller.number",
        string="Default Caller Number",
        groups=OPERATOR_GROUP,
        domain="[('is_published', '=', True), ('is_retired', '=', False),"
        " '|', ('user_ids', '=', False), ('user_ids', 'in', [id])]",
        help="The published number your calls show when you click a phone "
        "number outside the dialer (with a voice provider set). Only "
        "published, in-service numbers that name you, or name nobody, can "
        "be chosen.",
    )

    callflow_pbx_extension = fields.Char(
        "PBX Extension",
        index="btree_not_null",
        help="Your extension on the company's phone system: a PBX that "
        "reports an incoming call for this extension (PBX API) pops the "
        "caller on your screen.",
    )

    @property
    def SELF_READABLE_FIELDS(self):
        return super().SELF_READABLE_FIELDS + [
            "callflow_ring_target",
            "callflow_default_caller_number_id",
            "callflow_pbx_extension",
        ]

    @property
    def SELF_WRITEABLE_FIELDS(self):
        return super().SELF_WRITEABLE_FIELDS + [
            "callflow_ring_target",
            "callflow_default_caller_number_id",
            "callflow_pbx_extension",
        ]

    @api.constrains("callflow_default_caller_number_id")
    def _check_callflow_default_caller_number(self):
        """Only a number the user may call from (the dial gate refuses the
        others anyway): a clear message when it is chosen, not at the call."""
        for user in self:
            number = user.callflow_default_caller_number_id.sudo()
            if number and not (
                number.is_published
                and not number.is_retired
                and (not number.user_ids or user in number.user_ids)
            ):
                raise ValidationError(
                    self.env._(
                        "%(number)s is not a published, in-service number "
                        "%(user)s may call from.",
                        number=number.display_name,
                        user=user.name,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        users = super().create(vals_list)
        users._callflow_set_operator_home()
        return users

    def write(self, vals):
        res = super().write(vals)
        # The user form sends groups as reified fields (in_group_*, sel_groups_*).
        group_keys = ("groups_id", "in_group_", "sel_groups_")
        if any(key.startswith(group_keys) for key in vals):
            self._callflow_set_operator_home()
        return res

    def _callflow_set_operator_home(self):
        """Operators land on the dialer instead of Discuss: give the ones
        without a home action the operator's home. Managers (who are
        operators too) and users who chose a home keep theirs."""
        operator = self.env.ref(OPERATOR_GROUP, raise_if_not_found=False)
        manager = self.env.ref(MANAGER_GROUP, raise_if_not_found=False)
        home = self.env.ref(OPERATOR_HOME, raise_if_not_found=False)
        if not (operator and manager and home):
            return
        users = self.filtered(
            lambda u: (
                not u.action_id
                and not u.share
                and operator in u.groups_id
                and manager not in u.groups_id
            )
        )
        if users:
            users.write({"action_id": home.id})
