"""The PBX API (``/callflow/api/v1/...``): key format, hashing and request
parsing. Pure: no Odoo import, so the rules are testable without a server.

A key is ``cfk_<8 hex>.<43 url-safe characters>``: the part before the dot
is its public id (indexed, in logs and in the HMAC scheme's
``X-Callflow-Key-Id``), the whole key is the secret. Callflow keeps only
the key's SHA-256: a bearer key is checked against it; the HMAC scheme
signs with it (the client computes it from its key; the key itself is
never stored).
"""

import hashlib
import hmac
import json
import re
import secrets

KEY_PREFIX = "cfk_"
KEY_ID_RE = re.compile(r"^cfk_[0-9a-f]{8}$")
KEY_RE = re.compile(r"^(cfk_[0-9a-f]{8})\.[A-Za-z0-9_-]{43}$")
# A PBX's event is a few hundred bytes of JSON.
MAX_BODY = 16 * 1024
EVENTS = ("ringing", "answered", "missed", "ended")
CALL_ID_RE = re.compile(r"^[\w.:@-]{1,64}$")
EXTENSION_RE = re.compile(r"^[\w.@+-]{1,64}$")
NUMBER_MAX = 64
DEFAULT_LIMIT = 120


class ApiError(ValueError):
    """A request the API refuses: ``status`` and a message for the PBX."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status
        self.message = message


def new_key():
    """A fresh ``(key id, full key)``."""
    key_id = KEY_PREFIX + secrets.token_hex(4)
    return key_id, f"{key_id}.{secrets.token_urlsafe(32)}"


def key_hash(key):
    """What Callflow stores of a key (hex SHA-256), also the HMAC key."""
    return hashlib.sha256(key.encode()).hexdigest()


def bearer_key(authorization):
    """``(key id, key)`` of an ``Authorization: Bearer <key>`` header, or
    None when the header is not a well-formed Callflow key."""
    scheme, _sep, token = (authorization or "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token.isascii():
        return None
    match = KEY_RE.match(token)
    return (match.group(1), token) if match else None


def check_bearer(key, stored_hash):
    """True when ``key`` hashes to ``stored_hash`` (constant time)."""
    return bool(stored_hash) and hmac.compare_digest(key_hash(key), stored_hash)


def valid_key_id(key_id):
    return bool(key_id) and key_id.isascii() and bool(KEY_ID_RE.match(key_id))


def _text(payload, name, max_size=NUMBER_MAX, required=False):
    value = payload.get(name)
    if value is None or value == "":
        if required:
            raise ApiError(400, f"'{name}' is required")
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise ApiError(400, f"'{name}' must be a string")
    value = value.strip()
    if not value or len(value) > max_size:
        raise ApiError(400, f"'{name}' must be 1 to {max_size} characters")
    return value


def parse_inbound(body):
    """The inbound event of a PBX from its JSON ``body`` (bytes): a dict
    ``{caller, called, extension, operator, call_id, event, duration}``;
    ApiError (400/413) with a clear message otherwise. Whether the
    operator may be left out depends on the key (a user's key: its user)."""
    if len(body) > MAX_BODY:
        raise ApiError(413, f"body over {MAX_BODY} bytes")
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise ApiError(400, "body is not valid JSON") from None
    if not isinstance(payload, dict):
        raise ApiError(400, "body must be a JSON object")
    event = _text(payload, "event") or "ringing"
    if event not in EVENTS:
        raise ApiError(400, f"'event' must be one of {', '.join(EVENTS)}")
    call_id = _text(payload, "call_id")
    if call_id is not None and not CALL_ID_RE.match(call_id):
        raise ApiError(400, "'call_id' must be up to 64 letters, digits or ._:@-")
    parsed = {
        "caller": _text(payload, "caller", required=True),
        "called": _text(payload, "called", required=True),
        "extension": _text(payload, "extension"),
        "operator": _text(payload, "operator"),
        "call_id": call_id,
        "event": event,
        "duration": payload.get("duration"),
    }
    for name in ("extension", "operator"):
        if parsed[name] is not None and not EXTENSION_RE.match(parsed[name]):
            raise ApiError(400, f"'{name}' has characters a login never has")
    duration = parsed["duration"]
    if duration is not None and not (
        isinstance(duration, int)
        and not isinstance(duration, bool)
        and 0 <= duration <= 86400
    ):
        raise ApiError(400, "'duration' must be seconds (0 to 86400)")
    return parsed


def parse_number_query(value):
    """The ``number`` query parameter of a lookup, or ApiError 400."""
    if not value or not value.strip():
        raise ApiError(400, "'number' is required")
    if len(value) > NUMBER_MAX:
        raise ApiError(400, f"'number' must be up to {NUMBER_MAX} characters")
    return value.strip()
