"""Operators who were operators before the upgrade land on the dialer too,
as those made operators afterwards do (``res.users._callflow_set_operator_home``)."""

from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    operators = env.ref("callflow_odoo.group_callflow_operator").users
    operators._callflow_set_operator_home()
