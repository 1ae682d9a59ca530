import psycopg2.errors

from odoo import api, models
from odoo.sql_db import db_connect
from odoo.tools import SQL

from ..tools import dialer_sql
from .callflow_dialer import PICK_FAILURES


class CallflowDialerHold(models.AbstractModel):
    """One entry, and one number, held by one operator at a time: the
    hold a pick takes, without a failing statement when another operator
    got there first. Apart from the pick (``callflow.dialer``) because the
    concurrency it handles needs its own careful reading."""

    _name = "callflow.dialer.hold"
    _description = "Callflow dialer hold"

    @api.model
    def _init_one_hold_per_number(self):
        """One number is held by one operator at a time, whatever the list:
        a unique index on the held numbers. Unlike a check on the picker's
        snapshot, it sees holds that other transactions committed since, so
        two lists cannot ring one person at once. Holds taken twice before
        the index existed are given back first, the newest kept."""
        self.env.cr.execute(dialer_sql.one_hold_index_exists())
        if self.env.cr.fetchone():
            return
        self.env.cr.execute(dialer_sql.one_hold_index())

    @api.model
    def _try_hold(self, entry_id, now, number=None):
        """Hold the entry for ``env.user`` unless another transaction holds
        it or changed it since this one began.

        The number is held too, for every list: another transaction that is
        holding it right now has its advisory lock (the hold is passed over
        without waiting), and one that held it and committed since this one
        began is seen by ``_claim_current``; the unique index of held
        numbers stays the guarantee.
        """
        cr = self.env.cr
        if not self._claim_current(entry_id, number):
            return False
        try:
            cr.execute(
                dialer_sql.try_hold(self.env.uid, now, entry_id, number),
                log_exceptions=False,
            )
        except (
            psycopg2.errors.SerializationFailure,
            psycopg2.errors.UniqueViolation,
        ):
            # Only a writer that is not a pick (a manager, a cron) can get
            # here, between _claim_current and this statement.
            PICK_FAILURES["hold"] += 1
            cr.execute(SQL("ROLLBACK TO SAVEPOINT callflow_hold"))
            return False
        if not cr.fetchone():
            return False
        self.env["callflow.list.entry"].browse(entry_id).invalidate_recordset()
        return self.env["callflow.operator.state"]._on_hold(entry_id)

    def _claim_current(self, entry_id, number):
        """Whether the hold of the entry can be taken without a failing
        statement: it and its number are claimed, and nobody committed a
        change of the entry, or a hold of its number, since this
        transaction's snapshot.

        Under REPEATABLE READ, locking a row that another transaction
        changed since the snapshot fails ("could not serialize access"), an
        ERROR in PostgreSQL's log even when caught. So the entry and its
        number are first claimed with advisory locks, which every pick takes
        before holding: once claimed, no other pick can commit a hold of
        either until this transaction ends. Then a cursor of its own, on a
        fresh snapshot, reads the entry's last committed version: when it
        is the version this transaction sees (same ``ctid``), or the one
        this transaction itself replaced (its ``xmax`` is the ``xmin`` of
        ours), the hold sees the current row. A row this transaction
        created is not committed yet: nobody else can have changed it. The
        usual case needs no second cursor: when nobody locked or replaced
        the versions of the entry and of its number's other entries that
        this transaction sees, they are the current ones.
        """
        cr = self.env.cr
        cr.execute(dialer_sql.claim_hold(entry_id, number))
        row = cr.fetchone()
        if not (row and row[0]):
            return False
        _claimed, ctid, xmin, untouched = row
        if untouched:
            return True
        fresh = db_connect(cr.dbname).cursor()
        try:
            fresh.execute(dialer_sql.current_version(entry_id, number))
            current_ctid, current_xmax, held_elsewhere = fresh.fetchone()
        finally:
            fresh.close()
        if held_elsewhere:
            return False
        return current_ctid in (None, ctid) or current_xmax == xmin
