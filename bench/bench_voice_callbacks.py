"""Voice status callbacks over real HTTP (issue #13).

(a) Server time of one signed status callback (Twilio signature and the
call's URL token checked, the status merged, the bus notified): callbacks
posted one at a time to Odoo; the time is Odoo's own, from its request log
line (``odoo.http`` timing: query time + remaining time), and the client's
round trip beside it. Goal: median <= 15 ms.

(b) 500 concurrent callbacks for 100 calls: the person's leg of each call
(answered, no answer, busy or a machine) as 5 signed callbacks, duplicates
included, all shuffled and posted by 32 client threads at once to Odoo with
4 workers (``--workers 0``: the threaded server). Goal: 0 lost (every call
in its final state with the right times) and 0 applied twice (one result
logged by itself, one attempt row and one chatter note per unreached call),
and no serialization error in PostgreSQL's log.

    scripts/bench.sh bench/bench_voice_callbacks.py
"""

import argparse
import hashlib
import random
import re
import statistics
import threading
import time
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path

import requests

from odoo.tools import SQL

from bench.bench_dialer_http import failed_statements, server_log
from bench.common import (
    BackendWatcher,
    environment,
    free_port,
    parse_args,
    start_odoo_server,
)

SID = "ACbenchvoice00000000000000000000000"
TOKEN = "bench-voice-token"
CALLS = 100
SEQUENTIAL_CALLS = 50
THREADS = 32
T0 = datetime(2026, 11, 2, 1, 0, 0)
TALK = 42
# The person's leg: (CallStatus, seconds after T0, extra fields)
SCENARIOS = {
    "answered": [
        ("initiated", 0, {}),
        ("ringing", 1, {}),
        ("in-progress", 5, {}),
        ("completed", 5 + TALK, {"CallDuration": str(TALK)}),
    ],
    "no-answer": [("initiated", 0, {}), ("ringing", 1, {}), ("no-answer", 26, {})],
    "busy": [("initiated", 0, {}), ("busy", 2, {})],
    "machine": [
        ("initiated", 0, {}),
        ("ringing", 1, {}),
        ("in-progress", 5, {"AnsweredBy": "machine_end_beep"}),
        ("completed", 25, {"AnsweredBy": "machine_end_beep", "CallDuration": "20"}),
    ],
}
# The final state, ring seconds, talk seconds and logged outcome expected.
EXPECTED = {
    "answered": ("completed", 4, TALK, None),
    "no-answer": ("no_answer", 25, 0, "no_answer"),
    "busy": ("busy", 0, 0, "busy"),
    "machine": ("completed", 4, 20, "voicemail"),
}
# werkzeug's request line with Odoo's timing: queries, query time, rest.
TIMING = re.compile(r'"(?:POST|GET) (\S+) HTTP/1\.1" (\d+) - (\d+) ([\d.]+) ([\d.]+)')


def start_server(args, port, workers, log_file):
    """Odoo with ``workers`` HTTP workers (0: threaded), logging each request
    with its timing (``odoo.http`` at info) to ``log_file``."""
    return start_odoo_server(
        args, port, workers, "--log-handler=werkzeug:INFO", f"--logfile={log_file}"
    )


def setup(env, url, count):
    """``count`` calls placed through the provider, each on an entry the
    bench operator holds, with a contact for the chatter; returns
    ``[(call id, raw token, scenario)]``."""
    params = env["ir.config_parameter"]
    for key, value in {
        "web.base.url": url,
        "web.base.url.freeze": "True",
        "callflow_odoo.voice_provider": "twilio",
        "callflow_odoo.voice_twilio_account_sid": SID,
        "callflow_odoo.voice_twilio_auth_token": TOKEN,
    }.items():
        params.set_param(key, value)
    company = env.ref("base.main_company")
    operator = env["res.users"].search([("login", "=", "bench_voice")]) or env[
        "res.users"
    ].create(
        {
            "name": "Bench voice operator",
            "login": "bench_voice",
            "groups_id": [
                (
                    6,
                    0,
                    [
                        env.ref("base.group_user").id,
                        env.ref("callflow_odoo.group_callflow_operator").id,
                    ],
                )
            ],
        }
    )
    caller = env["callflow.caller.number"].create(
        {
            "name": "Bench voice desk",
            "number": f"+8150{random.randrange(10**7, 10**8)}",
            "purpose": "sales",
            "is_published": True,
            "company_id": company.id,
        }
    )
    call_list = env["callflow.list"].create(
        {
            "name": "Bench voice",
            "purpose": "sales",
            "caller_number_id": caller.id,
            "company_id": company.id,
            "user_ids": [(6, 0, operator.ids)],
        }
    )
    base = random.randrange(10**7, 9 * 10**7)
    partners = env["res.partner"].create(
        [{"name": f"Bench voice person {i}"} for i in range(count)]
    )
    entries = env["callflow.list.entry"].create(
        [
            {
                "list_id": call_list.id,
                "number": f"+8190{base + i}",
                "name": partner.name,
                "partner_id": partner.id,
                "state": "in_call",
                "held_by_id": operator.id,
                "held_since": T0,
            }
            for i, partner in enumerate(partners)
        ]
    )
    kinds = list(SCENARIOS)
    tokens = [f"bench-token-{base}-{i}" for i in range(count)]
    calls = env["callflow.call"].create(
        [
            {
                "entry_id": entry.id,
                "list_id": call_list.id,
                "company_id": company.id,
                "partner_id": entry.partner_id.id,
                "user_id": operator.id,
                "caller_number_id": caller.id,
                "dialed_number": entry.number,
                "date_start": T0,
                "voice_provider": "twilio",
                "voice_state": "initiated",
                "provider_call_sid": f"CAbench{base}{i:04d}",
                "voice_token_hash": hashlib.sha256(token.encode()).hexdigest(),
            }
            for i, (entry, token) in enumerate(zip(entries, tokens, strict=True))
        ]
    )
    return [
        (call.id, token, kinds[i % len(kinds)])
        for i, (call, token) in enumerate(zip(calls, tokens, strict=True))
    ]


