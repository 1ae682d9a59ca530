"""Nothing lost: 200 people opt out at the same moment through their
personal links, against a real Odoo HTTP server; plus the page render time.

1. Issue 200 links (200 contacts, 200 numbers) in the bench database.
2. Time ``GET /o/<token>`` in-process through Odoo's WSGI stack (goal: under
   50 ms of server time).
3. Start ``odoo`` as a separate threaded HTTP server on a free port; 200
   client threads each open their link with their own session (CSRF token
   from the page), wait at a barrier, then all post "stop all contact".
4. Assert: 200 answers stored, 200 ledger events, 200 numbers blocked.
"""

import re
import statistics
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import requests

from bench.common import (
    environment,
    free_port,
    parse_args,
    report,
    start_server,
    timed,
    wsgi_client,
)

N = 200
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def same_link_posts(port, raw, count=20):
    """``count`` clients post the same answer through one link at once:
    exactly one set of events must result (the others are repeats)."""
    base = f"http://127.0.0.1:{port}"
    with ThreadPoolExecutor(max_workers=count) as pool:
        visitors = list(pool.map(lambda _i: open_link(base, raw), range(count)))
    go = threading.Event()

    def post(session, csrf):
        go.wait()
        response = session.post(
            f"{base}/o/{raw}",
            data={"csrf_token": csrf, "answer": "no_calls"},
            timeout=300,
        )
        return response.status_code

    with ThreadPoolExecutor(max_workers=count) as pool:
        futures = [pool.submit(post, *visitor) for visitor in visitors]
        time.sleep(0.5)
        go.set()
        return [future.result() for future in futures]


def setup(dbname):
    with environment(dbname) as env:
        # One client machine posts everything: lift the limits.
        for key in ("rate_limit", "rate_limit_number", "rate_limit_token"):
            env["ir.config_parameter"].set_param(f"callflow_optout.{key}", "0")
        env["callflow.optout.response"].search([]).unlink()
        partners = env["res.partner"].create(
            [
                {"name": f"Bench person {i}", "phone": f"+8190{70000000 + i}"}
                for i in range(N)
            ]
        )
        numbers = [f"+8190{70000000 + i}" for i in range(N)]
        raws = env["callflow.optout.token"]._issue_tokens(
            [
                {
                    "number": number,
                    "partner_id": partner.id,
                    "context_note": "Tokyo sales desk called you on 20 Nov",
                }
                for number, partner in zip(numbers, partners, strict=True)
            ]
        )
        extra = env["callflow.optout.token"]._issue_tokens(
            [{"number": "+819069999999", "context_note": "Same link, many posts"}]
        )[0]
        return raws, numbers, extra


def render_time(raws):
    client = wsgi_client()

    def get():
        response = client.get(f"/o/{raws[0]}")
        assert response.status_code == 200, response.status_code

    report("GET /o/<token> in-process (server time)", timed(get, repeat=50), 50)

    def get_neutral():
        assert client.get("/callflow/optout").status_code == 200

    report("GET /callflow/optout in-process", timed(get_neutral, repeat=50), 50)

    # CPU time of this process per page (PostgreSQL excluded): unlike wall
    # time it does not grow when other jobs share the machine.
    start = time.process_time()
    for _i in range(50):
        get()
    cpu_ms = (time.process_time() - start) * 1000 / 50
    print(f"GET /o/<token>: Python CPU time {cpu_ms:.1f} ms per page", flush=True)


def open_link(base, raw):
    """A visitor's session and the CSRF token of their page (GET is safe to
    retry; a busy server may reset a connection)."""
    session = requests.Session()
    for attempt in range(5):
        try:
            page = session.get(f"{base}/o/{raw}", timeout=120)
            return session, CSRF_RE.search(page.text).group(1)
        except (requests.RequestException, AttributeError):
            time.sleep(0.2 * (attempt + 1))
    raise RuntimeError(f"could not open /o/{raw}")


def concurrent_posts(port, raws):
    base = f"http://127.0.0.1:{port}"
    with ThreadPoolExecutor(max_workers=20) as pool:
        visitors = list(pool.map(lambda raw: open_link(base, raw), raws))
    go = threading.Event()

    def post(raw, session, csrf):
        go.wait()
        start = time.perf_counter()
        try:
            response = session.post(
                f"{base}/o/{raw}",
                data={"csrf_token": csrf, "answer": "stop_all"},
                timeout=300,
            )
        except requests.RequestException as exc:
            return False, (time.perf_counter() - start) * 1000, repr(exc)
        elapsed = (time.perf_counter() - start) * 1000
        ok = response.status_code == 200 and "your choice is saved" in response.text
        return ok, elapsed, response.status_code

    with ThreadPoolExecutor(max_workers=len(raws)) as pool:
        futures = [
            pool.submit(post, raw, session, csrf)
            for raw, (session, csrf) in zip(raws, visitors, strict=True)
        ]
        time.sleep(1)  # every client thread is waiting at the start line
        start = time.perf_counter()
        go.set()
        results = [future.result() for future in futures]
    total = time.perf_counter() - start
    latencies = sorted(r[1] for r in results)
    failures = [r[2] for r in results if not r[0]]
    print(
        f"{len(raws)} concurrent POSTs: {len(raws) - len(failures)} confirmed, "
        f"failures {failures}; all answered in {total:.1f} s "
        f"({len(raws) / total:.0f} answers/s); POST latency "
        f"median {statistics.median(latencies):.0f} ms, "
        f"max {latencies[-1]:.0f} ms",
        flush=True,
    )
    return failures


def verify(dbname, numbers):
    with environment(dbname) as env:
        answers = env["callflow.optout.response"].search_count(
            [("number", "in", numbers), ("state", "=", "applied")]
        )
        events = env["callflow.preference.event"].search_count(
            [("number", "in", numbers), ("action", "=", "opt_out")]
        )
        blocked = env["callflow.preference.state"]._check_numbers(numbers, "call")
        print(
            f"stored answers {answers}/{N}, ledger opt-out events {events}/{N}, "
            f"numbers blocked for calls {len(blocked)}/{N}",
            flush=True,
        )
        return answers == events == len(blocked) == N


def main():
    args = parse_args(__doc__)
    raws, numbers, extra = setup(args.database)
    render_time(raws)
    port = free_port()
    server = start_server(args, port)
    try:
        failures = concurrent_posts(port, raws)
        statuses = same_link_posts(port, extra)
    finally:
        server.terminate()
        server.wait(timeout=30)
    ok = verify(args.database, numbers)
    with environment(args.database) as env:
        events = env["callflow.preference.event"].search_count(
            [("number", "=", "+819069999999")]
        )
        answers = env["callflow.optout.response"].search(
            [("number", "=", "+819069999999")]
        )
        applied = len(answers.filtered(lambda a: a.state == "applied"))
        pending = len(answers.filtered(lambda a: a.state == "pending"))
        print(
            f"{len(statuses)} identical concurrent POSTs on one link: HTTP "
            f"{sorted(set(statuses))}, {len(answers)} answers stored, "
            f"{applied} applied, {pending} pending, {events} ledger event(s)",
            flush=True,
        )
        ok = (
            ok
            and events == 1
            and applied == 1
            and not pending
            and len(answers) == len(statuses)
        )
    print("NOTHING LOST" if ok and not failures else "LOST ANSWERS", flush=True)
    sys.exit(0 if ok and not failures else 1)


if __name__ == "__main__":
    main()
