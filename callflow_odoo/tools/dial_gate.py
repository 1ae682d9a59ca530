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


# The gate's answer, in this order of precedence: a refusal the operator can
# do nothing about comes before one that may pass.
ORDER = (
    "caller_id",
    "ledger",
    "held",
    "cap_daily",
    "cap_gap",
    "list_gap",
    "window",
    "hours",
)


class GateRow(NamedTuple):
    """The row of the gate's statement (``dial_gate_sql.gate``)."""

    ledger: str | None  # the strongest ledger block, if any
    held_by: int | None  # the other operator holding the number
    caller_ok: bool
    daily_ok: bool
    gap_ok: bool
    list_gap_ok: bool
    window_ok: bool
    hours_ok: bool
    per_day: int
    gap_hours: float
    list_gap_hours: float
    days: str
    hour_from: float
    hour_to: float
    tz: str | None

    def first_refusal(self):
        """The code of the first rule (in ``ORDER``) that refuses, or None."""
        refused = {
            "caller_id": not self.caller_ok,
            "ledger": bool(self.ledger),
            "held": self.held_by is not None,
            "cap_daily": not self.daily_ok,
            "cap_gap": not self.gap_ok,
            "list_gap": not self.list_gap_ok,
            "window": not self.window_ok,
            "hours": not self.hours_ok,
        }
        return next((code for code in ORDER if refused[code]), None)
