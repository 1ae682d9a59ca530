"""Reading do-not-call files: pure functions, no database."""

import datetime
import io

import openpyxl

from odoo.tests import BaseCase

from odoo.addons.callflow_odoo.tools.dnc_import import (
    ImportFileError,
    read_file,
    read_table,
)

TODAY = datetime.date(2026, 12, 1)


def xlsx(rows):
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


class TestDncImportTools(BaseCase):
    def test_csv_rows_are_sorted_with_reasons(self):
        content = (
            b"number,channel,scope,date,source,note\n"
            b"090-1234-5678,call,all,2024-03-01,Old CRM,asked by letter\n"
            b"+81 90 1234 5678,call,all,,,\n"
            b"090-1234-5678,sms,,,,\n"
            b"12,call,all,,,\n"
            b"hello,call,all,,,\n"
            b"03-1234-5678,fax,all,,,\n"
            b"03-1234-5679,call,all,2030-01-01,,\n"
            b"03-1234-5670,call,all,yesterday,,\n"
            b",call,,,,\n"
        )
        valid, duplicates, invalid = read_file(content, "dnc.csv", "JP", TODAY)
        self.assertEqual(
            [(r["line"], r["number"], r["channel"]) for r in valid],
            [(2, "+819012345678", "call"), (4, "+819012345678", "sms")],
        )
        self.assertEqual(valid[0]["date"], datetime.datetime(2024, 3, 1))
        self.assertEqual(valid[0]["source"], "Old CRM")
        self.assertEqual(valid[0]["note"], "asked by letter")
        self.assertEqual(duplicates, [(3, "+81 90 1234 5678", "duplicate")])
        self.assertEqual(
            invalid,
            [
                (5, "12", "invalid"),
                (6, "hello", "not_a_number"),
                (7, "03-1234-5678", "unknown channel"),
                (8, "03-1234-5679", "date in the future"),
                (9, "03-1234-5670", "date not understood"),
                (10, "", "empty"),
            ],
        )

    def test_japanese_shift_jis_csv_with_semicolons(self):
        content = "電話番号;備考\n０９０－１２３４－５６７８;本人より電話\n".encode(
            "cp932"
        )
        valid, duplicates, invalid = read_file(content, "dnc.csv", "JP", TODAY)
        self.assertEqual(valid[0]["number"], "+819012345678")
        self.assertEqual(valid[0]["note"], "本人より電話")
        self.assertEqual(valid[0]["channel"], "call")
        self.assertFalse(duplicates or invalid)

    def test_utf8_bom_and_xlsx(self):
        content = "\ufeffPhone\n03-1234-5678\n".encode()
        self.assertEqual(
            read_file(content, "a.csv", "JP", TODAY)[0][0]["number"], "+81312345678"
        )
        book = xlsx([["Number", "Date"], [312345678, datetime.datetime(2025, 1, 2)]])
        valid, _dup, invalid = read_file(book, "a.xlsx", "JP", TODAY)
        self.assertFalse(invalid)
        self.assertEqual(valid[0]["number"], "+81312345678")
        self.assertEqual(valid[0]["date"], datetime.datetime(2025, 1, 2))

    def test_garbage_gives_a_clear_error(self):
        cases = {
            b"": "empty",
            b"\n\n  \n": "no rows",
            b"\x00\x01\x02garbage\xff" * 50: "binary",
            b"PK\x03\x04 not really a zip": "XLSX",
            b"name,email\nSato,sato@example.com\n": "No number column",
            "名前\n佐藤\n".encode("utf-16"): "binary",
            b"\x81\x00": "binary",
            b"number\n\xff\xfe\xfa\n": "encoding",
        }
        for content, message in cases.items():
            with (
                self.subTest(content=content[:20]),
                self.assertRaisesRegex(ImportFileError, message),
            ):
                read_file(content, "x.csv", "JP", TODAY)
        with self.assertRaisesRegex(ImportFileError, "XLSX"):
            read_table(b"not a workbook", "x.xlsx")
