"""The live board (issue #14).

(a) First load: ``callflow.live.board.load()`` for a manager with 50
operators and 20,000 calls today (and 80,000 on the days before), 5 running
lists of 4,000 entries, 200 callbacks. Measured in the server's process
(the RPC's work: its SQL and the payload), and as a JSON-RPC round trip
through a real Odoo server. Goal: median <= 300 ms.

(b) A state change reaches an open board: Odoo with 2 HTTP workers and its
websocket (gevent) worker; a manager's websocket subscribed to the board's
channel; an operator's state is changed and committed by another process
(this one, as an HTTP worker would); the time from the write to the
notification read by the websocket client. Goal: max < 1 s.

    scripts/bench.sh bench/bench_live_board.py
"""

import json
import time
import uuid

import requests
import websocket

from odoo.tools import SQL

from odoo.addons.bus.websocket import WebsocketConnectionHandler

from bench.common import (
    environment,
    free_port,
    parse_args,
    report,
    start_odoo_server,
    timed,
)

OPERATORS = 50
CALLS_TODAY = 20000
CALLS_BEFORE = 80000
LISTS = 5
ENTRIES_PER_LIST = 4000
CALLBACKS = 200
MANAGER_LOGIN = "bench_board_manager"
STATES = ["available", "ringing", "in_call", "wrap_up", "paused"]


def setup(env, password):
    """Operators, lists, entries and calls, in a few statements."""
    operator = env.ref("callflow_odoo.group_callflow_operator")
    manager_group = env.ref("callflow_odoo.group_callflow_manager")
    user_group = env.ref("base.group_user")
    company = env.ref("base.main_company")
    users = env["res.users"].create(
        [
            {
                "name": f"Bench operator {i:02d}",
                "login": f"bench_board_op_{i:02d}_{uuid.uuid4().hex[:6]}",
                "groups_id": [(6, 0, [user_group.id, operator.id])],
            }
            for i in range(OPERATORS)
        ]
    )
    manager = env["res.users"].create(
        {
            "name": "Bench board manager",
            "login": MANAGER_LOGIN,
            "password": password,
            "groups_id": [(6, 0, [user_group.id, manager_group.id])],
        }
    )
    caller = env["callflow.caller.number"].create(
        {"name": "Bench desk", "number": "+81 3 6000 0999", "is_published": True}
    )
    lists = env["callflow.list"].create(
        [
            {
                "name": f"Bench board list {i}",
                "purpose": "sales",
                "caller_number_id": caller.id,
                "user_ids": [(6, 0, users.ids)],
                "state": "running",
            }
            for i in range(LISTS)
        ]
    )
    env.flush_all()
    cr = env.cr
    cr.execute(
        SQL(
            """
            INSERT INTO callflow_list_entry
                (list_id, company_id, name, number, state, attempt_count,
                 priority, next_attempt, operator_id)
            SELECT l.id, l.company_id, 'Bench ' || g, '+8190' || lpad(g::text, 8, '0'),
                   CASE WHEN mod(g, 3) = 0 THEN 'done' ELSE 'pending' END, 0, '0',
                   NULL, NULL
              FROM callflow_list l, generate_series(1, %s) g
             WHERE l.id = ANY(%s)
            """,
            ENTRIES_PER_LIST,
            lists.ids,
        )
    )
    cr.execute(
        SQL(
            """
            UPDATE callflow_list_entry e
               SET state = 'callback_due',
                   next_attempt = (now() AT TIME ZONE 'UTC')
                                  + mod(e.id, 120) * interval '1 minute',
                   operator_id = (%s::int[])[1 + mod(e.id, %s)]
             WHERE e.id IN (SELECT id FROM callflow_list_entry
                             WHERE list_id = ANY(%s) AND state = 'pending'
                             LIMIT %s)
            """,
            users.ids,
            OPERATORS,
            lists.ids,
            CALLBACKS,
        )
    )
    for count, days_ago in ((CALLS_TODAY, 0), (CALLS_BEFORE, 4)):
        cr.execute(
            SQL(
                """
                INSERT INTO callflow_call
                    (company_id, user_id, list_id, dialed_number, direction,
                     date_start, outcome, is_connect, is_positive,
                     connect_rate, talk_seconds)
                SELECT %(company)s, (%(users)s::int[])[1 + mod(g, %(n)s)],
                       (%(lists)s::int[])[1 + mod(g, %(nl)s)],
                       '+8190' || lpad(g::text, 8, '0'), 'outbound',
                       date_trunc('day', now() AT TIME ZONE 'UTC')
                           - %(days)s * interval '1 day'
                           + mod(g, 36000) * interval '1 second',
                       CASE WHEN mod(g, 3) = 0 THEN 'answered' ELSE 'no_answer' END,
                       (mod(g, 3) = 0)::int, (mod(g, 9) = 0)::int,
                       CASE WHEN mod(g, 3) = 0 THEN 100 ELSE 0 END,
                       CASE WHEN mod(g, 3) = 0 THEN 60 + mod(g, 240) ELSE 0 END
                  FROM generate_series(1, %(count)s) g
                """,
                company=company.id,
                users=users.ids,
                n=OPERATORS,
                lists=lists.ids,
                nl=LISTS,
                days=days_ago,
                count=count,
            )
        )
    State = env["callflow.operator.state"]
    for i, user in enumerate(users):
        State._set(user, company, STATES[i % len(STATES)])
    cr.execute(SQL("ANALYZE callflow_call"))
    cr.execute(SQL("ANALYZE callflow_list_entry"))
    return manager.id, users.ids, company.id


