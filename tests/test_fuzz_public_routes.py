"""Fuzz every public route: bad input gets a clear answer, never a 500.

Hypothesis generates the requests (derandomized: the same cases every run,
no example database, no shrinking) from a custom alphabet of what people and
robots send: unicode, full-width digits, SQL-ish and HTML strings, numbers
in every shape, huge fields, missing and duplicated fields, bad CSRF tokens
and signatures.  A few megabyte-sized fields are sent once per route.
Expected: no status 500 and no error logged by Odoo.
"""

import json
import time
from collections import Counter, defaultdict
from urllib.parse import quote, urlencode

from hypothesis import HealthCheck, Phase, Verbosity, given, settings
from hypothesis import strategies as st

from odoo.tests import HttpCase, tagged

from odoo.addons.callflow_odoo.tests.common import set_twilio_voice
from odoo.addons.callflow_odoo.tools import signatures
from odoo.addons.callflow_sms.tests.gateway_server import FakeGateway
from odoo.addons.callflow_sms.tests.test_sms_gateway import LocalGatewayMixin

TWILIO_TOKEN = "fuzz-twilio-token"
JSON_SECRET = "fuzz-json-secret"
# Requests per route family, 2,000 at least in all; pages cost ten times
# what a webhook costs, so webhooks get more cases for the same time.
EXAMPLES = {
    "directory": 80,
    "vcard": 60,
    "optout_link_get": 40,
    "optout_link_post": 150,
    "optout_page_get": 20,
    "optout_page_post": 150,
    "contact_form": 200,
    "twilio_inbound": 450,
    "twilio_status": 350,
    "http_json_inbound": 400,
    "http_json_status": 350,
    "api_inbound": 200,
    "api_lookup": 80,
    "voice_inbound": 150,
    "voice_status": 100,
}

NASTY = [
    "",
    " ",
    "0",
    "00",
    "24",
    "25",
    "-1",
    "²",
    "¹⁸",
    "٣",
    "१२",
    "１２",
    "０９０－４４１２－７７３１",
    "090-4412-7731",
    "090-1234-5678 内線12",
    "+81 90 1234 5678",
    "+1 (201) 555-0123",
    "+999 1234",
    "00819012345678",
    "1e309",
    "NaN",
    "null",
    "None",
    "True",
    "[]",
    "{}",
    "%s",
    "%(x)s",
    "{0}",
    "{uuid}",
    "' OR 1=1 --",
    "'; DROP TABLE res_partner; --",
    '" onmouseover="alert(1)',
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "]]><!--",
    "\x00",
    "\x00\x01\x1b[31m",
    "\u202e\u200b\ufeff",
    "\ud7ff\ue000\U0010ffff",
    "🙂" * 40,
    "ストップ",
    "配信停止して",
    "ＳＴＯＰ",
    "STOP",
    "START",
    "HELP",
    "stop_all",
    "keep_contacting",
    "certain_times",
    "wrong_person",
    "other",
    "phone",
    "sms",
    "email_only",
    "delivered",
    "failed",
    "taro@example.com",
    "a@b",
    "@@",
    "../../etc/passwd",
    "/o/" + "A" * 22,
    "A" * 300,
    "9" * 1000,
    "x" * 5000,
    "ｘ" * 2000,
]
HUGE = [
    "x" * 200_000,
    "9" * 300_000,
    "090-1234-5678" + " " * (2 * 1024 * 1024),
    "<b>" * 100_000,
]
DIGITS = "0123456789０１２３４５６７８９٠١٢٣٤٥٦٧٨٩²³¹⁴"
SEPARATORS = " -－ー‐―.()（）+＋/#x内線"

# Servers refuse request lines over 64 KiB by closing the connection: URLs
# carry shorter values, bodies carry everything.
URL_MAX = 4000

# A valid CSRF token or signature in three cases out of four (Hypothesis
# draws small integers far more often than large ones: no integers here).
MOSTLY = st.sampled_from([True, True, True, False])

values = st.one_of(
    st.sampled_from(NASTY),
    st.text(max_size=40),
    st.text(alphabet=DIGITS + SEPARATORS, min_size=1, max_size=30),
    st.integers(min_value=-(10**20), max_value=10**20).map(str),
    st.sampled_from(NASTY).map(lambda v: v * 50),
)


