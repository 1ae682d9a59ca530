"""A call list's calling window takes the one representation of days and
hours (``tools/hours.py``): ``window_days`` ("12345") replaces the seven
stored day booleans and their computed comma-separated copy
``window_weekdays``; ``window_start``/``window_end`` become
``window_from``/``window_to``.

Renaming the columns, the fields and their XML ids keeps the hours and
whatever refers to the fields (saved filters, exports, translations of the
labels); the days are copied from the booleans before the booleans, now
computed from ``window_days``, lose their columns."""

from odoo.tools import SQL
from odoo.tools.sql import column_exists

WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
RENAMES = [("window_start", "window_from"), ("window_end", "window_to")]


def _rename_field(cr, old, new):
    cr.execute(
        SQL(
            "ALTER TABLE callflow_list RENAME COLUMN %s TO %s",
            SQL.identifier(old),
            SQL.identifier(new),
        )
    )
    cr.execute(
        """
        UPDATE ir_model_fields SET name = %s
         WHERE model = 'callflow.list' AND name = %s
        """,
        (new, old),
    )
    cr.execute(
        """
        UPDATE ir_model_data SET name = %s
         WHERE module = 'callflow_odoo' AND model = 'ir.model.fields'
           AND name = %s
        """,
        (f"field_callflow_list__{new}", f"field_callflow_list__{old}"),
    )


def _days_from_booleans(cr):
    cr.execute("ALTER TABLE callflow_list ADD COLUMN window_days varchar")
    digits = SQL(" || ").join(
        SQL("CASE WHEN %s THEN %s ELSE '' END", SQL.identifier(f"window_{day}"), str(n))
        for n, day in enumerate(WEEKDAYS, start=1)
    )
    cr.execute(SQL("UPDATE callflow_list SET window_days = %s", digits))
    for day in WEEKDAYS:
        cr.execute(
            SQL(
                "ALTER TABLE callflow_list DROP COLUMN %s",
                SQL.identifier(f"window_{day}"),
            )
        )
    cr.execute("ALTER TABLE callflow_list DROP COLUMN IF EXISTS window_weekdays")


def migrate(cr, version):
    if not version or not column_exists(cr, "callflow_list", "window_start"):
        return
    for old, new in RENAMES:
        if not column_exists(cr, "callflow_list", new):
            _rename_field(cr, old, new)
    if not column_exists(cr, "callflow_list", "window_days"):
        _days_from_booleans(cr)