def bench_load(dbname, manager_id):
    with environment(dbname, uid=manager_id) as env:
        board = env["callflow.live.board"]

        def load():
            env.invalidate_all()
            return board.load()

        data = load()
        assert len(data["operators"]) >= OPERATORS, len(data["operators"])
        assert sum(o["calls"] for o in data["operators"]) >= CALLS_TODAY
        figures = timed(load, repeat=30)
        env.cr.rollback()
    report("(a) board first load, server process", figures, limit_ms=300)
    return figures


def login(base, dbname, password):
    session = requests.Session()
    reply = session.post(
        f"{base}/web/session/authenticate",
        json={"params": {"db": dbname, "login": MANAGER_LOGIN, "password": password}},
        timeout=60,
    ).json()
    assert "result" in reply, reply
    return session


def bench_load_http(base, session):
    def call():
        reply = session.post(
            f"{base}/web/dataset/call_kw",
            json={
                "params": {
                    "model": "callflow.live.board",
                    "method": "load",
                    "args": [],
                    "kwargs": {},
                }
            },
            timeout=60,
        ).json()
        assert "result" in reply, reply

    figures = timed(call, repeat=30)
    report("(a) board first load, JSON-RPC round trip", figures, limit_ms=300)
    return figures


def board_socket(gevent_port, session, last):
    origin = f"http://127.0.0.1:{gevent_port}"
    ws = websocket.create_connection(
        f"ws://127.0.0.1:{gevent_port}/websocket"
        f"?version={WebsocketConnectionHandler._VERSION}",
        timeout=5,
        origin=origin,
        cookie=f"session_id={session.cookies['session_id']}",
    )
    ws.send(
        json.dumps(
            {
                "event_name": "subscribe",
                "data": {"channels": ["callflow_board"], "last": last},
            }
        )
    )
    return ws


def wait_for(ws, user_id, state, deadline):
    while time.monotonic() < deadline:
        try:
            frame = ws.recv()
        except websocket.WebSocketTimeoutException:
            continue
        for notif in json.loads(frame):
            message = notif.get("message", {})
            payload = message.get("payload") or {}
            if (
                message.get("type") == "callflow.operator/state"
                and payload.get("user_id") == user_id
                and payload.get("state") == state
            ):
                return True
    return False


def change(dbname, user_id, company_id, state):
    with environment(dbname) as env:
        env["callflow.operator.state"]._set(
            env["res.users"].browse(user_id),
            env["res.company"].browse(company_id),
            state,
        )


def bench_bus(dbname, gevent_port, session, user_ids, company_id):
    with environment(dbname) as env:
        env.cr.execute(SQL("SELECT COALESCE(MAX(id), 0) FROM bus_bus"))
        last = env.cr.fetchone()[0]
    ws = board_socket(gevent_port, session, last)
    user_id = user_ids[0]
    # The subscription lands asynchronously: change until it is heard.
    deadline = time.monotonic() + 60
    states = ["ringing", "in_call", "wrap_up", "available"]
    heard = False
    while not heard and time.monotonic() < deadline:
        for state in states:
            change(dbname, user_id, company_id, state)
            heard = wait_for(ws, user_id, state, time.monotonic() + 2)
    assert heard, "no board notification reached the websocket"
    samples = []
    for i in range(40):
        state = states[i % len(states)]
        start = time.perf_counter()
        change(dbname, user_id, company_id, state)
        assert wait_for(ws, user_id, state, time.monotonic() + 10), state
        samples.append((time.perf_counter() - start) * 1000)
    ws.close()
    samples.sort()
    figures = {
        "min_ms": round(samples[0], 1),
        "median_ms": round(samples[len(samples) // 2], 1),
        "p95_ms": round(samples[int(len(samples) * 0.95) - 1], 1),
        "max_ms": round(samples[-1], 1),
    }
    report("(b) state change -> open board (websocket)", figures, 1000, "max_ms")
    return figures


def main():
    args = parse_args(__doc__)
    dbname = args.database
    password = uuid.uuid4().hex
    with environment(dbname) as env:
        manager_id, user_ids, company_id = setup(env, password)
    bench_load(dbname, manager_id)
    port, gevent_port = free_port(), free_port()
    server = start_odoo_server(
        args, port, 2, f"--gevent-port={gevent_port}", "--limit-time-real=600"
    )
    try:
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                health = f"http://127.0.0.1:{gevent_port}/websocket/health"
                if requests.get(health, timeout=2).ok:
                    break
            except requests.RequestException:
                time.sleep(0.5)
        base = f"http://127.0.0.1:{port}"
        session = login(base, dbname, password)
        bench_load_http(base, session)
        bench_bus(dbname, gevent_port, session, user_ids, company_id)
    finally:
        server.terminate()
        server.wait(30)


if __name__ == "__main__":
    main()
