from datetime import timedelta

from odoo import fields
from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestPreferenceLedger(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Event = cls.env["callflow.preference.event"]
        cls.State = cls.env["callflow.preference.state"]
        cls.now = fields.Datetime.now()

    def _record(self, number, action, minutes=0, **vals):
        vals.setdefault("source", "operator")
        return self.Event._record(
            [
                dict(
                    vals,
                    number=number,
                    action=action,
                    event_date=self.now + timedelta(minutes=minutes),
                )
            ]
        )

    def test_record_and_check(self):
        """A raw number is normalised and an opt-out blocks calls at once."""
        event = self._record("+81 90-1234-5678", "opt_out", channel="call")
        self.assertEqual(event.number, "+819012345678")
        blocked = self.State._check_numbers(
            ["+819012345678", "+819087654321"], "call", "sales"
        )
        self.assertEqual(blocked, {"+819012345678": "opt_out"})
        self.assertEqual(self.State._check_numbers(["+819012345678"], "sms"), {})
        self.assertTrue(self.State._reason_label("opt_out"))
