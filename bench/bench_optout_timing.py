"""Does the answer time of the page without a link tell whether a number is
in the CRM?  (Issue #11, section 4: measured live, 54 ms for a CRM number
against 23 ms for an unknown one.)

1. Create 60 contacts, each owned by a salesperson and with an open lead.
2. Through Odoo's WSGI stack in-process, post "no calls" on
   ``/callflow/optout`` alternately for a CRM number and an unknown number,
   each number once (no repeat), limits off.
3. Print both medians and their difference; the CRM side effects (notes,
   activity, its mail) run afterwards from a cron job, timed on its own.
"""

import re
import statistics
import time

from bench.common import environment, parse_args, wsgi_client

N = 60
WARMUP = 5
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def setup(dbname):
    with environment(dbname) as env:
        params = env["ir.config_parameter"]
        for key in ("rate_limit", "rate_limit_number", "rate_limit_token"):
            params.set_param(f"callflow_optout.{key}", "0")
        env.company.country_id = env.ref("base.jp")
        env["callflow.optout.response"].search([]).unlink()
        salesman = env["res.users"].search([("login", "=", "bench_timing_sales")])
        if not salesman:
            salesman = env["res.users"].create(
                {
                    "name": "Bench salesperson",
                    "login": "bench_timing_sales",
                    "email": "sales@bench.example.com",
                    "groups_id": [(6, 0, [env.ref("base.group_user").id])],
                }
            )
        total = N + WARMUP
        partners = env["res.partner"].create(
            [
                {
                    "name": f"Bench CRM person {i}",
                    "phone": f"+8190{81000000 + i}",
                    "user_id": salesman.id,
                }
                for i in range(total)
            ]
        )
        env["crm.lead"].create(
            [
                {
                    "name": f"Bench lead {i}",
                    "partner_id": partner.id,
                    "user_id": salesman.id,
                    "type": "opportunity",
                }
                for i, partner in enumerate(partners)
            ]
        )
        known = [f"090-{8100 + i // 10000:04d}-{i % 10000:04d}" for i in range(total)]
        unknown = [f"090-{8200 + i // 10000:04d}-{i % 10000:04d}" for i in range(total)]
        return known, unknown


def post_times(known, unknown):
    client = wsgi_client()
    page = client.get("/callflow/optout").get_data(as_text=True)
    csrf = CSRF_RE.search(page).group(1)

    def post(number):
        start = time.perf_counter()
        response = client.post(
            "/callflow/optout",
            data={"csrf_token": csrf, "answer": "no_calls", "number_input": number},
        )
        elapsed = (time.perf_counter() - start) * 1000
        assert response.status_code == 200, response.status_code
        return elapsed

    times = {"crm": [], "unknown": []}
    for i, (crm_number, other) in enumerate(zip(known, unknown, strict=True)):
        # Alternate which goes first, so drift hits both alike.
        pair = [("crm", crm_number), ("unknown", other)]
        if i % 2:
            pair.reverse()
        for kind, number in pair:
            elapsed = post(number)
            if i >= WARMUP:
                times[kind].append(elapsed)
    return times


def main():
    args = parse_args(__doc__)
    known, unknown = setup(args.database)
    times = post_times(known, unknown)
    medians = {kind: statistics.median(values) for kind, values in times.items()}
    print(
        f"POST /callflow/optout, {N} each: median {medians['crm']:.1f} ms for a "
        f"CRM number, {medians['unknown']:.1f} ms for an unknown number "
        f"(difference {medians['crm'] - medians['unknown']:+.1f} ms)",
        flush=True,
    )
    with environment(args.database) as env:
        Response = env["callflow.optout.response"]
        pending = Response.search_count([("notify_pending", "=", True)])
        start = time.perf_counter()
        Response._cron_notify_owners()
        elapsed = (time.perf_counter() - start) * 1000
        print(
            f"cron after the requests: notes and activities for {pending} "
            f"answers in {elapsed:.0f} ms",
            flush=True,
        )


if __name__ == "__main__":
    main()
