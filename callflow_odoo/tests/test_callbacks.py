"""Callbacks at their minute (issue #14): the operator is told once on the
bus when a callback falls due, snoozes it or hands it over, and the list's
manager hears of it when the operator was offline, after the grace period."""

import json
from datetime import datetime, timedelta

from freezegun import freeze_time

from odoo.exceptions import AccessError
from odoo.tests import TransactionCase, new_test_user, tagged

from .common import CallflowCommon, log_call

# Wednesday 25 Nov 2026, 06:30 UTC = 15:30 in Tokyo
DUE = datetime(2026, 11, 25, 6, 30)
OPERATOR_GROUPS = "base.group_user,callflow_odoo.group_callflow_operator"


@tagged("post_install", "-at_install")
class TestCallbacks(CallflowCommon, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_dialer()
        cls.company.callflow_cap_enabled = False
        cls.list = cls.make_list()
        cls.partner = cls.env["res.partner"].create(
            {"name": "Hanako Yamada", "phone": "+819011112222"}
        )
        cls.Callback = cls.env["callflow.callback"]
        cls.cron = cls.env.ref("callflow_odoo.ir_cron_callflow_callbacks")

    def setUp(self):
        super().setUp()
        self.bus_start = self.env["bus.bus"].search([], order="id desc", limit=1).id

    def callback(self, at=DUE, user=None, number="+819011112222", **vals):
        values = {
            "name": "Hanako Yamada",
            "partner_id": self.partner.id,
            "state": "callback_due",
            "next_attempt": at,
            "operator_id": (user or self.operator).id,
            "attempt_count": 1,
        }
        return self.make_entry(self.list, number, **dict(values, **vals))

    def sent(self, user, kind):
        """The payloads of the ``kind`` bus notifications ``user`` got in
        this test."""
        self.env.cr.precommit.run()  # the bus writes its rows at commit
        channel = [self.env.cr.dbname, "res.partner", user.partner_id.id]
        payloads = []
        for note in self.env["bus.bus"].search([("id", ">", self.bus_start)]):
            message = json.loads(note.message)
            if json.loads(note.channel) == channel and message["type"] == kind:
                payloads.append(message["payload"])
        return payloads

    def notice(self, entry):
        return self.env["callflow.callback.notice"].search(
            [("entry_id", "=", entry.id)]
        )

    def set_online(self, user):
        self.env["bus.presence"].create({"user_id": user.id, "status": "online"})

    def test_cron_tells_the_operator_once_at_the_minute(self):
        entry = self.callback()
        later = self.callback(at=DUE + timedelta(hours=1), number="+819011113333")
        with freeze_time(DUE - timedelta(seconds=30)):
            self.Callback._cron_notify()
        self.assertFalse(self.sent(self.operator, "callflow.callback/due"), "not yet")
        with freeze_time(DUE + timedelta(seconds=5)):
            self.Callback._cron_notify()
            self.Callback._cron_notify()
        sent = self.sent(self.operator, "callflow.callback/due")
        self.assertEqual(len(sent), 1, "told once, not at every tick")
        self.assertEqual(
            sent[0],
            {
                "entry_id": entry.id,
                "name": "Hanako Yamada",
                "number": "+819011112222",
                "number_display": "090-1111-2222",
                "list": "Autumn campaign",
                "list_id": self.list.id,
                "callback_at": "2026-11-25 06:30:00",
                "operator_id": self.operator.id,
                "operator": "Op One",
            },
        )
        self.assertFalse(self.sent(self.operator2, "callflow.callback/due"))
        self.assertEqual(self.notice(entry).notified_at, DUE + timedelta(seconds=5))
        self.assertFalse(self.notice(later))

    def test_logged_callback_runs_the_cron_at_its_minute(self):
        entry = self.callback(at=False, state="pending")
        self.assertEqual(self.pick(), entry)
        at = datetime.now().replace(microsecond=0) + timedelta(minutes=30)
        log_call(
            self.env,
            self.operator,
            entry,
            self.env.ref("callflow_odoo.call_result_callback"),
            callback_at=at,
        )
        self.assertEntryState(entry, "callback_due")
        triggers = self.env["ir.cron.trigger"].search([("cron_id", "=", self.cron.id)])
        self.assertIn(at, triggers.mapped("call_at"))
        planned = self.sent(self.operator, "callflow.callback/planned")
        self.assertEqual([p["callback_at"] for p in planned], [str(at)])
        self.assertEqual(self.cron.interval_type, "minutes")
        self.assertEqual(self.cron.interval_number, 1)

    def test_snooze_moves_ten_minutes_and_tells_again_then_first_in_line(self):
        entry = self.callback()
        other = self.make_entry(self.list, "+819011114444", priority="3")
        with freeze_time(DUE + timedelta(minutes=1)):
            self.Callback._cron_notify()
            snoozed = self.Callback.with_user(self.operator).snooze(entry.id)
        self.assertEqual(snoozed, "2026-11-25 06:41:00")
        self.assertEqual(entry.next_attempt, DUE + timedelta(minutes=11))
        self.assertEntryState(entry, "callback_due")
        with freeze_time(DUE + timedelta(minutes=5)):
            self.Callback._cron_notify()
            self.assertEqual(self.pick(), other, "the snoozed callback waits")
            other._release()
        self.assertEqual(len(self.sent(self.operator, "callflow.callback/due")), 1)
        with freeze_time(DUE + timedelta(minutes=11, seconds=10)):
            self.Callback._cron_notify()
            self.assertEqual(
                self.pick(), entry, "a due callback comes before a very high priority"
            )
        sent = self.sent(self.operator, "callflow.callback/due")
        self.assertEqual(
            [p["callback_at"] for p in sent],
            ["2026-11-25 06:30:00", "2026-11-25 06:41:00"],
        )

    def test_only_the_operator_or_a_manager_moves_a_callback(self):
        entry = self.callback()
        with self.assertRaises(AccessError):
            self.Callback.with_user(self.operator2).snooze(entry.id)
        with self.assertRaises(AccessError):
            self.Callback.with_user(self.operator2).reassign(
                entry.id, self.operator2.id
            )
        self.assertEqual(entry.operator_id, self.operator)
        self.assertEqual(entry.next_attempt, DUE)
        with freeze_time(DUE):
            self.Callback.with_user(self.manager).snooze(entry.id)
        self.assertEqual(entry.next_attempt, DUE + timedelta(minutes=10))

    def test_reassign_to_an_operator_of_the_list_only(self):
        entry = self.callback()
        outsider = new_test_user(
            self.env, "cf_op3", groups=OPERATOR_GROUPS, name="Op Three"
        )
        with self.assertRaises(AccessError), self.cr.savepoint():
            self.Callback.with_user(self.operator).reassign(entry.id, outsider.id)
        with freeze_time(DUE + timedelta(minutes=1)):
            self.Callback._cron_notify()
            self.Callback.with_user(self.operator).reassign(entry.id, self.operator2.id)
            self.assertEqual(entry.operator_id, self.operator2)
            self.Callback._cron_notify()
        self.assertEqual(len(self.sent(self.operator, "callflow.callback/due")), 1)
        told = self.sent(self.operator2, "callflow.callback/due")
        self.assertEqual([p["entry_id"] for p in told], [entry.id], "told at once")
        # The manager hands it over too, through the dialog's wizard.
        wizard = (
            self.env["callflow.callback.reassign"]
            .with_user(self.manager)
            .create({"entry_id": entry.id, "user_id": self.operator.id})
        )
        wizard.action_reassign()
        self.assertEqual(entry.operator_id, self.operator)

    def test_offline_operator_manager_told_after_grace_not_before(self):
        self.save_settings(callflow_callback_grace=20)
        entry = self.callback()
        online = self.callback(user=self.operator2, number="+819011115555")
        self.set_online(self.operator2)
        Activity = self.env["mail.activity"]
        with freeze_time(DUE):
            self.Callback._cron_notify()
        self.assertEqual(len(self.sent(self.operator, "callflow.callback/due")), 1)
        self.assertEqual(self.notice(entry).escalate_at, DUE + timedelta(minutes=20))
        self.assertFalse(self.notice(online).escalate_at, "online: no manager needed")
        with freeze_time(DUE + timedelta(minutes=19)):
            self.Callback._cron_notify()
        self.assertFalse(self.sent(self.manager, "callflow.callback/late"))
        self.assertFalse(Activity.search([("res_id", "=", self.partner.id)]))
        with freeze_time(DUE + timedelta(minutes=20, seconds=30)):
            self.Callback._cron_notify()
            self.Callback._cron_notify()
        late = self.sent(self.manager, "callflow.callback/late")
        self.assertEqual([p["entry_id"] for p in late], [entry.id], "once")
        self.assertTrue(late[0]["escalated"])
        self.assertFalse(self.sent(self.operator2, "callflow.callback/late"))
        activity = Activity.search(
            [
                ("res_model", "=", "res.partner"),
                ("res_id", "=", self.partner.id),
                ("user_id", "=", self.manager.id),
            ]
        )
        self.assertEqual(len(activity), 1)
        self.assertIn("Op One was offline", activity.summary)

    def test_callback_made_in_time_tells_no_manager(self):
        entry = self.callback()
        with freeze_time(DUE):
            self.Callback._cron_notify()
        self.assertTrue(self.notice(entry).escalate_at)
        with freeze_time(DUE + timedelta(minutes=2)):
            self.assertEqual(self.pick(), entry)
            entry._register_attempt(
                result=self.env.ref("callflow_odoo.call_result_interested"),
                outcome="answered",
            )
        with freeze_time(DUE + timedelta(minutes=16)):
            self.Callback._cron_notify()
        self.assertFalse(self.sent(self.manager, "callflow.callback/late"))

    def test_upcoming_for_the_web_client_timers(self):
        now = datetime.now().replace(microsecond=0)
        soon = self.callback(at=now + timedelta(minutes=3))
        self.callback(at=now + timedelta(hours=3), number="+819011116666")
        self.callback(user=self.operator2, at=now, number="+819011117777")
        mine = self.Callback.with_user(self.operator).upcoming()
        self.assertEqual([p["entry_id"] for p in mine], [soon.id])
        self.assertEqual(self.Callback.with_user(self.manager).upcoming(), [])

    def test_call_button_opens_the_dialer_on_the_callback(self):
        entry = self.callback()
        self.make_entry(self.list, "+819011114444", priority="3")
        with self.assertRaises(AccessError):
            self.Callback.with_user(self.operator2).call(entry.id)
        with freeze_time(DUE + timedelta(minutes=1)):
            action = self.Callback.with_user(self.operator).call(entry.id)
        self.assertEqual(action["res_model"], "callflow.list.entry")
        self.assertEqual(action["res_id"], entry.id, "this callback, not the queue's")
        self.assertEqual(
            action["views"][0][0],
            self.env.ref("callflow_odoo.callflow_list_entry_view_form_dialer").id,
        )
        self.assertEntryState(entry, "in_call")
        self.assertEqual(entry.held_by_id, self.operator)

    def test_missed_inbound_call_tells_its_operator_at_the_next_tick(self):
        call = self.env["callflow.inbound"]._receive(
            "090-1111-2222",
            self.caller_number,
            provider="twilio",
            sid="CAmissed",
            user=self.operator,
        )
        call.inbound_status = "missed"
        entry = self.env["callflow.inbound"]._missed(call)
        self.assertEntryState(entry, "callback_due")
        with freeze_time(datetime.now() + timedelta(minutes=1)):
            self.Callback._cron_notify()
        told = self.sent(self.operator, "callflow.callback/due")
        self.assertEqual([p["entry_id"] for p in told], [entry.id])