def callbacks(url, call_id, token, kind):
    """The signed callbacks of one call's person leg, in order."""
    from odoo.addons.callflow_odoo.tools.signatures import twilio_signature

    target = f"{url}/callflow/voice/status/{call_id}?t={token}&leg=person"
    posts = []
    for status, seconds, extra in SCENARIOS[kind]:
        form = dict(
            {
                "AccountSid": SID,
                "CallSid": f"CAleg{call_id}",
                "CallStatus": status,
                "Timestamp": format_datetime(
                    (T0 + timedelta(seconds=seconds)).replace(tzinfo=timezone.utc)
                ),
            },
            **extra,
        )
        posts.append((target, form, twilio_signature(target, form, TOKEN)))
    return posts


def post(session, callback):
    target, form, signature = callback
    start = time.perf_counter()
    answer = session.post(
        target, data=form, headers={"X-Twilio-Signature": signature}, timeout=120
    )
    return answer.status_code, (time.perf_counter() - start) * 1000


def percentiles(samples):
    samples = sorted(samples)
    return {
        "n": len(samples),
        "median_ms": round(statistics.median(samples), 2),
        "p95_ms": round(samples[max(int(len(samples) * 0.95) - 1, 0)], 2),
        "max_ms": round(samples[-1], 2),
    }


def server_times(log_file, offset, prefix):
    """Odoo's time (ms) per request whose path starts with ``prefix``, from
    its request log: query time + the rest."""
    times = []
    with open(log_file, encoding="utf-8", errors="replace") as log:
        log.seek(offset)
        for line in log:
            match = TIMING.search(line)
            if match and match.group(1).startswith(prefix):
                times.append((float(match.group(4)) + float(match.group(5))) * 1000)
    return times


def chatter_counts(env, partner_ids):
    """Messages on each contact's chatter."""
    env.cr.execute(
        SQL(
            "SELECT res_id, count(*) FROM mail_message"
            " WHERE model = 'res.partner' AND res_id IN %s GROUP BY res_id",
            tuple(partner_ids),
        )
    )
    return dict(env.cr.fetchall())


