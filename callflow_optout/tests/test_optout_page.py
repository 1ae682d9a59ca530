from odoo.tests import tagged
from odoo.tools import SQL

from .common import OptoutCase


@tagged("post_install", "-at_install")
class TestOptoutPage(OptoutCase):
    def _row_counts(self):
        self.env.flush_all()
        self.env.cr.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = 'public' AND table_type = 'BASE TABLE' "
            "AND (table_name LIKE 'callflow%%' OR table_name IN "
            "('mail_message', 'mail_activity', 'phone_blacklist', "
            "'website_visitor', 'website_track', 'crm_lead', 'res_partner'))"
        )
        tables = sorted(row[0] for row in self.env.cr.fetchall())
        self.assertIn("callflow_optout_token", tables)
        counts = {}
        for table in tables:
            self.env.cr.execute(SQL("SELECT count(*) FROM %s", SQL.identifier(table)))
            counts[table] = self.env.cr.fetchone()[0]
        return counts

    def test_personal_page_shows_who_why_and_masked_number(self):
        response, doc = self.get_page(f"/o/{self.raw}")
        self.assertEqual(response.status_code, 200)
        text = doc.text_content()
        self.assertIn("Callflow Test KK", text)
        self.assertIn("Marunouchi", text)
        self.assertIn("privacy@callflow.example.com", text)
        self.assertIn("Tokyo sales desk called you on 20 Nov", text)
        self.assertIn("+81 90-****-5678", text)
        self.assertNotIn("1234-5678", text.replace("3-1234-5678", ""))
        checked = doc.xpath("//input[@name='answer'][@checked]")
        self.assertEqual([node.get("value") for node in checked], ["stop_all"])
        self.assertTrue(doc.xpath("//label[@for='cf_answer_stop_all']"))
        # Every field of the form is there for the visitor to fill.
        for xpath in (
            "//input[@name='email']",
            "//input[@name='reason_other']",
            "//textarea[@name='comments'][@maxlength='1000']",
            "//select[@name='times_from']",
            "//select[@name='times_to']",
            "//input[@type='checkbox'][@name='times_day_1'][@checked]",
            "//input[@type='checkbox'][@name='times_day_7'][not(@checked)]",
        ):
            self.assertTrue(doc.xpath(xpath), xpath)

    def test_get_never_writes(self):
        before = self._row_counts()
        for url in [f"/o/{self.raw}", "/o/unknown-token-123456", "/callflow/optout"]:
            self.assertEqual(self.url_open(url).status_code, 200)
        self.token.action_revoke()
        self.url_open(f"/o/{self.raw}")
        self.assertEqual(self._row_counts(), before)
        self.assertFalse(self.token.last_answer_date)

    def test_unknown_malformed_revoked_tokens_get_the_neutral_page(self):
        neutral = self.page_structure(self.url_open("/callflow/optout").content)
        self.assertIn('action="/callflow/optout"', neutral)
        self.assertIn('name="number_input"', neutral)
        wrong = ("A" if self.raw[0] != "A" else "B") + self.raw[1:]
        for token in [wrong, "x", "%FF%00", "a" * 300, "ＡＢＣ"]:
            response = self.url_open(f"/o/{token}")
            self.assertEqual(response.status_code, 200, token)
            self.assertEqual(self.page_structure(response.content), neutral, token)
        self.token.action_revoke()
        revoked = self.url_open(f"/o/{self.raw}")
        self.assertEqual(self.page_structure(revoked.content), neutral)
        # posting through a revoked link changes nothing either
        response = self.url_open(
            f"/o/{self.raw}",
            data={"answer": "stop_all", "csrf_token": self.csrf("/callflow/optout")},
        )
        self.assertEqual(self.page_structure(response.content), neutral)
        self.assertFalse(self.Response.search([]))

    def test_post_writes_exactly_once(self):
        response = self.post_answer(f"/o/{self.raw}")
        self.assertEqual(response.status_code, 200)
        self.assertIn("your choice is saved", response.text)
        self.assertIn("It applies immediately", response.text)
        self.assertIn(f'href="/o/{self.raw}"', response.text)
        events = self.events()
        self.assertEqual(len(events), 1)
        self.assertEqual(
            (events.channel, events.scope, events.action, events.source),
            ("all", "all", "opt_out", "link"),
        )
        self.assertEqual(events.partner_id, self.partner)
        answer = self.Response.search([])
        self.assertEqual(answer.state, "applied")
        self.assertEqual(answer.event_ids, events)
        self.assertEqual(self.token.last_answer, "stop_all")
        # Same answer again: stored, but no new event, note or activity.
        notes = self.env["mail.message"].search_count(
            [("model", "=", "res.partner"), ("res_id", "=", self.partner.id)]
        )
        self.post_answer(f"/o/{self.raw}")
        self.assertEqual(self.events(), events)
        self.assertEqual(
            self.Response.search([]).mapped("state"), ["repeat", "applied"]
        )
        self.assertEqual(
            self.env["mail.message"].search_count(
                [("model", "=", "res.partner"), ("res_id", "=", self.partner.id)]
            ),
            notes,
        )
        # Revisiting the link shows the answer in force.
        _response, doc = self.get_page(f"/o/{self.raw}")
        self.assertIn("You already answered", doc.text_content())

    def test_note_on_contact_and_open_leads_and_activity_for_salesperson(self):
        self.post_answer(
            f"/o/{self.raw}",
            answer="no_calls",
            reason="too_many_calls",
            comments="Please stop calling during lunch.",
        )
        for record in (self.partner, self.lead):
            note = record.message_ids.filtered(
                lambda m: "opt-out page" in (m.body or "")
            )
            self.assertEqual(len(note), 1, record)
            self.assertIn("No phone calls", note.body)
            self.assertIn("Too many calls", note.body)
            self.assertIn("Please stop calling during lunch.", note.body)
        activity = self.partner.activity_ids
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.user_id, self.salesman)
        self.assertIn("No phone calls", activity.summary)
        self.assertEqual(self.events().mapped("channel"), ["call"])

    def test_activity_goes_to_lead_owner_when_contact_has_none(self):
        self.partner.user_id = False
        self.lead.user_id = self.salesman
        self.post_answer(f"/o/{self.raw}", answer="no_sms")
        self.assertFalse(self.partner.activity_ids)
        self.assertEqual(self.lead.activity_ids.user_id, self.salesman)

    def test_answers_map_to_ledger_events(self):
        expected = {
            "email_only": {("call", "opt_out"), ("sms", "opt_out")},
            "keep_contacting": {("all", "opt_in")},
            "no_sms": {("sms", "opt_out")},
        }
        for answer, pairs in expected.items():
            before = self.events()
            self.post_answer(f"/o/{self.raw}", answer=answer)
            new = self.events() - before
            self.assertEqual({(e.channel, e.action) for e in new}, pairs, answer)

    def test_certain_times_keeps_the_times_and_tells_the_owner(self):
        weekdays = {f"times_day_{d}": "1" for d in "12345"}
        bad = [
            {},  # no day, no hours
            dict(weekdays, times_from="12", times_to="10"),  # end before start
            dict(weekdays, times_from="9", times_to="25"),  # not an hour
            dict(weekdays, times_from="nine", times_to="12"),
        ]
        for data in bad:
            url = f"/o/{self.raw}"
            response = self.post_answer(url, answer="certain_times", **data)
            self.assertEqual(response.status_code, 400, data)
            self.assertIn("which days and times suit you", response.text)
            self.assertNotIn("Traceback", response.text)
        self.assertFalse(self.Response.search([]))
        response = self.post_answer(
            f"/o/{self.raw}",
            answer="certain_times",
            times_from="10",
            times_to="12",
            times_note="昼休みは避けて",
            **weekdays,
        )
        self.assertIn("Mon–Fri 10:00–12:00", response.text)
        answer = self.Response.search([])
        self.assertEqual(
            (answer.times_days, answer.times_from, answer.times_to),
            ("12345", 10.0, 12.0),
        )
        [event] = self.events()
        self.assertEqual(
            (event.channel, event.action, event.hours_days, event.hours_from),
            ("call", "hours", "12345", 10.0),
        )
        self.assertEqual(event.hours_label, "Mon–Fri 10:00–12:00")
        self.assertIn("Mon–Fri 10:00–12:00", self.partner.activity_ids.note)
        self.assertIn("昼休みは避けて", self.partner.activity_ids.note)
        # Not a block: calls and SMS stay allowed, and the banner says when.
        self.assertNotBlocked(self.number, "call")
        warning = self.partner.callflow_preference_warning
        self.assertIn("only Mon–Fri 10:00–12:00", warning)
        # "Please keep contacting me" lifts the restriction.
        self.post_answer(f"/o/{self.raw}", answer="keep_contacting")
        State = self.env["callflow.preference.state"]
        self.assertFalse(State._call_hours([self.number]))

    def test_renewed_opt_out_after_sms_start_is_applied(self):
        """ "Stop all" on the link, then SMS START, then "stop all" again on
        the same link: the second answer is a new opt-out, not a repeat."""
        Blacklist = self.env["phone.blacklist"]
        self.post_answer(f"/o/{self.raw}")
        self.assertBlocked(self.number, "sms", reason="opt_out")
        self.Event._record(
            {
                "number": self.number,
                "channel": "sms",
                "action": "opt_in",
                "source": "sms",
                # a moment later: the same second as the answer
                "event_date": self.Response.search([]).create_date,
            }
        )
        self.assertNotBlocked(self.number, "sms")
        self.assertFalse(Blacklist.search([("number", "=", self.number)]))
        response = self.post_answer(f"/o/{self.raw}")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            self.Response.search([]).mapped("state"), ["applied", "applied"]
        )
        opt_outs = self.events().filtered(lambda e: e.action == "opt_out")
        self.assertEqual(len(opt_outs), 2)
        self.assertBlocked(self.number, "sms", reason="opt_out")
        self.assertTrue(Blacklist.search([("number", "=", self.number)]))

    def test_tokenless_repeat_is_stored_without_new_events(self):
        for _i in range(2):
            response = self.post_answer(
                "/callflow/optout", number_input="090-1234-5678", answer="no_sms"
            )
            self.assertEqual(response.status_code, 200)
        self.assertEqual(
            self.Response.search([]).mapped("state"), ["repeat", "applied"]
        )
        self.assertEqual(len(self.events()), 1)

    def test_wrong_person_marks_number_obsolete_for_contact(self):
        self.post_answer(f"/o/{self.raw}", reason="wrong_person")
        obsolete = self.events().filtered(lambda e: e.action == "obsolete")
        self.assertEqual(len(obsolete), 1)
        self.assertEqual(obsolete.partner_id, self.partner)
        self.assertIn("wrong person", obsolete.reason)

    def test_tokenless_page_same_answer_for_known_and_unknown_numbers(self):
        known = self.post_answer(
            "/callflow/optout", number_input="090-1234-5678", answer="no_calls"
        )
        unknown = self.post_answer(
            "/callflow/optout",
            number_input="０８０－９９９９－１１１１",
            answer="no_calls",
        )
        self.assertEqual(known.status_code, unknown.status_code)
        self.assertEqual(
            self.page_structure(known.content), self.page_structure(unknown.content)
        )
        self.assertIn('href="/callflow/optout"', known.text)
        numbers = self.Response.search([]).mapped("number")
        self.assertEqual(sorted(numbers), ["+818099991111", "+819012345678"])
        self.assertEqual(self.events().mapped("channel"), ["call"])
        # the open lead of the known number hears about it, right after
        self.Response._cron_notify_owners()
        self.assertTrue(
            self.lead.message_ids.filtered(lambda m: "did not verify" in (m.body or ""))
        )

    def test_bad_input_gets_a_message_not_a_traceback(self):
        cases = [
            ("/callflow/optout", {"number_input": "not a number"}, "phone number"),
            ("/callflow/optout", {"number_input": "9" * 500}, "characters"),
            (f"/o/{self.raw}", {"email": "not-an-email"}, "email address"),
            (f"/o/{self.raw}", {"comments": "x" * 5000}, "under 1000 characters"),
            (f"/o/{self.raw}", {"reason_other": "y" * 201}, "under 200 characters"),
            (f"/o/{self.raw}", {"answer": "drop tables"}, "choose how"),
            (f"/o/{self.raw}", {"reason": "<script>"}, "choose one of the reasons"),
        ]
        for url, data, message in cases:
            response = self.post_answer(url, form_url=url, **data)
            self.assertEqual(response.status_code, 400, data)
            self.assertIn(message, response.text, data)
            self.assertNotIn("Traceback", response.text)
        # What the visitor wrote comes back with the error, nothing is lost.
        response = self.post_answer(
            f"/o/{self.raw}", email="nope", comments="Please call after 6 <b>pm</b>"
        )
        kept = "Please call after 6 &lt;b&gt;pm&lt;/b&gt;</textarea>"
        self.assertIn(kept, response.text)
        self.assertFalse(self.Response.search([]))
        self.assertFalse(self.events())

    def test_valid_email_is_kept(self):
        self.post_answer(
            f"/o/{self.raw}", answer="email_only", email=" Taro@Example.COM "
        )
        self.assertEqual(self.Response.search([]).email, "taro@example.com")

    def test_honeypot_pretends_success_and_stores_nothing(self):
        # Without a link only: an answer with a valid token is always kept.
        tokenless = self.post_answer(
            "/callflow/optout", number_input="0312345678", homepage="x"
        )
        self.assertIn("your choice is saved", tokenless.text)
        self.assertFalse(self.Response.search([]))
        self.assertFalse(self.events())

    def test_post_without_csrf_is_refused(self):
        response = self.url_open(f"/o/{self.raw}", data={"answer": "stop_all"})
        self.assertEqual(response.status_code, 400)
        self.assertFalse(self.Response.search([]))

    def test_numbers_directory_links_to_the_page(self):
        _response, doc = self.get_page("/callflow/numbers")
        links = doc.xpath("//div[@id='callflow_numbers_optout_hook']//a/@href")
        self.assertEqual(links, ["/callflow/optout"])

    def test_page_in_japanese(self):
        self.env["res.lang"]._activate_lang("ja_JP")
        self.env["ir.module.module"]._load_module_terms(
            ["callflow_optout"], ["ja_JP"], overwrite=True
        )
        self.env["website"].get_current_website().language_ids |= self.env.ref(
            "base.lang_ja_JP"
        )
        _response, doc = self.get_page(f"/ja/o/{self.raw}")
        text = doc.text_content()
        self.assertIn("すべての連絡を停止", text)
        self.assertIn("その会社を退職した／人違いです", text)
        self.assertTrue(doc.xpath("//label[@for='cf_answer_stop_all']"))
        response = self.post_answer(f"/ja/o/{self.raw}")
        self.assertIn("ご希望を保存しました", response.text)
        # It promises only what is enforced: no email blacklisted, none promised.
        self.assertIn("今後、お電話やSMSでご連絡することはありません。", response.text)
        self.assertIn("マーケティングメールも停止するには", response.text)
