import base64
import csv
import io
from datetime import datetime, timedelta

from freezegun import freeze_time
from lxml import html as lxml_html

from odoo.tests import TransactionCase, tagged

from .common import MOBILE, TOKYO, CallflowCommon

T0 = datetime(2026, 11, 25, 3, 0)


@tagged("post_install", "-at_install")
class TestLedgerExport(CallflowCommon, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_dialer()
        cls.company.callflow_cap_enabled = False
        cls.Event = cls.env["callflow.preference.event"]
        cls.partner = cls.env["res.partner"].create(
            {
                "name": "Sato Ichiro",
                "mobile": "090-1234-5678",
                "country_id": cls.env.ref("base.jp").id,
            }
        )

    def record(self, number, action, source, when, **vals):
        with freeze_time(when):
            return self.Event._record(
                [
                    dict(
                        {
                            "number": number,
                            "channel": "call",
                            "scope": "all",
                            "action": action,
                            "source": source,
                        },
                        **vals,
                    )
                ]
            )

    def record_fair_opt_in(self, **vals):
        """The contact's number, imported from a trade fair list at ``T0``."""
        return self.record(
            MOBILE,
            "opt_in",
            "import",
            T0,
            partner_id=self.partner.id,
            reason="Trade fair list 2025",
            **vals,
        )

    def export(self, **vals):
        wizard = self.env["callflow.ledger.export"].with_user(self.manager).create(vals)
        action = wizard.action_export_csv()
        self.assertIn(f"id={wizard.id}", action["url"])
        text = base64.b64decode(wizard.data).decode("utf-8-sig")
        return list(csv.DictReader(io.StringIO(text)))

    def test_person_export_holds_exactly_the_ledger_rows(self):
        first = self.record_fair_opt_in(evidence="fair.csv row 12")
        later = self.record(
            MOBILE, "opt_out", "web", T0 + timedelta(days=3), evidence="GET /o/abc"
        )
        other = self.record(TOKYO, "dnc", "operator", T0)
        by_contact = self.export(partner_id=self.partner.id)
        self.assertEqual(
            [int(row["Event ID"]) for row in by_contact], (first | later).ids
        )
        self.assertEqual(
            [
                (row["Date (UTC)"], row["Source"], row["Action"], row["Evidence"])
                for row in by_contact
            ],
            [
                ("2026-11-25 03:00:00", "Import", "Opt-in", "fair.csv row 12"),
                ("2026-11-28 03:00:00", "Web page", "Opt-out", "GET /o/abc"),
            ],
        )
        by_number = self.export(number="090-1234-5678")
        self.assertEqual(by_number, by_contact)
        self.assertEqual(
            [int(row["Event ID"]) for row in self.export(number=TOKYO)], other.ids
        )

    def test_provenance_is_the_first_event(self):
        self.record_fair_opt_in()
        self.record(MOBILE, "opt_out", "web", T0 + timedelta(days=3))
        state = self.env["callflow.preference.state"].search([("number", "=", MOBILE)])
        self.assertEqual(state.provenance_source, "import")
        self.assertEqual(state.provenance_date, T0)
        self.assertEqual(state.provenance, "Import, 11/25/2026: Trade fair list 2025")
        self.assertIn("Import, 11/25/2026", self.partner.callflow_provenance)
        entry = self.make_entry(self.make_list(), MOBILE)
        self.assertEqual(entry.provenance, state.provenance)

    def test_audit_export_says_how_fast_each_opt_out_took_effect(self):
        call_list = self.make_list()
        entry = self.make_entry(call_list, MOBILE)
        self.make_entry(call_list, TOKYO)
        before = self.record(MOBILE, "opt_out", "web", T0 - timedelta(days=30))
        opt_out = self.record(MOBILE, "opt_out", "sms", T0, channel="all")
        unpicked = self.record(TOKYO, "dnc", "operator", T0 + timedelta(hours=1))
        self.record(MOBILE, "opt_in", "link", T0 - timedelta(days=10))
        with freeze_time(T0 + timedelta(minutes=7, seconds=30)):
            picked = self.pick(lists=call_list)
        self.assertFalse(picked, "both numbers blocked")
        self.assertEntryState(entry, "suppressed")
        rows = self.export(
            mode="audit", date_from=T0.date(), date_to=T0.date() + timedelta(days=1)
        )
        by_id = {
            int(row["Event ID"]): row
            for row in rows
            if row["Number"] in (MOBILE, TOKYO)
        }
        self.assertNotIn(before.id, by_id)
        self.assertEqual(set(by_id), {opt_out.id, unpicked.id})
        self.assertEqual(
            by_id[opt_out.id]["First blocked pick (UTC)"], "2026-11-25 03:07:30"
        )
        self.assertEqual(by_id[opt_out.id]["Took effect after"], "0:07:30")
        # The DNC came after its number's blocked pick: not measured by it.
        self.assertEqual(by_id[unpicked.id]["Took effect after"], "")

    def test_pdf_record_lists_the_same_rows(self):
        first = self.record(MOBILE, "opt_in", "import", T0, partner_id=self.partner.id)
        later = self.record(MOBILE, "opt_out", "web", T0 + timedelta(days=3))
        self.record(TOKYO, "dnc", "operator", T0)
        wizard = (
            self.env["callflow.ledger.export"]
            .with_user(self.manager)
            .create({"partner_id": self.partner.id})
        )
        action = wizard.action_export_pdf()
        self.assertEqual(
            action["report_name"], "callflow_odoo.callflow_ledger_export_document"
        )
        html, _type = (
            self.env["ir.actions.report"]
            .with_user(self.manager)
            ._render_qweb_html(action["report_name"], wizard.ids)
        )
        rows = lxml_html.fromstring(html).xpath("//tr[@data-event-id]")
        self.assertEqual(
            [int(row.get("data-event-id")) for row in rows], (first | later).ids
        )

    def test_typed_text_never_runs_as_a_spreadsheet_formula(self):
        self.record(
            MOBILE,
            "opt_out",
            "web",
            T0,
            partner_id=self.partner.id,
            reason='=HYPERLINK("http://evil.example","x")',
        )
        [row] = self.export(partner_id=self.partner.id)
        self.assertEqual(row["Reason"], '\'=HYPERLINK("http://evil.example","x")')
        self.assertEqual(row["Number"], MOBILE, "a phone number stays a number")
