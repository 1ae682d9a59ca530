"""Values several models, SQL queries and addons share: defined here once."""

# The states of a call-list entry (its ``state`` field).
ENTRY_STATES = [
    ("pending", "Pending"),
    ("in_call", "In Call"),
    ("callback_due", "Callback"),
    ("done", "Done"),
    ("suppressed", "Suppressed"),
    ("invalid", "Invalid"),
]
# Call-list entries still to be worked: the dialer hands them out (a stale
# hold too).  Literal in the SQL of the pick and of its partial index.
OPEN_STATES = ("pending", "callback_due", "in_call")
# Open entries nobody holds: waiting for their call.
WAITING_STATES = ("pending", "callback_due")
