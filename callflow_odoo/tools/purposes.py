"""Why the company calls: shared by caller numbers, call lists and the
preference ledger (a refusal is recorded for one purpose)."""

PURPOSES = [
    ("sales", "Sales"),
    ("after_sales", "After-sales"),
    ("survey", "Survey"),
    ("payment_reminder", "Payment reminder"),
    ("other", "Other"),
]

# Purposes that solicit (marketing in the sense of an "all marketing" opt-out
# and of the Specified Commercial Transactions Act).  A payment reminder or an
# "other" service call is not marketing: an opt-out of all marketing does not
# stop it, an opt-out of all contact does.
MARKETING_PURPOSES = frozenset({"sales", "after_sales", "survey"})
