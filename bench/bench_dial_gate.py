"""Dial gate benchmark (issue #13).

The gate's decision for one call (``callflow.dial.gate._check``), server
time in the Odoo process, at 100,000 entries: from the dialer (an entry of a
list of 100,000, other lists holding the same numbers, 100,000 attempts in
the company caps' log, a ledger of 2,000 blocks) and from the phone widget
(no entry). Goal <= 30 ms. Also the number of SQL statements per decision.
"""

import os
import random

from odoo.tools import SQL

from bench.common import environment, parse_args, report, timed

N = int(os.environ.get("CALLFLOW_BENCH_GATE_ENTRIES", "100000"))
GOAL_MS = 30


def fill(env):
    """A running list of ``N`` entries in SQL (Tokyo mobiles, every day and
    hour), a second list holding a tenth of the numbers, one attempt per
    number in the last days, and 2,000 numbers opted out."""
    env.company.country_id = env.ref("base.jp")
    env.company.partner_id.tz = "Asia/Tokyo"
    env.company.callflow_cap_enabled = True
    caller = env["callflow.caller.number"].create(
        {"name": "Gate bench desk", "number": "+81360000100", "is_published": True}
    )
    user = env["res.users"].create(
        {
            "name": "Gate bench operator",
            "login": "bench_gate_op",
            "groups_id": [
                (6, 0, [env.ref("callflow_odoo.group_callflow_operator").id])
            ],
            "callflow_default_caller_number_id": caller.id,
        }
    )
    lists = env["callflow.list"].create(
        [
            {
                "name": name,
                "caller_number_id": caller.id,
                "user_ids": [(6, 0, user.ids)],
                "window_days": "1234567",
                "window_from": 0,
                "window_to": 24,
                "min_gap_hours": 1,
            }
            for name in ("Gate bench", "Gate bench B")
        ]
    )
    lists.action_start()
    env.flush_all()
    env.cr.execute(
        SQL(
            """
            INSERT INTO callflow_list_entry
                   (list_id, company_id, name, number, raw_number, state,
                    attempt_count, priority, tz, create_uid, create_date,
                    write_uid, write_date)
            SELECT l.id, l.company_id, 'Gate ' || i,
                   '+8190' || (10000000 + i)::text, '', 'pending', 0, '0',
                   'Asia/Tokyo', 1, now() AT TIME ZONE 'UTC', 1,
                   now() AT TIME ZONE 'UTC'
              FROM generate_series(1, %(n)s) AS i
              JOIN callflow_list l ON l.id = %(a)s
             UNION ALL
            SELECT l.id, l.company_id, 'Gate ' || i,
                   '+8190' || (10000000 + i)::text, '', 'pending', 0, '0',
                   'Asia/Tokyo', 1, now() AT TIME ZONE 'UTC', 1,
                   now() AT TIME ZONE 'UTC'
              FROM generate_series(1, %(n)s, 10) AS i
              JOIN callflow_list l ON l.id = %(b)s;
            INSERT INTO callflow_number_attempt
                   (number, company_id, attempt_date, list_id, outcome)
            SELECT '+8190' || (10000000 + i)::text, %(company)s,
                   now() AT TIME ZONE 'UTC' - make_interval(hours => mod(i, 96)),
                   %(a)s, 'no_answer'
              FROM generate_series(1, %(n)s) AS i;
            ANALYZE callflow_list_entry;
            ANALYZE callflow_number_attempt
            """,
            n=N,
            a=lists[0].id,
            b=lists[1].id,
            company=env.company.id,
        )
    )
    env["callflow.preference.event"]._record(
        [
            {
                "number": f"+8190{10000000 + i}",
                "channel": "call",
                "scope": "all",
                "action": "opt_out",
                "source": "import",
            }
            for i in range(1, N, max(N // 2000, 1))
        ]
    )
    return user, lists[0], caller


def main():
    args = parse_args(__doc__)
    with environment(args.database) as env:
        user, call_list, caller = fill(env)
        env.cr.commit()
        env.cr.execute(
            SQL(
                "SELECT id, number FROM callflow_list_entry WHERE list_id = %s",
                call_list.id,
            )
        )
        rows = env.cr.fetchall()
        user_id, caller_id = user.id, caller.id

    rng = random.Random(13)
    with environment(args.database, uid=user_id) as env:
        Gate = env["callflow.dial.gate"]
        Entry = env["callflow.list.entry"]
        user = env.user
        caller = env["callflow.caller.number"].browse(caller_id)
        codes = {}

        def from_dialer():
            entry_id, number = rng.choice(rows)
            decision = Gate._check(
                number, user=user, caller_number=caller, entry=Entry.browse(entry_id)
            )
            codes[decision.code] = codes.get(decision.code, 0) + 1
            env.invalidate_all()

        def from_widget():
            _entry_id, number = rng.choice(rows)
            decision = Gate._check(number, user=user, caller_number=caller)
            codes[decision.code] = codes.get(decision.code, 0) + 1
            env.invalidate_all()

        queries = env.cr.sql_log_count
        from_dialer()
        queries = env.cr.sql_log_count - queries
        report(
            f"gate decision from the dialer, {len(rows)} entries "
            f"({queries} statements)",
            timed(from_dialer, 200, 10),
            GOAL_MS,
            key="p95_ms",
        )
        queries = env.cr.sql_log_count
        from_widget()
        queries = env.cr.sql_log_count - queries
        report(
            f"gate decision from the phone widget ({queries} statements)",
            timed(from_widget, 200, 10),
            GOAL_MS,
            key="p95_ms",
        )
        print(f"decisions by code: {codes}", flush=True)
        env.cr.rollback()


if __name__ == "__main__":
    main()
