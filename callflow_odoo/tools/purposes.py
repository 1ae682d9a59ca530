"""Why the company calls: shared by caller numbers, call lists and the
preference ledger (a refusal is recorded for one purpose)."""

PURPOSES = [
    ("sales", "Sales"),
    ("after_sales", "After-sales"),
    ("survey", "Survey"),
    ("payment_reminder", "Payment reminder"),
    ("other", "Other"),
]
