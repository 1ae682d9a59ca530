from datetime import timedelta

from lxml import etree

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import TransactionCase, new_test_user, tagged
from odoo.tools.safe_eval import safe_eval

from .common import MOBILE, CallflowCommon, log_call

REASON = "Shouted about being called again after saying no"


@tagged("post_install", "-at_install")
class TestComplaintLogged(CallflowCommon, TransactionCase):
    """A complaint result records who was upset and why, on the contact and
    its leads, and the operator sees it before dialling again."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_lead_list()
        cls.complaint = cls.env.ref("callflow_odoo.call_result_complaint")
        # The lead with a contact is called first.
        cls.call_list.entry_ids.filtered(lambda e: e.lead_id == cls.lead).priority = "3"

    def _pick(self):
        entry = self.env["callflow.dialer"].with_user(self.operator)._pick_next()
        self.assertEqual(entry.lead_id, self.lead)
        return entry.with_env(self.env)

    def _day(self, date, user):
        return fields.Datetime.context_timestamp(
            self.env(user=user)["res.partner"], date
        ).strftime("%Y-%m-%d")

    def test_complaint_result_records_who_when_and_why(self):
        self.assertEqual(self.complaint.with_context(lang="en_US").name, "Complaint")
        self.assertFalse(self.partner._callflow_complaint_text())
        entry = self._pick()
        log_call(self.env, self.operator, entry, self.complaint, note=REASON)
        call = self.env["callflow.call"].search([("entry_id", "=", entry.id)])
        self.assertTrue(call.is_complaint)
        complaint = self.env["callflow.complaint"].search([("call_id", "=", call.id)])
        self.assertEqual(len(complaint), 1)
        self.assertEqual(complaint.partner_id, self.partner)
        self.assertEqual(complaint.lead_id, self.lead)
        self.assertEqual(complaint.user_id, self.operator)
        self.assertEqual(complaint.reason, REASON)
        self.assertEqual(complaint.number, entry.number)
        self.assertLess(fields.Datetime.now() - complaint.date, timedelta(minutes=1))
        # The contact, its lead and its company show it.
        day = self._day(complaint.date, self.env.user)
        for record in (self.partner, self.lead):
            self.assertEqual(record.callflow_complaint_count, 1, record)
            self.assertEqual(record.callflow_last_complaint_date, complaint.date)
            self.assertEqual(
                record.callflow_complaint_warning,
                f"Complaint on record: {day} – {REASON}",
            )
        company = self.env["res.partner"].create({"name": "Yamada K.K."})
        self.partner.parent_id = company
        self.assertEqual(company.callflow_complaint_count, 1)
        # The one line of the inbound screen pop.
        self.assertEqual(
            self.partner._callflow_complaint_text(), f"Complaint on {day}: {REASON}"
        )
        # A salesperson without Callflow rights sees the warning too, in red
        # above the contact's and the lead's buttons.
        sales = new_test_user(
            self.env, "cf_complaint_sales", groups="sales_team.group_sale_salesman"
        )
        self.assertIn(REASON, self.partner.with_user(sales).callflow_complaint_warning)
        for model in ("res.partner", "crm.lead"):
            arch = etree.fromstring(
                self.env[model].with_user(sales).get_view(view_type="form")["arch"]
            )
            self.assertTrue(
                arch.xpath(
                    "//div[contains(@class, 'alert-danger')]"
                    "[field[@name='callflow_complaint_warning']]"
                    "/following-sibling::div[@name='button_box']"
                ),
                model,
            )
        # Resolved: archived, no longer shown.
        complaint.active = False
        self.assertFalse(self.partner.callflow_complaint_warning)
        self.assertEqual(self.partner._callflow_complaint_text(), "")

    def test_operator_sees_the_complaint_before_dialling(self):
        entry = self._pick()
        log_call(self.env, self.operator, entry, self.complaint, note=REASON)
        # The same person on another list: the dialer shows the warning.
        other = self.call_list.copy({"name": "Winter campaign"})
        other_entry = self.env["callflow.list.entry"].create(
            {
                "list_id": other.id,
                "lead_id": self.lead.id,
                "number": entry.number,
                "name": "Yamada",
            }
        )
        warning = other_entry.with_user(self.operator).callflow_complaint_warning
        self.assertIn("Complaint on record:", warning)
        self.assertIn(REASON, warning)
        view = self.env.ref("callflow_odoo.callflow_list_entry_view_form_dialer")
        arch = etree.fromstring(
            self.env["callflow.list.entry"]
            .with_user(self.operator)
            .get_view(view.id, "form")["arch"]
        )
        self.assertTrue(
            arch.xpath(
                "//sheet/div[contains(@class, 'alert-danger')]"
                "/field[@name='callflow_complaint_warning']"
            )
        )
        # The other lead of the company's contact shows it as well.
        self.assertFalse(self.lead2.callflow_complaint_warning)
        self.lead2.partner_id = self.partner
        self.assertIn(REASON, self.lead2.callflow_complaint_warning)

    def test_complaint_needs_a_note(self):
        entry = self._pick()
        for note in (None, "  \n "):
            with self.assertRaisesRegex(UserError, "A complaint needs a note"):
                log_call(self.env, self.operator, entry, self.complaint, note=note)
        Complaint = self.env["callflow.complaint"]
        self.assertFalse(Complaint.search([("partner_id", "=", self.partner.id)]))
        self.assertEntryState(entry, "in_call")
        self.assertFalse(
            self.env["callflow.call"].search([("entry_id", "=", entry.id)])
        )

    def test_complaint_is_no_opt_out(self):
        Event = self.env["callflow.preference.event"]
        events = Event.search_count([])
        entry = self._pick()
        log_call(self.env, self.operator, entry, self.complaint, note=REASON)
        self.assertEqual(Event.search_count([]), events, "the ledger is untouched")
        self.assertNotBlocked(entry.number)
        self.assertFalse(self.partner.callflow_preference_warning)

    def test_report_filter_counts_complaints(self):
        Call = self.env["callflow.call"]
        vals = {
            "list_id": self.call_list.id,
            "user_id": self.operator.id,
            "dialed_number": "+819011110001",
            "outcome": "answered",
        }
        Call.create(
            [
                dict(vals, result_id=self.complaint.id, note=REASON),
                dict(vals, result_id=self.complaint.id, note=REASON),
                dict(vals, result_id=self.result["interested"].id),
            ]
        )
        view = self.env.ref("callflow_odoo.callflow_call_view_search")
        arch = etree.fromstring(Call.get_view(view.id, "search")["arch"])
        domain = safe_eval(arch.xpath("//filter[@name='complaints']")[0].get("domain"))
        scope = [("list_id", "=", self.call_list.id)]
        self.assertEqual(Call.search_count(scope + domain), 2)
        group_by = safe_eval(
            arch.xpath("//filter[@name='group_complaint']")[0].get("context")
        )["group_by"]
        counts = dict(Call._read_group(scope, [group_by], ["__count"]))
        self.assertEqual(counts, {True: 2, False: 1})
        # A company marks its own result as a complaint: the report follows.
        self.result["interested"].is_complaint = True
        self.assertEqual(Call.search_count(scope + domain), 3)

    def test_operator_of_another_company_cannot_read_it(self):
        entry = self._pick()
        log_call(self.env, self.operator, entry, self.complaint, note=REASON)
        complaint = self.env["callflow.complaint"].search(
            [("partner_id", "=", self.partner.id)]
        )
        other_company = self.env["res.company"].create({"name": "Other K.K."})
        stranger = new_test_user(
            self.env,
            "cf_complaint_stranger",
            groups="base.group_user,callflow_odoo.group_callflow_operator",
            company_id=other_company.id,
            company_ids=[(6, 0, other_company.ids)],
        )
        Complaint = self.env["callflow.complaint"].with_user(stranger)
        self.assertFalse(Complaint.search([]))
        with self.assertRaises(AccessError):
            Complaint.browse(complaint.id).read(["reason"])
        self.assertFalse(self.partner.with_user(stranger).callflow_complaint_warning)
        self.assertEqual(
            self.partner.with_user(stranger)._callflow_complaint_text(), ""
        )
        # Operators of the company read it, but only managers change it.
        mine = complaint.with_user(self.other_operator)
        self.assertEqual(mine.reason, REASON)
        with self.assertRaises(AccessError):
            mine.write({"reason": "Nothing happened"})


@tagged("post_install", "-at_install")
class TestComplaintSkip(CallflowCommon, TransactionCase):
    """Lists may skip people with a recent complaint; set-based, in the
    dialer's SQL."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_dialer()
        cls.company.callflow_cap_enabled = False
        cls.person = cls.env["res.partner"].create(
            {"name": "Kato Ren", "mobile": MOBILE}
        )
        cls.call_list = cls.make_list(skip_complaints=True)
        cls.entry = cls.make_entry(cls.call_list, MOBILE, partner_id=cls.person.id)
        cls.complaint = cls.env["callflow.complaint"].create(
            {
                "partner_id": cls.person.id,
                "user_id": cls.operator2.id,
                "date": fields.Datetime.now() - timedelta(days=10),
                "reason": REASON,
            }
        )

    def assertPicked(self, picked):
        entry = self.pick(lists=self.call_list)
        self.assertEqual(entry, self.entry if picked else self.Entry)
        entry._release()

    def test_days_default_to_90_and_the_option_is_off_by_default(self):
        fresh = self.env["callflow.list"].create({"name": "Defaults"})
        self.assertFalse(fresh.skip_complaints)
        self.assertEqual(fresh.skip_complaint_days, 90)

    def test_lists_that_did_not_choose_still_call_them(self):
        """A list created without the option (and the lists from before it)
        call as before."""
        self.call_list.action_done()
        other = self.make_list("Default list")
        entry = self.make_entry(other, MOBILE, partner_id=self.person.id)
        self.assertEqual(self.pick(lists=other), entry)
        self.assertFalse(entry.blocked_reason)

    def test_recent_complaint_skipped_with_its_reason(self):
        self.assertPicked(False)
        self.assertEqual(self.entry.blocked_reason, "Complaint within 90 days")
        self.assertIn(self.entry, self.Entry.search([("blocked_reason", "!=", False)]))
        # Past the list's days: called again.
        self.call_list.skip_complaint_days = 5
        self.entry.invalidate_recordset(["blocked_reason"])
        self.assertFalse(self.entry.blocked_reason)
        self.assertPicked(True)
        # 0 days, the option off, or the complaint resolved: called.
        self.call_list.skip_complaint_days = 0
        self.assertPicked(True)
        self.call_list.write({"skip_complaint_days": 90, "skip_complaints": False})
        self.assertPicked(True)
        self.call_list.skip_complaints = True
        self.assertPicked(False)
        self.complaint.active = False
        self.assertPicked(True)

    def test_complaint_on_the_number_or_the_lead_contact_is_skipped(self):
        self.entry.partner_id = False
        self.complaint.write({"partner_id": False, "number": MOBILE})
        self.assertPicked(False)
        # A lead of the person, on another number: the lead's contact.
        self.complaint.write({"partner_id": self.person.id, "number": False})
        lead = self.env["crm.lead"].create(
            {"name": "Kato – desks", "partner_id": self.person.id}
        )
        self.entry.write({"lead_id": lead.id, "number": "+819087654321"})
        self.assertPicked(False)
        # Another company's complaint does not count.
        self.complaint.company_id = self.env["res.company"].create({"name": "B K.K."})
        self.assertPicked(True)

    def test_screen_pop_shows_the_complaint_but_no_block(self):
        """The person rings back: the pop says they complained, in one line,
        and that they are not blocked (a complaint is no opt-out)."""
        Inbound = self.env["callflow.inbound"]
        call = Inbound._receive(MOBILE, self.caller_number, provider="http", sid="c1")
        payload = Inbound._pop_payload(call)
        day = fields.Datetime.context_timestamp(
            self.env["res.partner"], self.complaint.date
        ).strftime("%Y-%m-%d")
        self.assertEqual(payload["complaint"], f"Complaint on {day}: {REASON}")
        self.assertFalse(payload["blocked"])
        self.complaint.active = False
        self.assertEqual(Inbound._pop_payload(call)["complaint"], "")
