from odoo import models


class CallflowListEntry(models.Model):
    """The operator becomes available again (live board) once their entry
    is logged or given back."""

    _inherit = "callflow.list.entry"

    def _register_attempt(self, result=None, outcome=None, callback_at=None):
        holders = self._board_holders()
        res = super()._register_attempt(
            result=result, outcome=outcome, callback_at=callback_at
        )
        self._board_available(holders)
        return res

    def _release(self, skip=False):
        holders = self._board_holders(held_only=True)
        res = super()._release(skip=skip)
        self._board_available(holders)
        return res

    def _board_holders(self, held_only=False):
        """``{(user, company)}`` of the operators working these entries: who
        holds each, else (a result logged) who logs it."""
        holders = set()
        for entry in self:
            held = entry.state == "in_call" and entry.held_by_id
            user = held or (not held_only and self.env.user)
            if user and not user._is_superuser():
                holders.add((user, entry.company_id))
        return holders

    def _board_available(self, holders):
        State = self.env["callflow.operator.state"]
        for user, company in holders:
            State._set(user, company, "available")
