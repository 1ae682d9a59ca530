"""Issue #15: stale numbers are asked by SMS whether they are still right;
YES or the link's page makes them fresh, silence makes them obsolete; an
obsolete number's queued SMS are cancelled."""

import re
from datetime import timedelta

from odoo import fields
from odoo.tests import HttpCase, tagged
from odoo.tools import SQL

from odoo.addons.callflow_odoo.tests.common import CallflowCommon

from .test_sms_trust import JsonWebhookMixin

STALE = "+819011114001"
STALE_2 = "+819011114002"
FRESH = "+819011114003"
CLEAR_RE = re.compile(r"/o/([A-Za-z0-9_-]{22})\b")


@tagged("post_install", "-at_install")
class TestReconfirm(JsonWebhookMixin, CallflowCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_dialer()
        cls.company.write({"callflow_stale_months": 24, "callflow_reconfirm_days": 7})
        cls.partner = cls.env["res.partner"].create(
            {"name": "Tanaka Hanako", "mobile": STALE}
        )
        leads = cls.env["crm.lead"].create(
            [
                {"name": "Tanaka", "partner_id": cls.partner.id, "phone": STALE},
                {"name": "Kato", "contact_name": "Kato Jiro", "phone": STALE_2},
                {"name": "Fresh", "phone": FRESH},
            ]
        )
        cls.env.flush_all()
        cls.env.cr.execute(
            SQL(
                "UPDATE crm_lead SET create_date = '2023-05-10' WHERE id = ANY(%s)",
                leads[:2].ids,
            )
        )
        cls.env.cr.execute(
            SQL(
                "UPDATE res_partner SET create_date = '2023-05-10' WHERE id = %s",
                cls.partner.id,
            )
        )
        cls.env.invalidate_all()
        cls.call_list = cls.make_list(
            source_model="crm.lead", source_domain=str([("id", "in", leads.ids)])
        )
        cls.call_list.action_build()

    def entry(self, number):
        return self.Entry.search(
            [("list_id", "=", self.call_list.id), ("number", "=", number)]
        )

    def test_yes_reply_makes_the_number_fresh(self):
        self.params.set_param("callflow_sms.provider", "outbox")
        self.assertEntryState(self.entry(STALE), "suppressed")
        self.call_list.with_user(self.manager).action_callflow_reconfirm()
        sms = self.env["sms.sms"].search([("number", "=", STALE)])
        self.assertEqual(len(sms), 1)
        self.assertRegex(
            sms.body,
            r"is this still the right number for Tanaka Hanako\? Reply YES, or "
            r"tap \S+/o/…[A-Za-z0-9_-]{2}$",
        )
        self.assertTrue(sms.callflow_token_id, "it carries a personal link")
        self.assertEqual(
            self.env["sms.sms"]
            .search([("number", "=", STALE_2)])
            .body.split("?")[0][-9:],
            "Kato Jiro",
        )
        self.assertFalse(self.env["sms.sms"].search([("number", "=", FRESH)]))
        self.assertTrue(self.entry(STALE).reconfirm_sent_at)
        # The person answers YES through the signed webhook.
        self.params.set_param("callflow_sms.provider", "http_json")
        response = self._sms("Yes", "in-yes-1", number=STALE)
        self.assertEqual(response.status_code, 200)
        self.env.invalidate_all()
        entry = self.entry(STALE)
        self.assertEntryState(entry, "pending")
        self.assertFalse(entry.is_stale)
        self.assertEqual(self.pick(lists=self.call_list).number, entry.number)
        self.assertIn("your number is confirmed", " ".join(self._sent_texts(STALE)))
        self.assertEqual(self.entry(STALE_2).state, "suppressed", "not asked back")

    def test_page_confirmation_and_silence(self):
        self.call_list.with_user(self.manager).action_callflow_reconfirm()
        texts = self._sent_texts(STALE)
        token = CLEAR_RE.search(texts[0]).group(1)
        page = self.url_open(f"/o/{token}")
        self.assertIn("Yes, this is still my number", page.text)
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        done = self.url_open(
            f"/o/{token}/still-mine", data={"csrf_token": csrf}, allow_redirects=False
        )
        self.assertEqual(done.status_code, 200)
        self.assertIn("your number is confirmed", done.text)
        self.env.invalidate_all()
        self.assertEntryState(self.entry(STALE), "pending")
        confirmation = self.env["callflow.number.confirmation"].search(
            [("number", "=", STALE)]
        )
        self.assertEqual(confirmation.source, "link")
        # STALE_2 never answers: after the company's delay it is obsolete.
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "UPDATE callflow_list_entry SET reconfirm_sent_at = %s"
                " WHERE number = %s",
                fields.Datetime.now() - timedelta(days=8),
                STALE_2,
            )
        )
        self.env.invalidate_all()
        self.assertEqual(self.Entry._cron_callflow_reconfirm_expired(), 1)
        blocked = self.env["callflow.preference.state"]._check_numbers(
            [STALE, STALE_2], "call", "sales"
        )
        self.assertEqual(blocked, {STALE_2: "obsolete"})

    def test_obsolete_number_cancels_its_queued_sms(self):
        self.params.set_param("callflow_sms.provider", "outbox")
        queued = self.env["sms.sms"].create({"number": FRESH, "body": "hello"})
        other = self.env["sms.sms"].create({"number": STALE, "body": "hello"})
        self.env["callflow.preference.event"]._record(
            {"number": FRESH, "action": "obsolete", "source": "operator"}
        )
        self.assertEqual(queued.state, "canceled")
        self.assertEqual(other.state, "outgoing")
        self.assertEntryState(self.entry(FRESH), "suppressed")
