"""Webhook signatures, in one place for every provider callback Callflow
accepts (SMS gateways, voice providers). Pure: no Odoo import.

- Twilio-compatible: ``X-Twilio-Signature`` is base64(HMAC-SHA1(auth token,
  full URL + each POST parameter name and value, sorted by name)).
- Generic gateways: ``X-Callflow-Signature`` is the hex HMAC-SHA256 of
  ``"<X-Callflow-Timestamp>.<raw body>"``; the timestamp (Unix seconds) must
  be within 5 minutes of our clock.
"""

import base64
import hashlib
import hmac
import time

SIGNATURE_WINDOW = 300


def twilio_signature(url, params, auth_token):
    """X-Twilio-Signature: base64(HMAC-SHA1(url + sorted key/values))."""
    data = url + "".join(f"{k}{params[k]}" for k in sorted(params))
    digest = hmac.new(auth_token.encode(), data.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def verify_twilio_signature(url, params, auth_token, signature):
    """True when ``signature`` is Twilio's signature of this request."""
    if not (auth_token and signature and signature.isascii()):
        return False
    return hmac.compare_digest(twilio_signature(url, params, auth_token), signature)


def sign_webhook(secret, timestamp, body):
    """The signature a generic gateway sends with ``body`` at ``timestamp``."""
    data = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), data, hashlib.sha256).hexdigest()


def verify_webhook(secret, body, timestamp, signature, now=None):
    """``None`` when the request is authentic and fresh, else the reason."""
    if not (secret and signature and timestamp):
        return "missing signature or timestamp"
    if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12):
        return "malformed timestamp"
    if abs((time.time() if now is None else now) - int(timestamp)) > SIGNATURE_WINDOW:
        return "timestamp outside the 5-minute window"
    signature = signature.strip().removeprefix("sha256=").lower()
    if not signature.isascii():
        return "invalid signature"
    if not hmac.compare_digest(sign_webhook(secret, timestamp, body), signature):
        return "invalid signature"
    return None