def form(fields, extra=("foo", "answer[]", "csrf_token")):
    """A form: each known field missing, once or twice, plus odd names."""
    field = st.lists(values, min_size=0, max_size=2)
    return st.tuples(
        st.fixed_dictionaries({name: field for name in fields}),
        st.dictionaries(st.sampled_from(extra), values, max_size=2),
    ).map(
        lambda pair: (
            [(k, v) for k, vs in pair[0].items() for v in vs] + list(pair[1].items())
        )
    )


OPTOUT_FIELDS = [
    "answer",
    "reason",
    "reason_other",
    "times_from",
    "times_to",
    *(f"times_day_{d}" for d in "1234567"),
    "times_note",
    "email",
    "comments",
    "number_input",
    "homepage",
]
CONTACT_FIELDS = [
    "contact_name",
    "email_from",
    "name",
    "partner_name",
    "phone",
    "description",
    "callflow_contact_choice",
]
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | values,
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=6,
)


def json_body(keys):
    return st.one_of(
        st.dictionaries(st.sampled_from(keys), json_values, max_size=len(keys)).map(
            lambda d: json.dumps(d).encode()
        ),
        json_values.map(lambda v: json.dumps(v).encode()),
        st.binary(max_size=64),
        st.sampled_from([b"", b"{", b'{"from": "+819011112222"', b"\xff\xfe"]),
    )


