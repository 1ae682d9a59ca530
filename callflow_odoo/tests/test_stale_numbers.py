"""Issue #15: numbers go stale, and a number obsolete for a contact is
retired everywhere."""

from datetime import timedelta

from odoo import fields
from odoo.exceptions import ValidationError
from odoo.tests import TransactionCase, new_test_user, tagged
from odoo.tools import SQL

from .common import CallflowCommon

OLD = "+819011112001"
CALLED = "+819011112002"
NEW = "+819011112003"
LINKED = "+819011112004"
OPERATOR_OPT_IN = "+819011112005"


@tagged("post_install", "-at_install")
class TestStaleNumbers(CallflowCommon, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_dialer()
        cls.company.callflow_stale_months = 24
        Lead = cls.env["crm.lead"]
        cls.leads = {
            number: Lead.create({"name": f"Lead {number}", "phone": number})
            for number in (OLD, CALLED, NEW, LINKED, OPERATOR_OPT_IN)
        }
        old = [cls.leads[n].id for n in (OLD, CALLED, LINKED, OPERATOR_OPT_IN)]
        cls.env.flush_all()
        cls.env.cr.execute(
            SQL(
                "UPDATE crm_lead SET create_date = '2023-05-10 09:00'"
                " WHERE id = ANY(%s)",
                old,
            )
        )
        cls.env["crm.lead"].invalidate_model()
        now = fields.Datetime.now()
        # A conversation two months ago confirms CALLED.
        cls.env["callflow.call"].create(
            {
                "dialed_number": CALLED,
                "outcome": "answered",
                "date_start": now - timedelta(days=60),
                "company_id": cls.company.id,
            }
        )
        Event = cls.env["callflow.preference.event"]
        # The person's own opt-in (their link) confirms LINKED; an
        # operator's opt-in speaks for someone else and confirms nothing.
        Event._record(
            [
                {
                    "number": LINKED,
                    "channel": "call",
                    "action": "opt_in",
                    "source": "link",
                },
                {
                    "number": OPERATOR_OPT_IN,
                    "channel": "call",
                    "action": "opt_in",
                    "source": "operator",
                },
            ]
        )
        cls.call_list = cls.make_list(
            source_model="crm.lead",
            source_domain=str([("id", "in", [lead.id for lead in cls.leads.values()])]),
        )

    def entry(self, number):
        return self.Entry.search(
            [("list_id", "=", self.call_list.id), ("number", "=", number)]
        )

    def test_build_holds_stale_numbers_back(self):
        action = self.call_list.action_build()
        self.assertIn("2 held back as stale", action["params"]["message"])
        for number in (OLD, OPERATOR_OPT_IN):
            entry = self.entry(number)
            self.assertEqual(entry.state, "suppressed", number)
            self.assertTrue(entry.is_stale)
            self.assertEqual(entry.state_reason, "stale: last confirmed 2023-05")
        for number in (CALLED, NEW, LINKED):
            self.assertEqual(self.entry(number).state, "pending", number)
            self.assertFalse(self.entry(number).is_stale)
        stale = self.Entry.search(
            [("list_id", "=", self.call_list.id), ("is_stale", "=", True)]
        )
        self.assertEqual(set(stale.mapped("number")), {OLD, OPERATOR_OPT_IN})
        picked = set()
        while entry := self.pick(lists=self.call_list):
            picked.add(entry.number)
            entry.with_user(self.operator)._release()
            entry._dialer_write({"state": "done"})
        self.assertEqual(picked, {CALLED, NEW, LINKED})

    def test_list_setting_overrides_the_company(self):
        self.call_list.stale_months = 120
        self.call_list.action_build()
        self.assertEntryState(self.entry(OLD), "pending")
        self.call_list.stale_months = 0  # the company's 24 months again
        self.Entry._cron_refresh_staleness()
        self.assertEntryState(self.entry(OLD), "suppressed")
        self.company.callflow_stale_months = 0  # never stale
        self.Entry._cron_refresh_staleness()
        self.assertEntryState(self.entry(OLD), "pending")
        self.assertFalse(self.entry(OLD).state_reason)

    def test_a_confirmation_makes_the_number_fresh(self):
        self.call_list.action_build()
        self.env["callflow.number.confirmation"]._confirm(
            [{"number": OLD, "source": "link"}]
        )
        entry = self.entry(OLD)
        self.assertEntryState(entry, "pending")
        self.assertFalse(entry.is_stale)
        self.assertFalse(entry.state_reason)
        self.assertEqual(self.pick(lists=self.call_list).number, OLD)


@tagged("post_install", "-at_install")
class TestLeftTheCompany(CallflowCommon, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_dialer()
        cls.partner = cls.env["res.partner"].create(
            {
                "name": "Suzuki",
                "phone": "090-1111-3001",
                "mobile": "090-1111-3002",
                "country_id": cls.env.ref("base.jp").id,
            }
        )
        cls.leads = cls.env["crm.lead"].create(
            [
                {"name": "Suzuki 1", "partner_id": cls.partner.id},
                {"name": "Suzuki 2", "partner_id": cls.partner.id},
            ]
        )
        cls.leads.write({"phone": "090-1111-3001"})
        cls.list_a = cls.make_list("List A")
        cls.list_b = cls.make_list("List B", purpose="payment_reminder")
        cls.entry_a = cls.make_entry(
            cls.list_a, "+819011113001", partner_id=cls.partner.id
        )
        cls.entry_b = cls.make_entry(
            cls.list_b, "+819011113001", partner_id=cls.partner.id
        )
        cls.result = cls.env.ref("callflow_odoo.call_result_obsolete")

    def test_left_the_company_retires_the_number_everywhere(self):
        entry = self.pick(lists=self.list_a)
        self.assertEqual(entry, self.entry_a)
        self.env["callflow.call"].with_user(self.operator)._log_call(
            entry.with_user(self.operator), "answered", self.result
        )
        self.assertEntryState(self.entry_b, "suppressed")
        self.assertIn("obsolete", self.entry_b.state_reason.lower())
        self.assertFalse(self.partner.phone, "moved to the former numbers")
        self.assertEqual(self.partner.mobile, "090-1111-3002", "other number kept")
        self.assertEqual(
            self.partner.callflow_former_number_ids.mapped("number"),
            ["+819011113001"],
        )
        self.assertEqual(self.leads.mapped("phone"), [False, False])
        with self.assertRaises(ValidationError):
            self.partner.write({"phone": "０９０－１１１１－３００１"})
        # Other numbers are still welcome.
        self.partner.write({"phone": "03-1111-3003"})

    def test_salesperson_without_callflow_rights_edits_phones(self):
        """A salesperson who has no Callflow rights (and Odoo's own lead
        merge) changes a contact's phone as before; a former number typed
        back is still refused."""
        seller = new_test_user(
            self.env, login="cf_plain_seller", groups="sales_team.group_sale_manager"
        )
        partner = self.env["res.partner"].create(
            {"name": "Kato Jiro", "phone": "+81 90-1111-2222"}
        )
        self.env["callflow.former.number"].create(
            {"partner_id": partner.id, "number": "+819033334444"}
        )
        self.env.invalidate_all()  # read as the salesperson, not from cache
        partner.with_user(seller).write({"phone": "+81 90-5555-6666"})
        self.assertEqual(partner.phone, "+81 90-5555-6666")
        self.env.invalidate_all()
        with self.assertRaises(ValidationError):
            partner.with_user(seller).write({"phone": "090-3333-4444"})
