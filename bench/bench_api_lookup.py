"""PBX API lookup over real HTTP (issue #14): ``GET /callflow/api/v1/lookup``
with a bearer key, 100,000 contacts (SQL inserts, numbers typed in every
usual shape), one at a time to an Odoo server of its own. The time is
Odoo's, from its request log line (query time + remaining time), with the
client's round trip beside it. Goal: median <= 20 ms for a known contact,
an unknown number and a blocked one.

    scripts/bench.sh bench/bench_api_lookup.py
"""

import argparse
import random
import statistics
import time
from pathlib import Path

import requests

from odoo.tools import SQL

from bench.bench_voice_callbacks import percentiles, server_times
from bench.common import environment, free_port, parse_args, start_odoo_server

CONTACTS = 100_000
LOOKUPS = 100
GOAL_MS = 20
# How people type a mobile number (j: 10,000,000 + the contact's index):
# 090-1000-2345, +81 90 1000 2345, 09010002345.
SHAPE = """
    CASE mod(j, 3)
    WHEN 0 THEN '090-' || (j / 10000)::text || '-' || lpad(mod(j, 10000)::text, 4, '0')
    WHEN 1 THEN '+81 90 ' || (j / 10000)::text || ' '
                || lpad(mod(j, 10000)::text, 4, '0')
    ELSE '090' || j::text END
"""
FIRST = 10_000_000


def number(i):
    return f"+8190{FIRST + i}"


def setup(env, url):
    """100,000 contacts, a published desk, a PBX key; returns the key and
    the blocked numbers."""
    params = env["ir.config_parameter"]
    params.set_param("web.base.url", url)
    company = env.ref("base.main_company")
    company.country_id = env.ref("base.jp")
    env["callflow.caller.number"].create(
        {
            "name": "Bench API desk",
            "number": f"+8150{random.randrange(10**7, 10**8)}",
            "is_published": True,
            "company_id": company.id,
        }
    )
    env.flush_all()
    env.cr.execute(SQL("SELECT count(*) FROM res_partner WHERE name LIKE %s", "API %"))
    if env.cr.fetchone()[0] < CONTACTS:
        env.cr.execute(
            SQL(
                """
                INSERT INTO res_partner
                       (name, complete_name, type, active, is_company,
                        phone, mobile, lang, create_uid, create_date,
                        write_uid, write_date)
                SELECT 'API ' || j, 'API ' || j, 'contact', true, false,
                       CASE WHEN mod(j, 2) = 0 THEN %(shape)s END,
                       CASE WHEN mod(j, 2) = 1 THEN %(shape)s END,
                       'ja_JP', 1, now() AT TIME ZONE 'UTC', 1,
                       now() AT TIME ZONE 'UTC'
                  FROM generate_series(%(first)s + 1, %(first)s + %(n)s) AS j;
                ANALYZE res_partner
                """,
                shape=SQL(SHAPE),
                n=CONTACTS,
                first=FIRST,
            )
        )
    # A bulk insert leaves its rows in the GIN indexes' pending list (read
    # row by row by every search) until autovacuum merges it; contacts
    # created day by day are merged as they come: merge it now.
    env.cr.execute(
        SQL(
            "SELECT gin_clean_pending_list(i.indexrelid) FROM pg_index i"
            " JOIN pg_class c ON c.oid = i.indexrelid"
            " JOIN pg_am a ON a.oid = c.relam"
            " WHERE i.indrelid = 'res_partner'::regclass AND a.amname = 'gin'"
        )
    )
    blocked = [number(i) for i in range(CONTACTS - 49, CONTACTS + 1)]
    env["callflow.preference.event"]._record(
        [
            {
                "number": n,
                "channel": "call",
                "scope": "all",
                "action": "opt_out",
                "source": "import",
            }
            for n in blocked
        ]
    )
    key = env["callflow.api.key"].create(
        {"name": "Bench PBX", "company_id": company.id, "rate_limit": 100_000}
    )
    return key.action_generate()["context"]["default_key"], blocked


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--workers", type=int, default=0)
    options = parser.parse_known_args()[0]
    args = parse_args(__doc__)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log_file = Path(args.config).with_suffix(f".api-{port}.log")
    with environment(args.database) as env:
        key, blocked = setup(env, url)
    server = start_odoo_server(
        args,
        port,
        options.workers,
        "--log-handler=werkzeug:INFO",
        f"--logfile={log_file}",
    )
    rng = random.Random(14)
    kinds = {
        "known": [number(rng.randrange(1, CONTACTS - 49)) for _i in range(LOOKUPS)],
        "unknown": [f"+8180{rng.randrange(10**7, 10**8)}" for _i in range(LOOKUPS)],
        "blocked": [rng.choice(blocked) for _i in range(LOOKUPS)],
    }
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {key}"
    ok = True
    try:
        for n in kinds["known"][:10]:  # warm-up
            session.get(f"{url}/callflow/api/v1/lookup", params={"number": n})
        for kind, numbers in kinds.items():
            offset = log_file.stat().st_size
            rtt, answers = [], []
            for n in numbers:
                start = time.perf_counter()
                response = session.get(
                    f"{url}/callflow/api/v1/lookup", params={"number": n}, timeout=60
                )
                rtt.append((time.perf_counter() - start) * 1000)
                answers.append(response.json() if response.ok else response.status_code)
            time.sleep(0.5)
            odoo_ms = server_times(log_file, offset, "/callflow/api/v1/lookup")
            right = sum(
                isinstance(a, dict)
                and a["known"] == (kind != "unknown")
                and a["blocked"] == (kind == "blocked")
                for a in answers
            )
            good = bool(odoo_ms) and statistics.median(odoo_ms) <= GOAL_MS
            ok = ok and good and right == len(numbers)
            print(
                f"lookup, {kind} number, {CONTACTS} contacts: "
                f"odoo_time {percentiles(odoo_ms) if odoo_ms else 'no log lines'}, "
                f"round_trip {percentiles(rtt)}, right answers {right}/{len(numbers)}"
                f"  {'OK' if good else f'OVER the {GOAL_MS} ms goal'}",
                flush=True,
            )
    finally:
        server.terminate()
        server.wait(30)
    print("lookup bench:", "OK" if ok else "FAILED", flush=True)


if __name__ == "__main__":
    main()
