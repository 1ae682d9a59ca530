"""Settings -> Callflow: SMS sending hours, opt-out codes and the provider
connection are set there and used when sending (issue #16)."""

from datetime import datetime

from odoo.exceptions import ValidationError
from odoo.tests import HttpCase, TransactionCase, tagged

from odoo.addons.callflow_odoo.tests.common import CallflowCase


@tagged("post_install", "-at_install")
class TestSmsSettings(CallflowCase, TransactionCase):
    def test_sending_hours_saved_in_settings_hold_messages(self):
        Sender = self.env["callflow.sms.sender"]
        noon_tokyo = datetime(2026, 12, 1, 3, 0)  # 12:00 in Tokyo
        self.assertFalse(Sender._callflow_send_after("Asia/Tokyo", now=noon_tokyo))
        self.save_settings(callflow_sms_window_from=13.5, callflow_sms_window_to=18)
        self.assertEqual(
            Sender._callflow_send_after("Asia/Tokyo", now=noon_tokyo),
            datetime(2026, 12, 1, 4, 30),
            "held until 13:30 in Tokyo",
        )
        # Midnight is a valid start: kept as 0, not replaced by the default.
        self.save_settings(callflow_sms_window_from=0, callflow_sms_window_to=24)
        self.assertEqual(Sender._callflow_quiet_hours(), (0.0, 24.0))
        self.assertFalse(Sender._callflow_send_after("Asia/Tokyo", now=noon_tokyo))

    def test_sending_hours_must_start_before_they_end(self):
        with self.assertRaisesRegex(
            ValidationError, "must start before they end \\(from 20:00 until 09:00\\)"
        ):
            self.env["res.config.settings"].create(
                {"callflow_sms_window_from": 20, "callflow_sms_window_to": 9}
            )
        with self.assertRaisesRegex(ValidationError, "Send SMS Until must be between"):
            self.env["res.config.settings"].create({"callflow_sms_window_to": 25})

    def test_code_and_provider_settings_reach_the_code(self):
        self.save_settings(
            callflow_sms_optout_code_minutes=30,
            callflow_sms_optout_code_per_hour=2,
            callflow_sms_optout_code_attempts=3,
            callflow_sms_connect_timeout=2.5,
            callflow_sms_read_timeout=20,
            callflow_sms_max_retries=0,
            callflow_sms_backoff=1.5,
            callflow_sms_workers=8,
        )
        Code = self.env["callflow.optout.code"]
        self.assertEqual(
            (Code._param("minutes"), Code._param("per_hour"), Code._param("attempts")),
            (30, 2, 3),
        )
        gateway = self.env["callflow.sms.gateway"]._callflow_gateway("http_json")
        self.assertEqual(gateway.timeout, (2.5, 20.0))
        self.assertEqual(
            (gateway.max_retries, gateway.backoff, gateway.workers), (0, 1.5, 8)
        )

    def test_invalid_values_are_refused_with_the_setting_named(self):
        Settings = self.env["res.config.settings"]
        cases = {
            "callflow_sms_max_retries": (-1, "Retries must be between 0 and 10"),
            "callflow_sms_workers": (0, "Parallel Requests must be between 1 and 32"),
            "callflow_sms_optout_code_attempts": (0, "Attempts per Code must be"),
            "callflow_sms_connect_timeout": (0, "Connect Timeout \\(seconds\\) must"),
        }
        for name, (value, message) in cases.items():
            with self.subTest(name), self.assertRaisesRegex(ValidationError, message):
                Settings.create({name: value})


@tagged("post_install", "-at_install")
class TestSettingsTour(HttpCase):
    def test_settings_page_refuses_a_negative_limit_and_saves_a_valid_one(self):
        """Settings -> Callflow in the browser: the opt-out and SMS knobs are
        there, -1 is refused with the setting named, 7 is saved and used."""
        self.start_tour(
            "/odoo/action-callflow_odoo.res_config_settings_action",
            "callflow_settings_tour",
            login="admin",
        )
        self.assertEqual(
            self.env["ir.config_parameter"].get_param(
                "callflow_optout.rate_limit_number"
            ),
            "7",
        )
