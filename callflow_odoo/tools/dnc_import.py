"""Reading a do-not-call list brought from another system (CSV or XLSX).

Pure functions, no database: the import wizard hands them the file's bytes
and gets back rows sorted into valid, duplicate and invalid, each with the
reason.  Whatever the file holds, nothing here raises anything but
:class:`ImportFileError`, whose message is meant for the person importing.
"""

import csv
import datetime
import io
import re
import unicodedata
import zipfile

from .phone import EMPTY, try_parse_number

# Japanese files come from Excel as Shift-JIS (cp932, its Windows superset).
ENCODINGS = ("utf-8-sig", "cp932", "shift_jis")
MAX_ROWS = 200_000
# Header spellings people use, folded by :func:`_fold`.
COLUMNS = {
    "number": {
        "number",
        "phone",
        "phonenumber",
        "tel",
        "telephone",
        "mobile",
        "電話番号",
        "電話",
        "番号",
        "携帯",
        "携帯番号",
    },
    "channel": {"channel", "チャネル", "チャンネル", "媒体"},
    "scope": {"scope", "範囲", "対象"},
    "date": {"date", "日付", "日時", "登録日"},
    "source": {"source", "出典", "取得元", "ソース"},
    "note": {"note", "notes", "comment", "reason", "備考", "メモ", "理由"},
}
CHANNEL_VALUES = {
    "": "call",
    "call": "call",
    "calls": "call",
    "phone": "call",
    "電話": "call",
    "sms": "sms",
    "ショートメッセージ": "sms",
    "email": "email",
    "mail": "email",
    "メール": "email",
    "all": "all",
    "全て": "all",
    "すべて": "all",
}
SCOPE_VALUES = {
    "": "all",
    "all": "all",
    "全て": "all",
    "すべて": "all",
    "marketing": "marketing",
    "営業": "marketing",
}
DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y-%m-%d %H:%M:%S")


class ImportFileError(ValueError):
    """The file cannot be read at all; ``str(error)`` says why (English)."""


def _fold(text):
    text = unicodedata.normalize("NFKC", str(text or "")).strip().lower()
    return re.sub(r"[\s_\-\.]", "", text)


def read_table(content, filename=""):
    """``content`` (bytes) as a list of rows (lists of cells), header first.

    XLSX is recognised by its zip signature, anything else is read as CSV
    (comma, semicolon or tab separated) in UTF-8, else Shift-JIS.
    """
    if not content:
        raise ImportFileError("The file is empty.")
    if content[:2] == b"PK" or (filename or "").lower().endswith(".xlsx"):
        rows = _read_xlsx(content)
    else:
        rows = _read_csv(content)
    rows = [row for row in rows if any(_cell_text(c) for c in row)]
    if not rows:
        raise ImportFileError("The file has no rows.")
    if len(rows) > MAX_ROWS + 1:
        raise ImportFileError(f"The file has more than {MAX_ROWS} rows.")
    return rows


def _read_xlsx(content):
    try:
        import openpyxl
    except ImportError as exc:  # pragma: no cover - listed in requirements
        raise ImportFileError("Reading XLSX files needs openpyxl.") from exc
    try:
        book = openpyxl.load_workbook(
            io.BytesIO(content), read_only=True, data_only=True
        )
        sheet = book.worksheets[0]
        return [list(row) for row in sheet.iter_rows(values_only=True)]
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError, OSError) as exc:
        raise ImportFileError("The file is not a readable XLSX workbook.") from exc
    except Exception as exc:  # openpyxl raises many kinds on a broken file
        raise ImportFileError("The file is not a readable XLSX workbook.") from exc


def _read_csv(content):
    if b"\x00" in content[:4096]:
        raise ImportFileError(
            "The file is not a CSV text file (binary content); save it as CSV or XLSX."
        )
    for encoding in ENCODINGS:
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ImportFileError(
            "The file's text encoding is not UTF-8 or Shift-JIS; save it as UTF-8 CSV."
        )
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    try:
        return list(csv.reader(io.StringIO(text), dialect))
    except csv.Error as exc:
        raise ImportFileError(f"The CSV file cannot be read: {exc}.") from exc


def _cell_text(cell):
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    return str(cell).strip()


def find_columns(header):
    """``{column kind: index}`` from the header row; raises when there is no
    number column."""
    columns = {}
    for index, cell in enumerate(header):
        folded = _fold(_cell_text(cell))
        for kind, names in COLUMNS.items():
            if folded in names and kind not in columns:
                columns[kind] = index
    if "number" not in columns:
        raise ImportFileError(
            "No number column: the first row must name it (number, phone, "
            "tel or 電話番号)."
        )
    return columns


def _parse_date(cell, today):
    if isinstance(cell, datetime.datetime):
        value = cell
    elif isinstance(cell, datetime.date):
        value = datetime.datetime.combine(cell, datetime.time())
    else:
        text = unicodedata.normalize("NFKC", _cell_text(cell))
        if not text:
            return None, None
        for fmt in DATE_FORMATS:
            try:
                value = datetime.datetime.strptime(text, fmt)
                break
            except ValueError:
                continue
        else:
            return None, "date not understood"
    if value.date() > today:
        return None, "date in the future"
    return value, None


def sort_rows(rows, region=None, today=None):
    """Sort the data rows of a table (header first) into
    ``(valid, duplicates, invalid)``.

    Each valid row is a dict (``line``, ``number`` in E.164, ``channel``,
    ``scope``, ``date`` or None, ``source``, ``note``); duplicates and
    invalid rows are ``(line, text as written, reason)``.  A duplicate is a
    second row for the same number, channel and scope: the first is kept.
    ``line`` is the row's line in the file (header = 1).
    """
    today = today or datetime.date.today()
    columns = find_columns(rows[0])

    def cell(row, kind):
        index = columns.get(kind)
        return row[index] if index is not None and index < len(row) else None

    valid, duplicates, invalid, seen = [], [], [], set()
    for line, row in enumerate(rows[1:], start=2):
        raw = _cell_text(cell(row, "number"))
        e164, error = try_parse_number(raw, region) if raw else (False, EMPTY)
        if not e164:
            invalid.append((line, raw, error))
            continue
        channel = CHANNEL_VALUES.get(_fold(_cell_text(cell(row, "channel"))))
        if not channel:
            invalid.append((line, raw, "unknown channel"))
            continue
        scope = SCOPE_VALUES.get(_fold(_cell_text(cell(row, "scope"))))
        if not scope:
            invalid.append((line, raw, "unknown scope"))
            continue
        date, error = _parse_date(cell(row, "date"), today)
        if error:
            invalid.append((line, raw, error))
            continue
        key = (e164, channel, scope)
        if key in seen:
            duplicates.append((line, raw, "duplicate"))
            continue
        seen.add(key)
        valid.append(
            {
                "line": line,
                "number": e164,
                "channel": channel,
                "scope": scope,
                "date": date,
                "source": _cell_text(cell(row, "source"))[:200],
                "note": _cell_text(cell(row, "note"))[:500],
            }
        )
    return valid, duplicates, invalid


def read_file(content, filename="", region=None, today=None):
    """:func:`read_table` then :func:`sort_rows`."""
    return sort_rows(read_table(content, filename), region=region, today=today)
