from lxml import html

from odoo.tests import HttpCase, tagged


@tagged("post_install", "-at_install")
class TestContactFormUntouchedByDefault(HttpCase):
    def _contactus(self):
        return html.fromstring(self.url_open("/contactus").content)

    def test_contact_form_is_odoos_own_until_an_admin_turns_the_question_on(self):
        """Odoo's contact form, which the website editor and Odoo's own tours
        work on, is unchanged until Settings > Callflow asks for the
        question; then it creates a lead and asks how to contact."""
        settings = self.env["res.config.settings"].create({})
        self.assertFalse(settings.callflow_contactus_question)
        doc = self._contactus()
        self.assertTrue(doc.xpath("//form[@id='contactus_form']"))
        self.assertFalse(doc.xpath("//input[@name='callflow_contact_choice']"))
        self.assertTrue(doc.xpath("//form[@id='contactus_form']//input[@name='name']"))

        settings.callflow_contactus_question = True
        settings.execute()
        self.assertTrue(
            self.env["res.config.settings"].create({}).callflow_contactus_question
        )
        doc = self._contactus()
        self.assertEqual(
            doc.xpath("//form[@id='contactus_form']/@data-model_name"), ["crm.lead"]
        )
        self.assertEqual(len(doc.xpath("//input[@name='callflow_contact_choice']")), 3)


@tagged("post_install", "-at_install")
class TestOptinCapture(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Numbers typed without a country code are read as Japanese.
        cls.env.company.country_id = cls.env.ref("base.jp")
        # An administrator asked for the question on the contact form.
        cls.env["res.config.settings"].create(
            {"callflow_contactus_question": True}
        ).execute()

    def _submit_contact_form(self, **data):
        page = self.url_open("/contactus")
        doc = html.fromstring(page.content)
        self.assertTrue(doc.xpath("//input[@name='callflow_contact_choice']"))
        self.assertEqual(
            doc.xpath("//form[@id='contactus_form']/@data-model_name"), ["crm.lead"]
        )
        data.setdefault("contact_name", "Suzuki Hanako")
        data.setdefault("email_from", "hanako@example.com")
        data.setdefault("name", "Quote for 20 chairs")
        data.setdefault("description", "Please send a quote.")
        data["csrf_token"] = self._csrf()
        response = self.url_open("/website/form/crm.lead", data=data)
        self.assertEqual(response.status_code, 200, response.text)
        return self.env["crm.lead"].browse(response.json()["id"])

    def _csrf(self):
        # The contact page renders the token only in the editor; take it from
        # the opt-out page of the same session.
        doc = html.fromstring(self.url_open("/callflow/optout").content)
        return doc.xpath("//input[@name='csrf_token']/@value")[0]

    def _events(self, number):
        return self.env["callflow.preference.event"].search([("number", "=", number)])

    def test_phone_choice_is_an_opt_in_with_the_form_as_evidence(self):
        lead = self._submit_contact_form(
            phone="03-5555-1234", callflow_contact_choice="phone"
        )
        self.assertEqual(lead.callflow_contact_choice, "phone")
        events = self._events("+81355551234")
        self.assertEqual(
            [(e.channel, e.action, e.source) for e in events],
            [("call", "opt_in", "website_form")],
        )
        self.assertIn(f"lead #{lead.id}", events.evidence)

    def test_email_only_opts_the_number_out_of_calls_and_sms(self):
        self._submit_contact_form(
            phone="090-7777-8888", callflow_contact_choice="email_only"
        )
        events = self._events("+819077778888")
        self.assertEqual(
            {(e.channel, e.action) for e in events},
            {("call", "opt_out"), ("sms", "opt_out")},
        )

    def test_no_phone_no_event(self):
        lead = self._submit_contact_form(callflow_contact_choice="sms")
        self.assertEqual(lead.callflow_contact_choice, "sms")
        self.assertFalse(
            self.env["callflow.preference.event"].search(
                [("source", "=", "website_form")]
            )
        )
