"""SMS tests: the Callflow base chain (``callflow_odoo.tests.common``) with
the SMS queue and a real local gateway."""

import json
import time

from odoo.addons.callflow_odoo.tests.common import CallflowCommon
from odoo.addons.callflow_odoo.tools import signatures

from .gateway_server import FakeGateway
from .test_sms_gateway import LocalGatewayMixin

WEBHOOK_SECRET = "json-secret"


def set_sms_params(env, **values):
    """Set the ``callflow_sms.<name>`` system parameters to ``values``, as
    an administrator does in Settings; returns ``ir.config_parameter`` (as
    superuser) to set more."""
    # sudo: system parameters are an administrator's, not the test user's
    params = env["ir.config_parameter"].sudo()
    for name, value in values.items():
        params.set_param(f"callflow_sms.{name}", value)
    return params


class CallflowSMSCase(CallflowCommon):
    """Asserts on the SMS queue."""

    def assertSMSQueued(self, number, count=None, contains=None):
        """SMS to ``number`` wait in the queue (``count`` of them; each
        with ``contains`` in its text); returns them."""
        sms = self.env["sms.sms"].search(
            [("number", "=", number), ("state", "=", "outgoing")]
        )
        if count is None:
            self.assertTrue(sms, f"no SMS queued for {number}")
        else:
            self.assertEqual(len(sms), count, f"SMS queued for {number}")
        for body in sms.mapped("body"):
            self.assertIn(contains or "", body)
        return sms

    def assertNoSMS(self, number):
        """Nothing was queued or sent to ``number``."""
        self.assertFalse(self.env["sms.sms"].search([("number", "=", number)]))


class JsonGatewayMixin(LocalGatewayMixin):
    """The generic JSON provider on a real local gateway, and webhooks
    signed as it signs them."""

    def setUp(self):
        super().setUp()
        self.params = set_sms_params(
            self.env, provider="http_json", webhook_secret=WEBHOOK_SECRET
        )
        self.gateway = FakeGateway().__enter__()
        self.addCleanup(self.gateway.__exit__)
        self.params.set_param("callflow_sms.http_url", self.gateway.url + "/send")

    def signed_post(self, path, payload, signature=None, raw=None, timestamp=None):
        """POST ``payload`` (or the ``raw`` bytes) to the webhook ``path``,
        signed with the shared secret unless ``signature`` is given."""
        body = raw if raw is not None else json.dumps(payload).encode()
        timestamp = str(int(time.time()) if timestamp is None else timestamp)
        if signature is None:
            signature = signatures.sign_webhook(WEBHOOK_SECRET, timestamp, body)
        return self.url_open(
            path,
            data=body,
            headers={
                "X-Callflow-Timestamp": timestamp,
                "X-Callflow-Signature": signature,
                "Content-Type": "application/json",
            },
        )
