from odoo.tests import Form, TransactionCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestPreferenceOnContacts(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        japan = cls.env.ref("base.jp")
        cls.refused = cls.env["res.partner"].create(
            {"name": "Sato Hanako", "mobile": "090-1111-2222", "country_id": japan.id}
        )
        cls.quiet = cls.env["res.partner"].create(
            {"name": "Suzuki Ichiro", "phone": "03-1234-5678", "country_id": japan.id}
        )
        cls.Event = cls.env["callflow.preference.event"]
        cls.Event._record(
            [
                {
                    "number": "090-1111-2222",
                    "partner_id": cls.refused.id,
                    "channel": "call",
                    "scope": "purpose",
                    "purpose": "sales",
                    "action": "refusal",
                    "source": "operator",
                },
                {
                    # an event on an older number, tied to the contact
                    "number": "+81 80-3333-4444",
                    "partner_id": cls.refused.id,
                    "action": "opt_in",
                    "source": "website_form",
                },
            ]
        )
        cls.salesman = new_test_user(
            cls.env, "cf_sales", groups="sales_team.group_sale_salesman"
        )

    def test_partner_banner_and_smart_button(self):
        partners = (self.refused | self.quiet).with_user(self.salesman)
        # computed for both records at once; a salesperson sees the warning
        self.assertEqual(partners.mapped("callflow_preference_count"), [2, 0])
        self.assertIn("Refused", partners[0].callflow_preference_warning)
        self.assertIn("Calls", partners[0].callflow_preference_warning)
        self.assertFalse(partners[1].callflow_preference_warning)
        action = self.refused.action_view_callflow_preferences()
        events = self.Event.search(action["domain"])
        self.assertEqual(sorted(events.mapped("action")), ["opt_in", "refusal"])

    def test_lead_banner_by_number_and_by_contact(self):
        Lead = self.env["crm.lead"]
        by_number = Lead.create(
            {
                "name": "Inquiry",
                "phone": "+81 90 1111 2222",
                "country_id": self.env.ref("base.jp").id,
            }
        )
        by_contact = Lead.create({"name": "Follow-up", "partner_id": self.refused.id})
        clean = Lead.create({"name": "New", "phone": "+81 3-1234-5678"})
        leads = by_number | by_contact | clean
        self.assertTrue(by_number.callflow_preference_warning)
        self.assertTrue(by_contact.callflow_preference_warning)
        self.assertFalse(clean.callflow_preference_warning)
        self.assertEqual(leads.mapped("callflow_preference_count")[0], 1)
        self.assertEqual(
            len(
                self.Event.search(
                    by_number.action_view_callflow_preferences()["domain"]
                )
            ),
            1,
        )

    def test_banner_appears_after_opt_out(self):
        self.assertFalse(self.quiet.callflow_preference_warning)
        self.Event._record(
            [
                {
                    "number": self.quiet.phone,
                    "partner_id": self.quiet.id,
                    "action": "opt_out",
                    "source": "web",
                }
            ]
        )
        self.quiet.invalidate_recordset(["callflow_preference_warning"])
        self.assertIn("Opted out", self.quiet.callflow_preference_warning)
        self.assertIn("SMS", self.quiet.callflow_preference_warning)
        with Form(self.quiet) as form:
            self.assertTrue(form.callflow_preference_warning)

    def test_computed_in_batch(self):
        """Same number of queries for 2 contacts as for 20 (no query per record)."""
        Partner = self.env["res.partner"]
        many = Partner.create(
            [{"name": f"P{i}", "mobile": f"+81 90-5555-{1000 + i}"} for i in range(20)]
        )
        self.env.invalidate_all()
        two = self.refused | self.quiet
        # numbers, two ledger checks, preferred hours, event counts, ...
        with self.assertQueryCount(10):
            two.mapped("callflow_preference_warning")
        self.env.invalidate_all()
        with self.assertQueryCount(10):
            many.mapped("callflow_preference_warning")

    def test_lead_form_shows_banner(self):
        lead = self.env["crm.lead"].create(
            {"name": "Inquiry", "partner_id": self.quiet.id}
        )
        with Form(lead) as form:
            self.assertFalse(form.callflow_preference_warning)
            # the salesperson types the number the person refused from
            form.phone = "+81 90-1111-2222"
            self.assertIn("Refused", form.callflow_preference_warning)
