"""The personal opt-out link: its path and its length, defined once.

The model issues links with it, the SMS counter and template check count with
it, and the web client gets the resulting length from the server (session
info) instead of a second copy of the rule.
"""

import base64

# 16 random bytes = 128 bits: a short link that fits in an SMS.
TOKEN_BYTES = 16
# Length of such a token in base64url without padding: 22 characters.
TOKEN_LENGTH = len(base64.urlsafe_b64encode(bytes(TOKEN_BYTES)).rstrip(b"="))
# Path of a link: "<base url>/o/<token>".
OPTOUT_PATH = "/o/"


def optout_url(base_url, raw_token):
    """The link of ``raw_token``: absolute from a base URL, a path from ""."""
    return f"{base_url}{OPTOUT_PATH}{raw_token}"


def link_length(base_url):
    """Characters a personal link takes in a message sent from ``base_url``."""
    return len(optout_url(base_url, "x" * TOKEN_LENGTH))
