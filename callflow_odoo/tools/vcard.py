"""vCard text as phones import it: folding by octets, Apple's casing.

Pure functions, no database: ``callflow.directory`` builds the card with
vobject and hands its output to :func:`finish_vcard`.
"""

import base64
import re

from odoo.tools import image_process

# iCloud refuses cards over 256 KB and photos over 224 KB: keep the logo small.
VCARD_LOGO_MAX_BYTES = 48 * 1024
VCARD_LOGO_SIZES = (256, 160, 96)
# vCard lines are folded at 75 octets (RFC 2425 5.8.1), the continuation
# starts with one space.
VCARD_LINE_OCTETS = 75
# vobject upper-cases property names; Apple's importers write these in
# mixed case, which some older importers compare case-sensitively.
_APPLE_NAMES = {
    "X-ABLABEL": "X-ABLabel",
    "X-ABSHOWAS": "X-ABShowAs",
}
_APPLE_NAMES_RE = re.compile(
    r"^((?:[A-Za-z0-9-]+\.)?)(" + "|".join(_APPLE_NAMES) + r")([;:])", re.MULTILINE
)


def fold_vcard_line(line, limit=VCARD_LINE_OCTETS):
    """Fold one unfolded content line so no physical line exceeds ``limit``
    octets, never cutting inside a UTF-8 sequence (vobject counts characters,
    not octets, so a Japanese line would come out three times too long)."""
    if line.isascii():  # the base64 logo: one octet per character
        if len(line) <= limit:
            return [line]
        step = limit - 1
        return [line[:limit]] + [
            " " + line[i : i + step] for i in range(limit, len(line), step)
        ]
    if len(line.encode()) <= limit:
        return [line]
    parts = []
    current = []
    size = 0
    room = limit
    for char in line:
        width = len(char.encode())
        if size + width > room:
            parts.append("".join(current))
            current, size, room = [], 0, limit - 1  # continuation starts with " "
        current.append(char)
        size += width
    parts.append("".join(current))
    return [parts[0]] + [" " + part for part in parts[1:]]


def finish_vcard(text):
    """vobject's output → what phones import: Apple's property casing, lines
    folded at 75 octets, CRLF line ends, UTF-8 without BOM."""
    # vobject ends lines with CRLF and folds with CRLF + space; no value
    # holds a raw line break (they are escaped as \n), so unfolding is safe.
    unfolded = text.replace("\r\n ", "").replace("\r\n", "\n")
    unfolded = _APPLE_NAMES_RE.sub(
        lambda m: m.group(1) + _APPLE_NAMES[m.group(2)] + m.group(3), unfolded
    )
    lines = []
    for line in unfolded.split("\n"):
        if line:
            lines.extend(fold_vcard_line(line))
    return ("\r\n".join(lines) + "\r\n").encode()


def vcard_filename(company_name, purpose=None):
    """Download name of the card: the company name made safe for a file
    name, with the purpose when the card holds one purpose only."""
    base = re.sub(r"[^\w.-]+", "-", company_name or "numbers", flags=re.UNICODE)
    base = base.strip("-") or "numbers"
    return f"{base}-{purpose}.vcf" if purpose else f"{base}.vcf"


def vcard_logo(logo):
    """Base64 PNG/JPEG of the company logo small enough for any phone, with
    its type, or ``(None, None)``.

    ``logo`` is the company's ``logo_web``: already a stored 180 px PNG
    (read with the company row, no file access); fall back to smaller JPEGs
    if it is too heavy.
    """
    if not logo:
        return None, None
    if len(logo) <= VCARD_LOGO_MAX_BYTES:
        return logo.decode() if isinstance(logo, bytes) else logo, "PNG"
    raw = base64.b64decode(logo)
    for size in VCARD_LOGO_SIZES:
        small = base64.b64encode(
            image_process(raw, size=(size, size), quality=80, output_format="JPEG")
        )
        if len(small) <= VCARD_LOGO_MAX_BYTES:
            return small.decode(), "JPEG"
    return None, None
