"""Browser tours of issue #14's pop-ups: an inbound call pops the screen of
the right operator only, and a callback shows at its minute and snoozes."""

import json
import threading
import time
from datetime import datetime, timedelta

from odoo import SUPERUSER_ID, api
from odoo.tests import HttpCase, new_test_user, tagged

from odoo.addons.bus.models.bus import channel_with_db, hashable
from odoo.addons.bus.websocket import dispatch

from .common import CallflowCommon, record_opt_out

OPERATOR_GROUPS = (
    "base.group_user,sales_team.group_sale_salesman,"
    "callflow_odoo.group_callflow_operator"
)


class BusThread(threading.Thread):
    """Once ``user``'s browser listens on the bus, run ``send(env)`` in a
    request of its own, then wake the websockets (the bus's NOTIFY never
    fires in tests: nothing is committed). Errors are kept for the test to
    raise."""

    def __init__(self, case, user, send):
        super().__init__(daemon=True)
        self.registry = case.registry
        self.channel = hashable(channel_with_db(case.env.cr.dbname, user.partner_id))
        self.send = send
        self.error = None

    def run(self):
        try:
            deadline = time.time() + 90
            while self.channel not in dispatch._channels_to_ws:
                if time.time() > deadline:
                    raise TimeoutError("the browser never listened on the bus")
                time.sleep(0.2)
            with self.registry.cursor() as cr:
                self.send(api.Environment(cr, SUPERUSER_ID, {}))
            for websockets in list(dispatch._channels_to_ws.values()):
                for websocket in list(websockets):
                    websocket.trigger_notification_dispatching()
        except Exception as error:  # noqa: BLE001 - raised in the test
            self.error = error


@tagged("post_install", "-at_install")
class TestCallbackTours(CallflowCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_dialer()
        cls.company.callflow_cap_enabled = False
        cls.user_a = new_test_user(
            cls.env, "cf_pop_a", groups=OPERATOR_GROUPS, name="Aoki", lang="en_US"
        )
        cls.user_b = new_test_user(
            cls.env, "cf_pop_b", groups=OPERATOR_GROUPS, name="Baba"
        )
        cls.list = cls.make_list(
            "Autumn callbacks", user_ids=[(6, 0, (cls.user_a | cls.user_b).ids)]
        )
        cls.partner = cls.env["res.partner"].create(
            {"name": "山田 花子", "phone": "+819011112222"}
        )
        cls.lead = cls.env["crm.lead"].create(
            {"name": "Yamada – office chairs", "partner_id": cls.partner.id}
        )

    def bus_rows(self, user, kind):
        channel = [self.env.cr.dbname, "res.partner", user.partner_id.id]
        rows = []
        for note in self.env["bus.bus"].search([("id", ">", self.bus_start)]):
            message = json.loads(note.message)
            if json.loads(note.channel) == channel and message["type"] == kind:
                rows.append(message["payload"])
        return rows

    def setUp(self):
        super().setUp()
        self.bus_start = self.env["bus.bus"].search([], order="id desc", limit=1).id

    def test_callback_shows_at_its_minute_and_snoozes(self):
        due = datetime.now().replace(microsecond=0) + timedelta(seconds=12)
        entry = self.make_entry(
            self.list,
            "+819011112222",
            name="Hanako Yamada",
            partner_id=self.partner.id,
            state="callback_due",
            next_attempt=due,
            operator_id=self.user_a.id,
            attempt_count=1,
        )
        self.env.flush_all()
        # The web client plans the callbacks due within the next minutes and
        # shows each at its time (the cron's bus notification is tested in
        # test_callbacks.py; here it would come after the snooze).
        self.start_tour(
            "/odoo/action-callflow_odoo.callflow_list_action",
            "callflow_callback_tour",
            login="cf_pop_a",
        )
        self.env.invalidate_all()
        # Snooze moved the callback 10 minutes on from the click, which came
        # after the notification: it did not show before its time.
        self.assertEqual(entry.state, "callback_due")
        moved = entry.next_attempt - due
        self.assertGreaterEqual(moved, timedelta(minutes=10))
        self.assertLess(moved, timedelta(minutes=11))

    def test_inbound_call_pops_the_right_operators_screen_only(self):
        self.env["res.lang"]._activate_lang("ja_JP")
        self.env["ir.module.module"]._load_module_terms(["callflow_odoo"], ["ja_JP"])
        self.user_a.lang = "ja_JP"
        self.partner.write(
            {
                "parent_id": self.env["res.partner"]
                .create({"name": "山田商事", "is_company": True})
                .id,
                "function": "部長",
                "callflow_phonetic_name": "ヤマダ ハナコ",
            }
        )
        record_opt_out(self.env, "+819011112222")
        results = ("interested", "callback", "no_answer")
        for days, result in enumerate(results, start=1):
            self.env["callflow.call"].create(
                {
                    "dialed_number": "+819011112222",
                    "partner_id": self.partner.id,
                    "user_id": self.user_b.id,
                    "outcome": "no_answer" if result == "no_answer" else "answered",
                    "result_id": self.env.ref(f"callflow_odoo.call_result_{result}").id,
                    "date_start": datetime.now() - timedelta(days=days),
                }
            )
        desk = self.caller_number
        Inbound = self.env["callflow.inbound"]
        known = Inbound._receive(
            "090-1111-2222", desk, provider="twilio", sid="CAknown", user=self.user_a
        )
        unknown = Inbound._receive(
            "03-1234-0000", desk, provider="twilio", sid="CAunknown", user=self.user_a
        )
        self.env.flush_all()

        def pop(env):
            inbound = env["callflow.inbound"]
            user = env["res.users"].browse(self.user_a.id)
            # The complaint of the complaints' branch, as the payload will
            # carry it (res.partner._callflow_complaint_text).
            payload = inbound._pop_payload(known.with_env(env))
            user._bus_send(
                "callflow.inbound/pop", dict(payload, complaint="Rude on the phone")
            )
            inbound._pop(unknown.with_env(env), user)

        sender = BusThread(self, self.user_a, pop)
        sender.start()
        self.start_tour("/odoo", "callflow_inbound_pop_tour", login="cf_pop_a")
        sender.join(30)
        if sender.error:
            raise sender.error
        popped = self.bus_rows(self.user_a, "callflow.inbound/pop")
        self.assertEqual([p["call_id"] for p in popped], [known.id, unknown.id])
        self.assertEqual(popped[0]["leads"][0]["id"], self.lead.id)
        self.assertTrue(popped[0]["blocked"])
        self.assertFalse(popped[1]["known"])
        self.assertFalse(self.bus_rows(self.user_b, "callflow.inbound/pop"))
