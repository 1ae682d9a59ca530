"""Complaints (callflow.complaint): the shared texts and the one-line summary.

Pure functions, no database: the models and the dialer's SQL use them.
"""

# Longest reason quoted in a one-line complaint summary.
REASON_MAX = 80

# The help of the lists' complaint fields: skip_complaints,
# skip_complaint_days (callflow.list).
SKIP_HELP = (
    (
        "Don't call people with a complaint on record (contact, lead or "
        "number) logged within the days below. A complaint is no opt-out: "
        "other lists still call them, and this one again once the days have "
        "passed."
    ),
    (
        "How many days after a complaint this list does not call the person; "
        "0: the list does not skip anybody."
    ),
)


def short_reason(reason, limit=REASON_MAX):
    """``reason`` on one line, cut at ``limit`` characters ("…" added)."""
    text = " ".join((reason or "").split())
    return text if len(text) <= limit else text[:limit].rstrip() + "…"
