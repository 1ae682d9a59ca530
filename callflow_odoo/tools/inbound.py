"""Inbound calls through a Twilio-compatible provider: the routing stages
and their TwiML.

Pure Python (no ORM), tested without a database. A call rings in stages,
each a ``<Dial>`` whose ``action`` asks Callflow for the next stage when
nobody answered: the operator who last spoke to the person, then the list's
operators, then the fallback number or group, then the voicemail.
"""

from xml.sax.saxutils import escape, quoteattr

from .voice import _response, _say

# Routing stages, in the order a call lives them.
STAGE_LAST, STAGE_LIST, STAGE_FALLBACK, STAGE_VOICEMAIL = range(4)
# Phones rung at once in one stage.
MAX_SIMULTANEOUS = 5
# Seconds each stage rings before the next one.
STAGE_TIMEOUT = 20
# Seconds of voicemail message.
VOICEMAIL_MAX_LENGTH = 120
# <Dial action> DialCallStatus: somebody took the call.
ANSWERED_DIAL_STATUS = ("completed", "answered", "in-progress")
# Events of the rung legs Callflow hears (who answers, when it ends).
LEG_EVENTS = "answered completed"

# What providers put in ``From`` when the caller hides their number
# (Twilio's placeholders: +266696687 "anonymous", +7378742833 "restricted",
# +2562533 "blocked", +8656696 "unavailable").
HIDDEN_CALLERS = {
    "+266696687",
    "+7378742833",
    "+2562533",
    "+8656696",
    "anonymous",
    "restricted",
    "blocked",
    "unavailable",
    "unknown",
    "private",
}


def caller_of(from_number):
    """The caller's number as the webhook gives it, or ``anonymous`` when
    they hide it: a placeholder is nobody to look up or call back."""
    number = (from_number or "").strip()
    if not number or number.lower() in HIDDEN_CALLERS:
        return "anonymous"
    return number


def ring_noun(target, status_url=None):
    """The TwiML noun that rings ``target``, as an operator's "Ring me at"
    is written (see ``callflow.voice._ring_target``): ``sip:…`` is a
    ``<Sip>``, ``client:name`` a ``<Client>``, anything else a
    ``<Number>``. ``status_url`` hears the leg's answer and end."""
    target = (target or "").strip()
    if not target:
        return ""
    attrs = ""
    if status_url:
        attrs = (
            f" statusCallback={quoteattr(status_url)}"
            f' statusCallbackEvent="{LEG_EVENTS}"'
        )
    lowered = target.lower()
    if lowered.startswith("sip:"):
        return f"<Sip{attrs}>{escape(target)}</Sip>"
    if lowered.startswith("client:"):
        return f"<Client{attrs}>{escape(target[len('client:') :])}</Client>"
    return f"<Number{attrs}>{escape(target)}</Number>"


def ring_list(candidates, exclude=(), limit=MAX_SIMULTANEOUS):
    """``candidates``: ``(user id or 0, target)`` in order of preference;
    the first ``limit`` with a target, each target once, without the users
    in ``exclude`` (already rung)."""
    seen, picked = set(), []
    for user_id, target in candidates:
        target = (target or "").strip()
        key = target.lower()
        if not target or key in seen or (user_id and user_id in exclude):
            continue
        seen.add(key)
        picked.append((user_id, target))
        if len(picked) >= limit:
            break
    return picked


def next_stage(stages, start):
    """The first stage from ``start`` that rings somebody: ``(stage,
    rung)``, or ``(STAGE_VOICEMAIL, [])``. ``stages``: stage -> rung."""
    for stage in range(start, STAGE_VOICEMAIL):
        if stages.get(stage):
            return stage, stages[stage]
    return STAGE_VOICEMAIL, []


def twiml_ring(rung, caller_id, timeout, action_url, status_url_of):
    """One stage: ring ``rung`` (``(user id, target)``) at once for
    ``timeout`` seconds, showing ``caller_id``; ``action_url`` runs when the
    dial ends (answered or not); ``status_url_of(user id)`` is each leg's
    status callback, so Callflow knows who answered."""
    nouns = "".join(ring_noun(target, status_url_of(uid)) for uid, target in rung)
    caller = f" callerId={quoteattr(caller_id)}" if caller_id else ""
    return _response(
        f"<Dial{caller} timeout={quoteattr(str(int(timeout)))}"
        f" action={quoteattr(action_url)}>{nouns}</Dial>"
    )


def twiml_voicemail(greeting, language, action_url, recording_url):
    """The greeting, then the message recorded after the beep (at most
    ``VOICEMAIL_MAX_LENGTH`` seconds); the recording lands on
    ``recording_url``, ``action_url`` runs when the caller is done."""
    return _response(
        _say(greeting, language),
        f'<Record maxLength="{VOICEMAIL_MAX_LENGTH}" playBeep="true"'
        f" action={quoteattr(action_url)}"
        f" recordingStatusCallback={quoteattr(recording_url)}"
        ' recordingStatusCallbackEvent="completed"/>',
        "<Hangup/>",
    )


def twiml_hangup():
    return _response("<Hangup/>")


def caller_id_of(number):
    """What the operators' phones show: the caller's own number when it is
    one (E.164), else nothing (the provider shows the line's)."""
    return number if (number or "").startswith("+") else ""
