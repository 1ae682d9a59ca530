"""The opt-out form as posted, checked value by value.  Pure Python: the
choices come from the models' selections; the messages are lazy, for the
caller to translate into the visitor's language (``env._``)."""

from odoo.tools import email_normalize
from odoo.tools.translate import LazyTranslate

from odoo.addons.callflow_odoo.tools.hours import ALL_DAYS, hours_error, parse_hour

# English when no language is asked for (str() outside a request).
_lt = LazyTranslate(__name__, default_lang="en_US")

# Strict lengths, checked on the server whatever the browser sends.
MAX_LENGTHS = {
    "email": 254,
    "times_note": 200,
    "reason_other": 200,
    "comments": 1000,
    "number_input": 64,
}


def validate_answer(post, answers, reasons):
    """Clean a posted form. Return ``(values, errors)``; never raises.

    ``answers`` and ``reasons`` are the selections the form offers;
    ``errors`` maps field names to lazy messages meant for the visitor.
    """
    errors = {}
    values = {}
    answer = post.get("answer") or ""
    if answer not in dict(answers):
        errors["answer"] = _lt("Please choose how we may contact you.")
    values["answer"] = answer
    reason = post.get("reason") or False
    if reason and reason not in dict(reasons):
        errors["reason"] = _lt("Please choose one of the reasons.")
    values["reason"] = reason
    for fname, limit in MAX_LENGTHS.items():
        value = post.get(fname)
        value = value.strip() if isinstance(value, str) else ""
        if len(value) > limit:
            errors[fname] = _lt(
                "Please keep this under %(limit)s characters.", limit=limit
            )
        values[fname] = value
    if values["email"]:
        normalized = email_normalize(values["email"], strict=True)
        if not normalized:
            errors["email"] = _lt("This does not look like an email address.")
        values["email"] = normalized or values["email"]
    values["times_days"] = "".join(
        day for day in ALL_DAYS if post.get(f"times_day_{day}")
    )
    values["times_from"] = parse_hour(post.get("times_from"))
    values["times_to"] = parse_hour(post.get("times_to"))
    if answer == "certain_times" and hours_error(
        values["times_days"], values["times_from"], values["times_to"]
    ):
        errors["times"] = _lt(
            "Please tell us which days and times suit you: at least one "
            "day, and a start time before the end time."
        )
    if answer != "certain_times":
        values.update(times_days="", times_from=None, times_to=None)
    return values, errors
