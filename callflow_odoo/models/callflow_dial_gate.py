from odoo import api, models

from ..tools.dial_gate import GateDecision


class CallflowDialGate(models.AbstractModel):
    """One server-side check for every call Callflow places: when the
    operator presses Call and again when the provider asks for the
    person's leg, since an opt-out may have arrived in between."""

    _name = "callflow.dial.gate"
    _description = "Callflow dial gate"

    @api.model
    def _check(self, number, user=None, caller_number=None, entry=None, purpose=None):
        """Return a :class:`GateDecision` for calling ``number`` (E.164)
        as ``user`` from ``caller_number`` (a ``callflow.caller.number``),
        for the list ``entry`` when the call comes from the dialer, else
        for ``purpose``. Interface stub: the checks are being built."""
        return GateDecision.allow()
