"""The dial gate's decision, shared by the gate, the voice providers and
the TwiML endpoint. Pure: no Odoo import."""

from typing import NamedTuple

# Refusal codes: stable for machines (tests, logs, provider replies);
# the gate translates each into a message for the operator.
ALLOWED = "allowed"
REFUSAL_CODES = (
    "ledger",  # the person said no to calls (or to this purpose)
    "cap_daily",  # company cap: calls per day reached
    "cap_gap",  # company cap: minimum gap between calls
    "list_gap",  # the list's gap between attempts
    "window",  # outside the calling window, in the person's time
    "hours",  # outside the hours the person asked to be called at
    "held",  # another operator holds the number
    "caller_id",  # the caller ID is not a published number this user may use
    "invalid_number",  # the number cannot be dialled
)


class GateDecision(NamedTuple):
    """``allowed`` and, when refused, a machine ``code`` (one of
    ``REFUSAL_CODES``) and a translated ``message`` for the operator."""

    allowed: bool
    code: str = ALLOWED
    message: str = ""

    @classmethod
    def allow(cls):
        return cls(True)

    @classmethod
    def refuse(cls, code, message):
        if code not in REFUSAL_CODES:
            raise ValueError(f"unknown refusal code {code!r}")
        return cls(False, code, message)
