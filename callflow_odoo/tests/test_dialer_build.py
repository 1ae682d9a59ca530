from odoo.exceptions import AccessError, ValidationError
from odoo.tests import Form, TransactionCase, tagged

from .common import CallflowCommon


@tagged("post_install", "-at_install")
class TestDialerBuild(CallflowCommon, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_dialer()
        cls.tag = cls.env["crm.tag"].create({"name": "callflow build test"})
        gb = cls.env.ref("base.uk")
        jp = cls.env.ref("base.jp")
        cls.partner_tz = cls.env["res.partner"].create(
            {"name": "Osaka Shoji", "tz": "Asia/Tokyo", "country_id": jp.id}
        )
        specs = [
            ("Extension", "03-1234-5678 内線12", False, False),
            ("Full width", "０９０－１２３４－５６７８", False, False),
            ("Same number again", "+81 90 1234 5678", False, False),
            ("Empty", False, False, False),
            ("London", "020 7946 0958", gb.id, False),
            ("Garbage", "call the front desk", False, False),
            ("Blocked", "06-6123-4567", False, False),
            ("With contact", "045-123-4567", False, cls.partner_tz.id),
        ]
        cls.leads = cls.env["crm.lead"].create(
            [
                {
                    "name": name,
                    "phone": phone,
                    "country_id": country,
                    "partner_id": partner,
                    "tag_ids": [(6, 0, cls.tag.ids)],
                }
                for name, phone, country, partner in specs
            ]
        )
        # crm fills the lead phone from its contact: keep what the test typed
        cls.leads[-1].phone = "045-123-4567"
        cls.env["callflow.preference.event"]._record(
            [
                {
                    "number": "+81661234567",
                    "channel": "all",
                    "scope": "all",
                    "action": "dnc",
                    "source": "manual",
                }
            ]
        )

    def _list(self):
        return self.env["callflow.list"].create(
            {
                "name": "Build",
                "caller_number_id": self.caller_number.id,
                "source_model": "crm.lead",
                "source_domain": f"[('tag_ids', 'in', {self.tag.ids})]",
            }
        )

    def test_build_messy_numbers(self):
        call_list = self._list()
        call_list.action_build()
        entries = {e.lead_id.name: e for e in call_list.entry_ids}
        self.assertNotIn("Same number again", entries, "merged with 'Full width'")
        self.assertEqual(len(call_list.entry_ids), 7)
        self.assertEqual(entries["Extension"].number, "+81312345678")
        self.assertEqual(entries["Extension"].raw_number, "03-1234-5678 内線12")
        self.assertEqual(entries["Full width"].number, "+819012345678")
        self.assertEqual(entries["London"].number, "+442079460958")
        self.assertEqual(entries["London"].tz, "Europe/London")
        self.assertEqual(entries["Extension"].tz, "Asia/Tokyo")
        self.assertEqual(entries["With contact"].partner_id, self.partner_tz)
        self.assertEntryState(entries["Empty"], "invalid")
        self.assertEqual(entries["Empty"].state_reason, "No phone number")
        self.assertEntryState(entries["Garbage"], "invalid")
        self.assertEqual(entries["Garbage"].state_reason, "Not a phone number")
        self.assertEntryState(entries["Blocked"], "suppressed")
        self.assertEqual(entries["Blocked"].state_reason, "Do not call")
        self.assertEqual(call_list.entry_count, 7)
        self.assertEqual(call_list.remaining_count, 4)
        self.assertEqual(call_list.invalid_count, 2)
        self.assertEqual(call_list.suppressed_count, 1)
        # a second build adds nothing; a new matching lead is added
        self.assertEqual(call_list._build_entries(), 0)
        lead = self.env["crm.lead"].create(
            {"name": "New", "phone": "090-5555-0000", "tag_ids": [(6, 0, self.tag.ids)]}
        )
        call_list.write({"keep_in_sync": True, "state": "running"})
        self.env["callflow.list"]._cron_sync_lists()
        self.assertEqual(call_list.entry_count, 8)
        self.assertEqual(
            call_list.entry_ids.filtered(lambda e: e.lead_id == lead).number,
            "+819055550000",
        )

    def test_foreign_number_without_country(self):
        """With no country anywhere, a national number cannot be placed."""
        self.company.country_id = False
        call_list = self._list()
        call_list._build_entries()
        ext = call_list.entry_ids.filtered(lambda e: e.lead_id.name == "Extension")
        self.assertEntryState(ext, "invalid")
        self.assertIn("country", ext.state_reason)

    def test_add_to_call_list_wizard(self):
        leads = self.leads[:2]
        wizard = Form(
            self.env["callflow.list.add.wizard"].with_context(
                active_model="crm.lead", active_ids=leads.ids
            )
        )
        wizard.new_list_name = "By hand"
        action = wizard.save().action_add()
        call_list = self.env["callflow.list"].browse(action["res_id"])
        self.assertEqual(call_list.name, "By hand")
        self.assertEqual(call_list.entry_ids.lead_id, leads)
        # adding again to the existing list adds nothing twice
        wizard = Form(
            self.env["callflow.list.add.wizard"].with_context(
                active_model="crm.lead", active_ids=self.leads[:3].ids
            )
        )
        wizard.list_id = call_list
        wizard.save().action_add()
        self.assertEqual(len(call_list.entry_ids), 2, "third lead has the same number")

    def test_partner_source(self):
        call_list = self.env["callflow.list"].create(
            {
                "name": "Contacts",
                "source_model": "res.partner",
                "source_domain": f"[('id', '=', {self.partner_tz.id})]",
            }
        )
        self.partner_tz.phone = "075-123-4567"
        call_list._build_entries()
        self.assertEqual(call_list.entry_ids.partner_id, self.partner_tz)
        self.assertEqual(call_list.entry_ids.number, "+81751234567")
        self.assertEqual(call_list.entry_ids.tz, "Asia/Tokyo")

    def test_time_zone_per_exchange(self):
        """Numbers of one area code in two time zones each get their own:
        Idaho's 208 spans Denver and Los Angeles, its exchange 201 is in
        Denver, and a number whose exchange spans both gets the company's."""
        self.company.partner_id.tz = "Asia/Tokyo"
        call_list = self.env["callflow.list"].create(
            {
                "name": "Idaho",
                "source_model": "res.partner",
                "source_domain": "[('name', 'like', 'Idaho ')]",
            }
        )
        us = self.env.ref("base.us")
        self.env["res.partner"].create(
            [
                {
                    "name": "Idaho Denver",
                    "phone": "+1 208-201-1234",
                    "country_id": us.id,
                    "tz": False,
                },
                {
                    "name": "Idaho both",
                    "phone": "+1 208-209-1234",
                    "country_id": us.id,
                    "tz": False,
                },
                {
                    "name": "Idaho LA",
                    "phone": "+1 208-215-1234",
                    "country_id": us.id,
                    "tz": False,
                },
            ]
        )
        call_list._build_entries()
        zones = {e.partner_id.name: e.tz for e in call_list.entry_ids}
        self.assertEqual(
            zones,
            {
                "Idaho Denver": "America/Denver",
                "Idaho both": "Asia/Tokyo",
                "Idaho LA": "America/Los_Angeles",
            },
        )

    def test_caller_number_must_be_published(self):
        hidden = self.env["callflow.caller.number"].create(
            {"name": "Hidden", "number": "03-6000-0002", "is_published": False}
        )
        with self.assertRaises(ValidationError):
            self._list().caller_number_id = hidden
            self.env.flush_all()


@tagged("post_install", "-at_install")
class TestDialerAccess(CallflowCommon, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_dialer()
        cls.mine = cls.make_list("Mine", user_ids=[(6, 0, cls.operator.ids)])
        cls.theirs = cls.make_list("Theirs", user_ids=[(6, 0, cls.operator2.ids)])
        cls.my_entry = cls.make_entry(cls.mine, "+819011112222")
        cls.their_entry = cls.make_entry(cls.theirs, "+819011113333")

    def test_operator_sees_own_lists_only(self):
        Lists = self.env["callflow.list"].with_user(self.operator)
        self.assertEqual(
            Lists.search([("id", "in", (self.mine | self.theirs).ids)]), self.mine
        )
        Entries = self.env["callflow.list.entry"].with_user(self.operator)
        found = Entries.search([("id", "in", (self.my_entry | self.their_entry).ids)])
        self.assertEqual(found, self.my_entry)
        with self.assertRaises(AccessError):
            self.their_entry.with_user(self.operator).read(["number"])
        with self.assertRaises(AccessError):
            Lists.create({"name": "Nope"})
        with self.assertRaises(AccessError):
            self.mine.with_user(self.operator).write({"max_attempts": 10})
        with self.assertRaises(AccessError):
            self.env["callflow.dialer"].with_user(self.operator)._pick_next(
                self.theirs.ids
            )

    def test_manager_sees_everything(self):
        Lists = self.env["callflow.list"].with_user(self.manager)
        both = self.mine | self.theirs
        self.assertEqual(Lists.search([("id", "in", both.ids)]), both)
        Lists.browse(self.mine.id).write({"max_attempts": 5})
        self.assertEqual(self.mine.max_attempts, 5)
        results = self.env["callflow.call.result"].with_user(self.manager)
        results.create({"name": "Sent brochure", "is_final": True})
        with self.assertRaises(AccessError):
            self.env["callflow.call.result"].with_user(self.operator).create(
                {"name": "Mine"}
            )


@tagged("post_install", "-at_install")
class TestDialerDefaults(TransactionCase):
    def test_script_starts_with_identification(self):
        """§16: the caller names the company, themselves and the purpose."""
        call_list = self.env["callflow.list"].create({"name": "Script"})
        script = str(call_list.script)
        self.assertTrue(script.startswith("<h3>1. Identify yourself"))
        self.assertIn(self.env.company.name, script)
        self.assertIn("[your name]", script)

    def test_company_caps_on_by_default(self):
        company = self.env["res.company"].create({"name": "New branch"})
        self.assertTrue(company.callflow_cap_enabled)
        self.assertEqual(company.callflow_cap_calls_per_day, 2)
        self.assertEqual(company.callflow_cap_gap_hours, 4.0)
        settings = self.env["res.config.settings"].create({})
        self.assertEqual(settings.callflow_hold_timeout, 15)
