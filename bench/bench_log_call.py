"""Logging a call result: the call, its effects (ledger, callback activity,
lead stage), the chatter and the entry's new state.

Goal (issue #5): under 100 ms per logged result.
"""

import time

from bench.common import environment, parse_args, report

CALLS = 200


def setup(env):
    env.company.country_id = env.ref("base.jp")
    env.company.callflow_cap_enabled = False
    operator = env["res.users"].search([("login", "=", "bench_operator")])
    if not operator:
        operator = env["res.users"].create(
            {
                "name": "Bench Operator",
                "login": "bench_operator",
                "groups_id": [
                    (6, 0, [env.ref("callflow_odoo.group_callflow_operator").id])
                ],
            }
        )
    caller = env["callflow.caller.number"].create(
        {"name": "Bench desk", "number": "03-3999-9999", "is_published": True}
    )
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
    every_day = {f"window_{d}": True for d in ("sat", "sun")}
    call_list = env["callflow.list"].create(
        dict(
            every_day,
            name="Bench list",
            caller_number_id=caller.id,
            user_ids=[(6, 0, [operator.id])],
            source_model="crm.lead",
            source_domain=f"[('id', 'in', {leads.ids})]",
            window_from=0,
            window_to=24,
            min_gap_hours=0,
        )
    )
    call_list._build_entries()
    call_list.action_start()
    return operator.id, call_list.id


def main():
    args = parse_args(__doc__)
    with environment(args.database) as env:
        operator_id, list_id = setup(env)
    results = ["no_answer", "callback", "refused", "interested", "busy"]
    samples = []
    with environment(args.database, uid=operator_id) as env:
        Entry = env["callflow.list.entry"]
        refs = {r: env.ref(f"callflow_odoo.call_result_{r}") for r in results}
        import datetime

        later = datetime.datetime.now() + datetime.timedelta(days=1)
        for i in range(CALLS):
            entry = Entry._pick_next([list_id])
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
