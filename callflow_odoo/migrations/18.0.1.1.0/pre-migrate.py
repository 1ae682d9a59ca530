"""``callflow.call.duration`` becomes ``handling_time``.

The figure always measured minutes from the pick to the logged result, not
the talk time, and was shown as hours. Renaming the column, the field and its
XML id keeps the figures and whatever refers to the field (saved filters,
exports, translations of its label)."""

from odoo.tools.sql import column_exists


def migrate(cr, version):
    if not version or not column_exists(cr, "callflow_call", "duration"):
        return
    if column_exists(cr, "callflow_call", "handling_time"):
        return
    cr.execute("ALTER TABLE callflow_call RENAME COLUMN duration TO handling_time")
    cr.execute(
        """
        UPDATE ir_model_fields SET name = 'handling_time'
         WHERE model = 'callflow.call' AND name = 'duration'
        """
    )
    cr.execute(
        """
        UPDATE ir_model_data SET name = 'field_callflow_call__handling_time'
         WHERE module = 'callflow_odoo' AND model = 'ir.model.fields'
           AND name = 'field_callflow_call__duration'
        """
    )
