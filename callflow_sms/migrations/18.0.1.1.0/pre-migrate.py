"""The SMS quiet hours take the names of the one representation of days and
hours (``callflow_odoo/tools/hours.py``): the system parameters
``callflow_sms.window_start``/``window_end`` become
``callflow_sms.window_from``/``window_to``, their values kept."""

RENAMES = [
    ("callflow_sms.window_start", "callflow_sms.window_from"),
    ("callflow_sms.window_end", "callflow_sms.window_to"),
]


def migrate(cr, version):
    if not version:
        return
    for old, new in RENAMES:
        cr.execute(
            """
            UPDATE ir_config_parameter SET key = %s
             WHERE key = %s
               AND NOT EXISTS (SELECT 1 FROM ir_config_parameter WHERE key = %s)
            """,
            (new, old, new),
        )