@tagged("post_install", "-at_install")
class TestFuzzPublicRoutes(LocalGatewayMixin, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        env.company.country_id = env.ref("base.jp")
        env["callflow.caller.number"].create(
            {"name": "Fuzz desk", "number": "03-3999-0888", "is_published": True}
        )
        partner = env["res.partner"].create(
            {"name": "Fuzz Taro", "phone": "090-1234-5678", "user_id": env.uid}
        )
        cls.raw = env["callflow.optout.token"]._issue_tokens(
            [{"number": "+819012345678", "partner_id": partner.id}]
        )[0]
        # The PBX API's key, with room for every fuzzed request.
        cls.api_key = (
            env["callflow.api.key"]
            .create({"name": "Fuzz PBX", "rate_limit": 100_000})
            .action_generate()["context"]["default_key"]
        )

    def setUp(self):
        super().setUp()
        self.params = self.env["ir.config_parameter"].sudo()
        self.gateway = FakeGateway().__enter__()
        self.addCleanup(self.gateway.__exit__)
        for key, value in {
            "twilio_account_sid": "AC1",
            "twilio_auth_token": TWILIO_TOKEN,
            "twilio_from_number": "+815000000000",
            "twilio_base_url": self.gateway.url,
            "webhook_secret": JSON_SECRET,
            "http_url": self.gateway.url + "/send",
            "backoff": "0.01",
        }.items():
            self.params.set_param(f"callflow_sms.{key}", value)
        self.statuses = defaultdict(Counter)
        self.seconds = {}

    # --- senders ----------------------------------------------------------
    def _csrf(self):
        if not hasattr(self, "_csrf_token"):
            page = self.url_open("/callflow/optout").text
            start = page.index('name="csrf_token" value="') + 25
            self._csrf_token = page[start : page.index('"', start)]
        return self._csrf_token

    def _with_csrf(self, data, keep):
        data = [(k, v) for k, v in data if k != "csrf_token"]
        return data + [("csrf_token", self._csrf())] if keep else data

    def _check(self, family, response, case):
        self.statuses[family][response.status_code] += 1
        self.assertLess(response.status_code, 500, f"{family}: {case!r:.300}")

    def _fuzz(self, family, strategy, send):
        @settings(
            max_examples=EXAMPLES[family],
            derandomize=True,
            database=None,
            deadline=None,
            phases=[Phase.generate],
            suppress_health_check=list(HealthCheck),
            # The failing request is in the assertion message, cut short:
            # a falsifying example may hold megabytes.
            verbosity=Verbosity.quiet,
        )
        @given(strategy)
        def run(case):
            self._check(family, send(case), case)

        start = time.perf_counter()
        run()
        self.seconds[family] = round(time.perf_counter() - start, 1)

    def _post_twilio(self, path, data, sign, query=""):
        url = self.base_url() + path + query
        params = {}
        for key, value in data:
            params.setdefault(key, value)
        signature = (
            signatures.twilio_signature(url, params, TWILIO_TOKEN) if sign else "bogus"
        )
        return self.url_open(url, data=data, headers={"X-Twilio-Signature": signature})

    def _post_json(self, path, body, sign):
        # The generic gateway's scheme: HMAC of "<timestamp>.<body>".
        timestamp = str(int(time.time()))
        signature = signatures.sign_webhook(JSON_SECRET, timestamp, body)
        return self.url_open(
            path,
            data=body,
            headers={
                "X-Callflow-Signature": signature if sign else "x" * 64,
                "X-Callflow-Timestamp": timestamp,
                "Content-Type": "application/json",
            },
        )

    def _api(self, path, body=None, keep=True):
        # The PBX API: a bearer key, valid or not.
        key = self.api_key if keep else self.api_key[:-3] + "xyz"
        headers = {"Authorization": f"Bearer {key}"}
        if body is None:
            return self.url_open(path, headers=headers)
        headers["Content-Type"] = "application/json"
        return self.url_open(path, data=body, headers=headers)

    # --- the test ---------------------------------------------------------
    def test_fuzz_every_public_route(self):
        raw = self.raw
        with self.assertNoLogs("odoo", level="ERROR"):
            self._fuzz(
                "directory",
                st.lists(values, max_size=2),
                lambda vs: self.url_open(
                    "/callflow/numbers?"
                    + urlencode([("number", v[:URL_MAX]) for v in vs])
                ),
            )
            self._fuzz(
                "vcard",
                values,
                lambda v: self.url_open(
                    f"/callflow/numbers/{quote(v[:URL_MAX], safe='')}.vcf"
                ),
            )
            self._fuzz(
                "optout_link_get",
                values,
                lambda v: self.url_open(f"/o/{quote(v[:URL_MAX], safe='')}"),
            )
            self._fuzz(
                "optout_link_post",
                st.tuples(
                    st.one_of(st.just(raw), st.just(raw), values),
                    form(OPTOUT_FIELDS),
                    MOSTLY,
                ),
                lambda case: self.url_open(
                    f"/o/{quote(case[0][:URL_MAX], safe='')}",
                    data=self._with_csrf(case[1], case[2]),
                ),
            )
            self._fuzz(
                "optout_page_get",
                st.lists(st.tuples(st.sampled_from(OPTOUT_FIELDS), values), max_size=3),
                lambda q: self.url_open(
                    "/callflow/optout?" + urlencode([(k, v[:URL_MAX]) for k, v in q])
                ),
            )
            self._fuzz(
                "optout_page_post",
                st.tuples(form(OPTOUT_FIELDS), MOSTLY),
                lambda case: self.url_open(
                    "/callflow/optout", data=self._with_csrf(case[0], case[1])
                ),
            )
            self._fuzz(
                "contact_form",
                st.tuples(form(CONTACT_FIELDS), MOSTLY),
                lambda case: self.url_open(
                    "/website/form/crm.lead",
                    data=self._with_csrf(case[0], case[1]),
                ),
            )
            self.params.set_param("callflow_sms.provider", "twilio")
            self._fuzz(
                "twilio_inbound",
                st.tuples(
                    form(["From", "To", "Body", "MessageSid"], extra=("AccountSid",)),
                    MOSTLY,
                ),
                lambda case: self._post_twilio(
                    "/callflow_sms/twilio/inbound", case[0], case[1]
                ),
            )
            self._fuzz(
                "twilio_status",
                st.tuples(
                    form(["MessageSid", "MessageStatus", "ErrorCode", "ErrorMessage"]),
                    MOSTLY,
                    values,
                ),
                lambda case: self._post_twilio(
                    "/callflow_sms/twilio/status",
                    case[0],
                    case[1],
                    query="?" + urlencode({"uuid": case[2][:URL_MAX]}),
                ),
            )
            self.params.set_param("callflow_sms.provider", "http_json")
            self._fuzz(
                "http_json_inbound",
                st.tuples(json_body(["from", "text", "id"]), MOSTLY),
                lambda case: self._post_json(
                    "/callflow_sms/http_json/inbound", case[0], case[1]
                ),
            )
            self._fuzz(
                "http_json_status",
                st.tuples(json_body(["uuid", "id", "status", "error"]), MOSTLY),
                lambda case: self._post_json(
                    "/callflow_sms/http_json/status", case[0], case[1]
                ),
            )
            self._fuzz(
                "api_inbound",
                st.tuples(
                    st.one_of(
                        json_body(
                            [
                                "caller",
                                "called",
                                "extension",
                                "operator",
                                "call_id",
                                "event",
                                "duration",
                            ]
                        ),
                        # A real published number and login: past the 404s.
                        st.fixed_dictionaries(
                            {
                                "caller": values,
                                "called": st.just("03-3999-0888"),
                                "operator": st.just("admin"),
                                "event": st.sampled_from(
                                    ["ringing", "answered", "missed", "ended", "x"]
                                ),
                                "call_id": st.sampled_from(["pbx-1", "pbx-2"]) | values,
                                "duration": json_values,
                            }
                        ).map(lambda d: json.dumps(d).encode()),
                    ),
                    MOSTLY,
                ),
                lambda case: self._api("/callflow/api/v1/inbound", case[0], case[1]),
            )
            self._fuzz(
                "api_lookup",
                st.tuples(st.lists(values, max_size=2), MOSTLY),
                lambda case: self._api(
                    "/callflow/api/v1/lookup?"
                    + urlencode([("number", v[:URL_MAX]) for v in case[0]]),
                    keep=case[1],
                ),
            )
            set_twilio_voice(self, "AC1", TWILIO_TOKEN)
            self._fuzz(
                "voice_inbound",
                st.tuples(
                    st.one_of(
                        form(["From", "To", "CallSid", "CallStatus"]),
                        # A real published number: past the polite refusal,
                        # through the lookup, routing and voicemail.
                        st.fixed_dictionaries(
                            {
                                "From": values,
                                "To": st.just("+81339990888") | values,
                                "CallSid": st.sampled_from(["CA1", "CA2"]) | values,
                                "CallStatus": st.just("ringing") | values,
                            }
                        ).map(lambda d: list(d.items())),
                    ),
                    MOSTLY,
                ),
                lambda case: self._post_twilio(
                    "/callflow/voice/inbound", case[0], case[1]
                ),
            )
            self._fuzz(
                "voice_status",
                st.tuples(
                    form(["CallSid", "CallStatus", "CallDuration", "Timestamp"]),
                    MOSTLY,
                    st.sampled_from(["1", "2", "999999"]),
                    values,
                ),
                lambda case: self._post_twilio(
                    f"/callflow/voice/status/{case[2]}",
                    case[0],
                    case[1],
                    query="?" + urlencode({"t": case[3][:URL_MAX], "leg": "person"}),
                ),
            )
            self._huge_fields()
        total = sum(sum(c.values()) for c in self.statuses.values())
        histogram = sum(self.statuses.values(), Counter())
        print(f"\nfuzz: {total} cases, statuses {dict(sorted(histogram.items()))}")
        for family, counter in self.statuses.items():
            print(
                f"  {family}: {dict(sorted(counter.items()))} "
                f"in {self.seconds.get(family)} s"
            )
        self.assertGreaterEqual(total, 2000)
        self.assertEqual(histogram[500], 0)

    def _huge_fields(self):
        """Megabyte-sized fields, once per route and field kind."""
        csrf = self._csrf()
        for value in HUGE:
            cases = [
                (
                    "directory",
                    lambda v: self.url_open(
                        "/callflow/numbers?" + urlencode({"number": v[:URL_MAX]})
                    ),
                ),
                (
                    "optout_link_post",
                    lambda v: self.url_open(
                        f"/o/{self.raw}",
                        data={"answer": "stop_all", "comments": v, "csrf_token": csrf},
                    ),
                ),
                (
                    "optout_page_post",
                    lambda v: self.url_open(
                        "/callflow/optout",
                        data={
                            "answer": "no_sms",
                            "number_input": v,
                            "csrf_token": csrf,
                        },
                    ),
                ),
                (
                    "contact_form",
                    lambda v: self.url_open(
                        "/website/form/crm.lead",
                        data={
                            "contact_name": "Huge",
                            "email_from": "huge@example.com",
                            "name": "Huge",
                            "phone": v,
                            "callflow_contact_choice": "phone",
                            "csrf_token": csrf,
                        },
                    ),
                ),
                (
                    "api_inbound",
                    lambda v: self._api(
                        "/callflow/api/v1/inbound",
                        json.dumps(
                            {"caller": v, "called": "03-3999-0888", "operator": "admin"}
                        ).encode(),
                    ),
                ),
                (
                    "http_json_inbound",
                    lambda v: self._post_json(
                        "/callflow_sms/http_json/inbound",
                        json.dumps({"from": v, "text": v, "id": "m1"}).encode(),
                        True,
                    ),
                ),
            ]
            for family, send in cases:
                self._check(family, send(value), value[:40])
