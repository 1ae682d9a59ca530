"""What a contact preference event may say, and the pure rules that make
its values consistent before it is recorded (no database: see
``callflow.preference.event._prepare_event_vals``)."""

from odoo.fields import Datetime
from odoo.tools import LazyTranslate

from .hours import clean_days, hours_error

_lt = LazyTranslate("callflow_odoo")

CHANNELS = [
    ("call", "Phone calls"),
    ("sms", "SMS"),
    ("email", "Email"),
    ("all", "All channels"),
]
SCOPES = [
    ("all", "All contact"),
    ("marketing", "All marketing"),
    ("purpose", "One purpose"),
]
ACTIONS = [
    ("opt_in", "Opt-in"),
    ("opt_out", "Opt-out"),
    ("refusal", "Refusal"),
    ("dnc", "Do not call"),
    ("obsolete", "Number obsolete"),
    ("hours", "Preferred call hours"),
]

SOURCES = [
    ("web", "Web page"),
    ("sms", "SMS keyword"),
    ("operator", "Operator during a call"),
    ("import", "Import"),
    ("website_form", "Website form"),
    ("manual", "Manual entry"),
    ("link", "Personal link"),
    ("sms_code", "Code sent by SMS"),
    ("reconfirm", "No reply to a re-confirmation"),
    ("event", "Event registration"),
]
# Sources that prove the person controls the number: their personal link
# (``link``, sent to that number), an SMS from the number itself (``sms``, the
# signed provider webhook) and a one-time code sent by SMS to the number
# (``sms_code``); plus ``manual``, a manager's documented correction.  Only an
# opt-in from one of these lifts an opt-out, a refusal, a do-not-call or an
# obsolete number.  Anyone can type a number on the page without a link
# (``web``) or the contact form (``website_form``), and operators and imports
# speak for someone else: their opt-ins are recorded but lift nothing.
SELF_SOURCES = frozenset({"link", "sms", "sms_code", "manual"})


def whole_second(value):
    """``value`` (datetime or string) to the whole second, like the default
    event date: an answer's date taken from create_date (microseconds) must
    not outrank an SMS recorded a moment later; within a second the id
    orders."""
    return Datetime.to_datetime(value).replace(microsecond=0)


def consistent_vals(vals):
    """Make the channel, scope, purpose and hours of ``vals`` (changed in
    place and returned) agree with its action: an obsolete number is about
    every channel and all contact, a do-not-call about all contact,
    preferred hours about calls whatever the purpose; only preferred hours
    keep hours, only a one-purpose scope keeps its purpose."""
    action = vals.get("action")
    if action == "obsolete":
        vals.update(channel="all", scope="all")
    elif action == "dnc":
        vals["scope"] = "all"
    elif action == "hours":
        vals.update(channel="call", scope="all")
        vals["hours_days"] = clean_days(vals.get("hours_days")) or False
    if action != "hours":
        vals.update(hours_days=False, hours_from=0.0, hours_to=0.0)
    if (vals.get("scope") or "all") != "purpose":
        vals["purpose"] = False
    return vals


# What :func:`vals_error` codes say to people (translate with ``env._``).
VALS_ERROR_MESSAGES = {
    "hours": _lt(
        "Preferred call hours need at least one day and a "
        "start before the end, between 00:00 and 24:00."
    ),
    "purpose": _lt("Choose the purpose the preference is about."),
}


def vals_error(vals):
    """Why consistent ``vals`` cannot be recorded: ``"hours"`` (preferred
    hours without a day or with a start not before the end),
    ``"purpose"`` (one-purpose scope without a purpose), else ``None``."""
    if vals.get("hours_days") and hours_error(
        vals["hours_days"], vals.get("hours_from"), vals.get("hours_to")
    ):
        return "hours"
    if (vals.get("scope") or "all") == "purpose" and not vals.get("purpose"):
        return "purpose"
    return None
