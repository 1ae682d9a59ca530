"""SMS quiet hours after the upgrade to the one representation of days and
hours: the system parameters ``window_start``/``window_end`` of a database
become ``window_from``/``window_to``, and messages keep waiting as before."""

import importlib.util
from datetime import datetime
from pathlib import Path

from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestQuietHoursMigration(TransactionCase):
    def test_upgraded_quiet_hours_still_hold_messages(self):
        params = self.env["ir.config_parameter"].sudo()
        params.search([("key", "like", "callflow_sms.window_%")]).unlink()
        # The parameters of 18.0.1.0.0: SMS from 08:00 to 21:00 only.
        params.set_param("callflow_sms.window_from", "8")
        params.set_param("callflow_sms.window_to", "21")
        self.env.flush_all()
        script = Path(__file__).parent.parent / "migrations/18.0.1.1.0/pre-migrate.py"
        spec = importlib.util.spec_from_file_location("cf_sms_pre_migrate", script)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        module.migrate(self.env.cr, "18.0.1.0.0")
        self.env.registry.clear_cache()
        self.env.invalidate_all()
        Sender = self.env["callflow.sms.sender"]
        self.assertEqual(Sender._callflow_quiet_hours(), (8.0, 21.0))
        # 07:30 in Tokyo (22:30 UTC): held until 08:00 Tokyo, not 09:00.
        self.assertEqual(
            Sender._callflow_send_after(
                "Asia/Tokyo", now=datetime(2026, 11, 24, 22, 30)
            ),
            datetime(2026, 11, 24, 23, 0),
        )
        # 20:30 in Tokyo leaves at once (the default would hold it).
        self.assertFalse(
            Sender._callflow_send_after(
                "Asia/Tokyo", now=datetime(2026, 11, 25, 11, 30)
            )
        )
