"""Checking 100,000 numbers against the contact-preference ledger.

Goal (issue #4): under 1 s, in one query.  The ledger is filled set-based in
SQL (100,000 numbers with states, a third of them with blocking events, some
lifted by a later opt-in, 5,000 blacklisted), then ``_check_numbers`` is timed
on all 100,000 numbers for calls and for SMS (which also reads
``phone.blacklist``).
"""

import threading
import time

from odoo.service.model import retrying
from odoo.tools import SQL

from bench.common import environment, parse_args, report, timed

N = 100_000


def fill(env):
    cr = env.cr
    cr.execute(
        SQL(
            """
            TRUNCATE callflow_preference_state_line, callflow_preference_event,
                     callflow_preference_state CASCADE;
            CREATE TEMP TABLE bench_numbers AS
                SELECT i, '+8190' || (10000000 + i)::text AS number
                  FROM generate_series(1, %(n)s) AS i;
            INSERT INTO callflow_preference_state (number)
                 SELECT number FROM bench_numbers;
            -- every third number has an event; mod(i, 9) picks the kind
            INSERT INTO callflow_preference_event
                   (number, state_id, channel, scope, purpose, action, source,
                    event_date, create_date, write_date)
                 SELECT n.number, s.id,
                        CASE WHEN mod(n.i, 9) IN (0, 3) THEN 'all' ELSE 'call' END,
                        CASE WHEN mod(n.i, 9) = 6 THEN 'purpose' ELSE 'all' END,
                        CASE WHEN mod(n.i, 9) = 6 THEN 'sales' END,
                        CASE mod(n.i, 9) WHEN 0 THEN 'opt_out' WHEN 3 THEN 'dnc'
                                      ELSE 'refusal' END,
                        'import',
                        now() AT TIME ZONE 'UTC' - interval '1 day',
                        now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'
                   FROM bench_numbers n
                   JOIN callflow_preference_state s ON s.number = n.number
                  WHERE mod(n.i, 3) = 0;
            -- a later opt-in by the person for one in five numbers
            INSERT INTO callflow_preference_event
                   (number, state_id, channel, scope, action, source,
                    event_date, create_date, write_date)
                 SELECT n.number, s.id, 'all', 'all', 'opt_in', 'link',
                        now() AT TIME ZONE 'UTC',
                        now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'
                   FROM bench_numbers n
                   JOIN callflow_preference_state s ON s.number = n.number
                  WHERE mod(n.i, 5) = 0;
            INSERT INTO callflow_preference_state_line
                   (state_id, number, channel, scope, purpose, action, is_self,
                    event_id, event_date)
                 SELECT state_id, number, channel, scope, purpose, action,
                        action = 'opt_in' AND source IN ('link', 'sms',
                                                         'sms_code', 'manual'),
                        id, event_date
                   FROM callflow_preference_event;
            INSERT INTO phone_blacklist (number, active, create_date, write_date)
                 SELECT number, TRUE, now() AT TIME ZONE 'UTC',
                        now() AT TIME ZONE 'UTC'
                   FROM bench_numbers WHERE mod(i, 20) = 1
            ON CONFLICT (number) DO NOTHING;
            ANALYZE callflow_preference_state_line;
            ANALYZE phone_blacklist;
            """,
            n=N,
        )
    )
    env.invalidate_all()


def concurrent_opt_outs(dbname, threads=20, per_thread=10):
    """Parallel transactions opting out the same number (and their own): every
    event must be recorded, none may fail on a unique constraint or deadlock."""
    errors = []

    def worker(k):
        for j in range(per_thread):
            try:
                with environment(dbname) as env:
                    # as an HTTP request does: retried on serialization failure
                    retrying(
                        lambda env=env, j=j: env["callflow.preference.event"]._record(
                            [
                                {
                                    "number": "+819099990000",
                                    "action": "opt_out",
                                    "source": "web",
                                },
                                {
                                    "number": f"+8190888{k:02d}{j:03d}",
                                    "action": "opt_out",
                                    "source": "web",
                                },
                            ]
                        ),
                        env,
                    )
            except Exception as exc:  # noqa: BLE001 - counted and reported
                errors.append(repr(exc))

    start = time.perf_counter()
    pool = [threading.Thread(target=worker, args=(k,)) for k in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    elapsed = (time.perf_counter() - start) * 1000
    with environment(dbname) as env:
        recorded = env["callflow.preference.event"].search_count(
            [("number", "=", "+819099990000")]
        )
        listed = env["phone.blacklist"].search_count([("number", "=", "+819099990000")])
    report(
        "concurrent _record (same number)",
        {
            "transactions": threads * per_thread,
            "recorded": recorded,
            "errors": len(errors),
            "blacklisted": listed,
            "total_ms": round(elapsed, 1),
        },
    )
    if errors:
        print(errors[:3])


def main():
    args = parse_args(__doc__)
    with environment(args.database) as env:
        fill(env)
        env.cr.commit()
        env.cr.execute("SELECT number FROM bench_numbers ORDER BY i")
        numbers = [row[0] for row in env.cr.fetchall()]
        State = env["callflow.preference.state"]
        for channel in ("call", "sms"):
            before = env.cr.sql_log_count
            blocked = State._check_numbers(numbers, channel, "sales")
            queries = env.cr.sql_log_count - before
            figures = timed(
                lambda channel=channel: State._check_numbers(numbers, channel, "sales"),
                repeat=10,
                warmup=2,
            )
            figures.update(numbers=len(numbers), blocked=len(blocked), queries=queries)
            report(f"_check_numbers 100k ({channel}, sales)", figures, limit_ms=1000)
        Event = env["callflow.preference.event"]
        start = time.perf_counter()
        Event._record(
            [
                {
                    "number": f"+8180{20000000 + i}",
                    "action": "opt_out",
                    "source": "import",
                }
                for i in range(1000)
            ]
        )
        batch_ms = (time.perf_counter() - start) * 1000
        start = time.perf_counter()
        for i in range(200):
            Event._record(
                [
                    {
                        "number": f"+8170{30000000 + i}",
                        "action": "opt_out",
                        "source": "web",
                    }
                ]
            )
        single_ms = (time.perf_counter() - start) * 1000 / 200
        report(
            "_record (state upsert + blacklist sync)",
            {
                "batch_1000_ms": round(batch_ms, 1),
                "single_event_ms": round(single_ms, 2),
            },
        )
        env.cr.rollback()
        env.cr.execute(
            SQL(
                "EXPLAIN ANALYZE SELECT 1 FROM callflow_preference_state_line"
                " WHERE number = ANY(%s)",
                numbers[:10],
            )
        )
        plan = " ".join(row[0] for row in env.cr.fetchall())
        report("index used for a lookup", {"index_scan": "Index" in plan})
    concurrent_opt_outs(args.database)


if __name__ == "__main__":
    main()
