"""Issue #15: importing an existing do-not-call list into the ledger."""

import base64

from odoo.exceptions import UserError
from odoo.tests import TransactionCase, new_test_user, tagged

CSV = (
    "電話番号,channel,scope,date,source,note\n"
    "090-2222-0001,call,all,2024-03-01,Old CRM,asked by letter\n"
    "090-2222-0002,all,,,,\n"
    "090-2222-0003,call,marketing,,,\n"
    "090-2222-0001,call,all,,,\n"
    "12345,call,all,,,\n"
    "not a number,call,all,,,\n"
)


@tagged("post_install", "-at_install")
class TestPreferenceImport(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.company.country_id = cls.env.ref("base.jp")
        cls.manager = new_test_user(
            cls.env,
            "cf_import_manager",
            groups="base.group_user,callflow_odoo.group_callflow_manager",
        )

    def wizard(self, content, filename="old_system_dnc.csv"):
        return (
            self.env["callflow.preference.import"]
            .with_user(self.manager)
            .create({"file": base64.b64encode(content), "filename": filename})
        )

    def test_preview_then_import(self):
        wizard = self.wizard(CSV.encode("cp932"))
        wizard.action_preview()
        self.assertEqual(
            (wizard.valid_count, wizard.duplicate_count, wizard.invalid_count),
            (3, 1, 2),
        )
        self.assertIn("Not a valid number", wizard.preview)
        self.assertIn("Not a phone number", wizard.preview)
        self.assertIn("Duplicate of an earlier row", wizard.preview)
        self.assertFalse(
            self.env["callflow.preference.event"].search_count(
                [("source", "=", "import")]
            ),
            "the preview records nothing",
        )
        wizard.action_import()
        self.assertEqual(wizard.step, "done")
        self.assertEqual(wizard.imported_count, 3)
        events = self.env["callflow.preference.event"].search(
            [("source", "=", "import")], order="number"
        )
        self.assertEqual(
            [(e.number, e.action, e.channel, e.scope) for e in events],
            [
                ("+819022220001", "dnc", "call", "all"),
                ("+819022220002", "dnc", "all", "all"),
                ("+819022220003", "opt_out", "call", "marketing"),
            ],
        )
        first = events[0]
        self.assertIn("old_system_dnc.csv", first.evidence)
        self.assertIn("Old CRM", first.evidence)
        self.assertEqual(first.reason, "asked by letter")
        self.assertEqual(str(first.event_date.date()), "2024-03-01")
        self.assertEqual(first.user_id, self.manager)
        State = self.env["callflow.preference.state"]
        blocked = State._check_numbers(
            ["+819022220001", "+819022220002", "+819022220003"], "call", "sales"
        )
        self.assertEqual(
            blocked,
            {
                "+819022220001": "dnc",
                "+819022220002": "dnc",
                "+819022220003": "opt_out",
            },
        )

    def test_garbage_files_give_a_clear_error(self):
        for content, message in (
            (b"", "empty"),
            (b"\x00\x9c\xff garbage" * 100, "not a CSV"),
            (b"name,email\nSato,sato@example.com\n", "No number column"),
            (b"PK\x03\x04broken", "XLSX"),
        ):
            with self.subTest(message=message):
                wizard = self.wizard(content)
                with self.assertRaisesRegex(UserError, message):
                    wizard.action_preview()
        wizard = self.wizard(b"number\nhello\n")
        wizard.action_preview()
        self.assertEqual(wizard.invalid_count, 1)
        with self.assertRaisesRegex(UserError, "no valid row"):
            wizard.action_import()
