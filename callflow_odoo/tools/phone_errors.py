"""Words for people: what each :class:`~.phone.PhoneParseError` code says.

The parser speaks in codes (``phone.PARSE_ERROR_CODES``); every screen, error
and report that tells a person why a number was refused translates the code
here, so a message is written, and translated, once.
"""

from odoo.tools import LazyTranslate

from . import phone

_lt = LazyTranslate("callflow_odoo")

PARSE_ERROR_MESSAGES = {
    phone.EMPTY: _lt("No phone number"),
    phone.NOT_A_NUMBER: _lt("Not a phone number"),
    phone.TOO_LONG: _lt("Not a phone number: too long"),
    phone.NO_COUNTRY: _lt("No country: the number needs a country code (+…)"),
    phone.INVALID: _lt("Not a valid number"),
}


def parse_error_message(env, code):
    """The message for a parse error ``code`` in ``env``'s language."""
    return env._(PARSE_ERROR_MESSAGES.get(code, PARSE_ERROR_MESSAGES[phone.INVALID]))
