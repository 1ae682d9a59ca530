"""Logging a call result: the call, its effects (ledger, callback activity,
lead stage), the chatter and the entry's new state.

Goal (issue #5): under 100 ms per logged result.
"""

import time

from bench.common import environment, parse_args, report, test_helpers

CALLS = 200


def setup(env):
    """The end-to-end test's set-up, with ``CALLS`` leads."""
    helpers = test_helpers()
    operator = helpers.make_operator(env, "bench_operator", "Bench Operator")
    leads = env["crm.lead"].create(
        [
            {
                "name": f"Bench lead {i}",
                "phone": f"090-{7000 + i // 10000:04d}-{i % 10000:04d}",
                "country_id": env.ref("base.jp").id,
            }
            for i in range(CALLS)
        ]
    )
    call_list = helpers.lead_call_list(
        env, "Bench list", "03-3999-9999", operator, leads
    )
    return operator.id, call_list.id


def main():
    args = parse_args(__doc__)
    with environment(args.database) as env:
        operator_id, list_id = setup(env)
    results = ["no_answer", "callback", "refused", "interested", "busy"]
    samples = []
    with environment(args.database, uid=operator_id) as env:
        Dialer = env["callflow.dialer"]
        refs = {r: env.ref(f"callflow_odoo.call_result_{r}") for r in results}
        import datetime

        later = datetime.datetime.now() + datetime.timedelta(days=1)
        for i in range(CALLS):
            entry = Dialer._pick_next([list_id])
            if not entry:
                break
            result = refs[results[i % len(results)]]
            start = time.perf_counter()
            env["callflow.call"]._log_call(
                entry,
                "answered",
                result,
                note="Bench call",
                callback_at=later if result.schedule_callback else None,
            )
            env.flush_all()
            samples.append((time.perf_counter() - start) * 1000)
        env.cr.rollback()
    samples.sort()
    figures = {
        "calls": len(samples),
        "median_ms": round(samples[len(samples) // 2], 2),
        "p95_ms": round(samples[int(len(samples) * 0.95) - 1], 2),
        "max_ms": round(samples[-1], 2),
    }
    report("log a call result (incl. effects and chatter)", figures, limit_ms=100)


if __name__ == "__main__":
    main()
