"""SMS segment counter (GSM 03.38 vs UCS-2), pure Python.

GSM-7: 160 characters in one SMS, 153 per part when concatenated; characters of
the extension table (€ ^ { } [ ] ~ \\ |, form feed) take two. Any other
character (Japanese, emoji, …) switches the whole message to UCS-2: 70
characters, 67 per part, counted in UTF-16 code units (an emoji takes two).
"""

GSM7_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = set("^{}\\[~]|€\f")

OPTOUT_PLACEHOLDER = "{optout_link}"


def count_segments(text, link_length=0):
    """Return a dict: encoding (gsm7/ucs2), chars (units used), segments,
    chars_left (in the last segment), per_segment.

    ``link_length``: if the text contains ``{optout_link}``, it is counted as
    that many (GSM-7) characters instead of its own 13.
    """
    text = text or ""
    extra = 0
    if link_length and OPTOUT_PLACEHOLDER in text:
        n = text.count(OPTOUT_PLACEHOLDER)
        text = text.replace(OPTOUT_PLACEHOLDER, "")
        extra = n * link_length
    if all(c in GSM7_BASIC or c in GSM7_EXTENSION for c in text):
        encoding, single, multi = "gsm7", 160, 153
        units = sum(2 if c in GSM7_EXTENSION else 1 for c in text) + extra
    else:
        encoding, single, multi = "ucs2", 70, 67
        units = len(text.encode("utf-16-le")) // 2 + extra
    if units <= single:
        segments = 1 if units else 0
        per_segment = single
        chars_left = single - units
    else:
        per_segment = multi
        segments = -(-units // multi)
        chars_left = segments * multi - units
    return {
        "encoding": encoding,
        "chars": units,
        "segments": segments,
        "chars_left": chars_left,
        "per_segment": per_segment,
    }