def check(env, plan, notes_before):
    """Lost and doubled callbacks, from the calls and what they logged."""
    ids = [call_id for call_id, _token, _kind in plan]
    calls = env["callflow.call"].browse(ids)
    kinds = {call_id: kind for call_id, _token, kind in plan}
    lost = []
    for call in calls:
        state, ring, talk, outcome = EXPECTED[kinds[call.id]]
        ok = (
            call.voice_state == state
            and (call.ring_seconds or 0) == ring
            and (call.talk_seconds or 0) == talk
            and (call.outcome or None) == outcome
            and call.hangup_date is not False
        )
        if kinds[call.id] in ("answered", "machine"):
            ok = ok and call.answer_date == T0 + timedelta(seconds=5)
        if not ok:
            lost.append(call.id)
    entry_ids = calls.entry_id.ids
    env.cr.execute(
        SQL(
            "SELECT entry_id, count(*) FROM callflow_number_attempt"
            " WHERE entry_id IN %s GROUP BY entry_id",
            tuple(entry_ids),
        )
    )
    attempts = dict(env.cr.fetchall())
    after = chatter_counts(env, calls.partner_id.ids)
    notes = {
        pid: count - notes_before.get(pid, 0)
        for pid, count in after.items()
        if count > notes_before.get(pid, 0)
    }
    unreached = [call for call in calls if EXPECTED[kinds[call.id]][3]]
    twice_attempts = sum(1 for n in attempts.values() if n > 1)
    missing_attempts = sum(1 for c in unreached if c.entry_id.id not in attempts)
    twice_notes = sum(1 for n in notes.values() if n > 1)
    missing_notes = sum(1 for c in unreached if c.partner_id.id not in notes)
    return {
        "calls": len(calls),
        "lost": len(lost),
        "auto_logged": len(calls.filtered("result_id")),
        "auto_logged_expected": len(unreached),
        "attempt_rows": sum(attempts.values()),
        "attempts_twice": twice_attempts,
        "attempts_missing": missing_attempts,
        "chatter_notes": sum(notes.values()),
        "notes_twice": twice_notes,
        "notes_missing": missing_notes,
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--pg-log", help="PostgreSQL's log file")
    parser.add_argument("--workers", type=int, default=4)
    options = parser.parse_known_args()[0]
    args = parse_args(__doc__)
    dbname = args.database
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log_file = Path(args.config).with_suffix(f".voice-{port}.log")
    with environment(dbname) as env:
        sequential = setup(env, url, SEQUENTIAL_CALLS)
        concurrent = setup(env, url, CALLS)
    with environment(dbname) as env:
        partner_ids = (
            env["callflow.call"].browse([c[0] for c in concurrent]).partner_id.ids
        )
        notes_before = chatter_counts(env, partner_ids)
        pg_log = server_log(env, options.pg_log)
    server = start_server(args, port, options.workers, log_file)
    watcher = BackendWatcher(dbname)
    watcher.start()
    try:
        session = requests.Session()
        # (a) one at a time: the server time of a callback.
        posts = [cb for c in sequential for cb in callbacks(url, *c)]
        for cb in posts[:8]:  # warm-up: each worker loads the registry
            post(session, cb)
        offset = log_file.stat().st_size
        rtt = []
        statuses = set()
        for cb in posts[8:]:
            status, ms = post(session, cb)
            statuses.add(status)
            rtt.append(ms)
        for _i in range(100):  # the floor: Odoo's cheapest request
            session.get(f"{url}/web/health", timeout=30)
        time.sleep(0.5)
        odoo_ms = server_times(log_file, offset, "/callflow/voice/status/")
        health_ms = server_times(log_file, offset, "/web/health")
        figures_a = {
            "odoo_time": percentiles(odoo_ms) if odoo_ms else "no log lines",
            "odoo_time_of_web_health": percentiles(health_ms) if health_ms else "-",
            "round_trip": percentiles(rtt),
            "http_status": sorted(statuses),
        }
        ok_a = bool(odoo_ms) and statistics.median(odoo_ms) <= 15
        print(
            f"status callback, one at a time ({options.workers} workers): "
            f"{figures_a}  {'OK' if ok_a else 'OVER the 15 ms goal'}",
            flush=True,
        )

        # (b) 500 concurrent callbacks for 100 calls.
        rng = random.Random(13)
        load = []
        for c in concurrent:
            steps = callbacks(url, *c)
            load += steps + [rng.choice(steps) for _ in range(5 - len(steps))]
        rng.shuffle(load)
        pg_offset = pg_log.stat().st_size if pg_log else 0
        queue = list(load)
        lock = threading.Lock()
        answers = []

        def work():
            client = requests.Session()
            while True:
                with lock:
                    if not queue:
                        return
                    cb = queue.pop()
                answers.append(post(client, cb))

        threads = [threading.Thread(target=work) for _ in range(THREADS)]
        start = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - start
    finally:
        watcher.stop()
        server.terminate()
        server.wait(30)
    with environment(dbname) as env:
        result = check(env, concurrent, notes_before)
    codes = {}
    for code, _ms in answers:
        codes[code] = codes.get(code, 0) + 1
    if pg_log:
        serialization, other, _size = failed_statements(pg_log, pg_offset, watcher.pids)
    else:
        serialization = other = "PostgreSQL's log not found"
    result.update(
        callbacks=len(load),
        seconds=round(elapsed, 2),
        per_second=round(len(load) / elapsed, 1),
        http_status=codes,
        round_trip=percentiles([ms for _code, ms in answers]),
        pg_serialization_errors=serialization,
        pg_other_errors=other,
    )
    ok_b = (
        not result["lost"]
        and result["auto_logged"] == result["auto_logged_expected"]
        and not result["attempts_twice"]
        and not result["attempts_missing"]
        and not result["notes_twice"]
        and not result["notes_missing"]
        and codes == {204: len(load)}
        and serialization == 0
    )
    print(
        f"{len(load)} concurrent callbacks for {CALLS} calls "
        f"({THREADS} clients, {options.workers} workers): {result}  "
        f"{'OK' if ok_b else 'FAILED'}",
        flush=True,
    )


if __name__ == "__main__":
    main()
