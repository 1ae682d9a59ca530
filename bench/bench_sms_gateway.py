"""Delivering 10,000 queued SMS to a local Twilio-compatible gateway.

Goal (issue #6): under 60 s, memory flat, none lost or duplicated while the
gateway answers 10 % of requests with HTTP 500 (retried with backoff, same
idempotency key). The gateway is a real threaded HTTP server on 127.0.0.1
that dedupes by ``I-Twilio-Idempotency-Token``, so ``delivered`` is what
phones would receive. Sending goes through Odoo's own SMS queue processing
(``sms.sms._process_queue``: batches of 500, commit after each).
"""

import resource
import time

import requests

from bench.common import environment, parse_args, report, start_gateway

N = 10_000


def rss_mb():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    return None


def main():
    args = parse_args(__doc__)
    server, url = start_gateway(fail_ratio=0.10)
    try:
        run(args, url)
    finally:
        server.terminate()


def run(args, url):
    with environment(args.database) as env:
        params = env["ir.config_parameter"]
        for key, value in {
            "provider": "twilio",
            "twilio_base_url": url,
            "twilio_account_sid": "ACbench",
            "twilio_auth_token": "bench",
            "twilio_from_number": "+815000000000",
            "backoff": "0.05",
            "max_retries": "5",
            "workers": "8",
        }.items():
            params.set_param(f"callflow_sms.{key}", value)
        env.cr.execute("DELETE FROM sms_sms")
        env["sms.sms"].create(
            [
                {"number": f"+8190{10000000 + i}", "body": f"Bench message {i}"}
                for i in range(N)
            ]
        )
    rss_before = rss_mb()
    start = time.perf_counter()
    with environment(args.database) as env:
        env["sms.sms"]._process_queue()
    elapsed = time.perf_counter() - start
    rss_after = rss_mb()
    with environment(args.database) as env:
        env.cr.execute("SELECT state, count(*) FROM sms_sms GROUP BY state")
        states = dict(env.cr.fetchall())
    stats = requests.get(url + "/stats", timeout=10).json()
    figures = {
        "messages": N,
        "seconds": round(elapsed, 2),
        "per_second": round(N / elapsed),
        "http_requests": stats["requests"],
        "http_500_answers": stats["requests"] - stats["accepted"],
        "delivered_unique": stats["delivered"],
        "duplicates": stats["duplicates"],
        "states": states,
        "rss_mb_before": rss_before,
        "rss_mb_after": rss_after,
        "peak_rss_mb": round(
            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1
        ),
    }
    ok = (
        elapsed < 60
        and stats["delivered"] == N
        and not stats["duplicates"]
        and states.get("pending") == N
    )
    report("sms gateway 10k (10% HTTP 500)", figures)
    print("OK" if ok else "NOT OK: goal missed", flush=True)


if __name__ == "__main__":
    main()
