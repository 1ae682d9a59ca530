"""CSV of ledger rows: plain text in, bytes out (no ORM here)."""

import csv
import io
import re

# A cell a spreadsheet would run as a formula (text people typed: a note, a
# reason); a plain number such as an E.164 phone number is left as it is.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?$")


def safe_cell(value):
    """The value, with a leading apostrophe when it would start a formula."""
    if value in (None, False):
        return ""
    if (
        isinstance(value, str)
        and value.startswith(FORMULA_START)
        and not PLAIN_NUMBER.match(value)
    ):
        return "'" + value
    return value


def rows_to_csv(header, rows):
    """UTF-8 CSV with a byte-order mark, so that spreadsheet programs (Excel
    in Japan first) open Japanese text correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([safe_cell(value) for value in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def format_delay(seconds):
    """A delay in seconds as ``H:MM:SS`` (days spelled out when longer)."""
    if seconds is None:
        return ""
    seconds = max(round(seconds), 0)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    text = f"{hours}:{minutes:02d}:{secs:02d}"
    return f"{days}d {text}" if days else text
