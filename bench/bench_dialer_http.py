"""20 operators at the dialer over HTTP, against Odoo with 4 workers (#13).

Each operator logs in and works as the dialer's screen does, one request at
a time: Start calling, then for each person the dialer form (``web_read``)
and Log result & next (the call logged and the next person picked in one
request), until the operators have taken 2,000 entries of a list of 100,000.

Printed: picks per second (logging included), duplicates, RPC errors, and
the statements PostgreSQL logged as failed ("could not serialize access"
and any other ERROR) by the connections to the bench database during the
run. Goal: 0 serialization errors.

    scripts/bench.sh bench/bench_dialer_http.py

``--again`` runs the operators once more on the list of an earlier run
(``python bench/bench_dialer_http.py -c <conf> -d <db> --again``): several
runs, before and after a change, interleaved on a shared machine.

The server log is found through ``pg_current_logfile()`` (logging
collector), else as ``postgres.log`` beside the data directory (the layout
scripts/common.sh creates); ``--pg-log`` names it. Only the lines of the
bench database's backends count: the server may be shared.
"""

import argparse
import os
import re
from pathlib import Path

import requests

from odoo.tools import SQL

from bench.bench_dialer import OPERATORS, TAKE, fill, setup_list
from bench.common import (
    BackendWatcher,
    environment,
    free_port,
    parse_args,
    run_threads,
    start_odoo_server,
)

WORKERS = 4
SERIALIZATION = "could not serialize access"
LINE = re.compile(r"^\S+ \S+ \S+ \[(\d+)\] (ERROR|STATEMENT):")


def start_server(args, port, workers=WORKERS):
    """Odoo in prefork mode with ``workers`` HTTP workers, as production
    runs (0: Odoo's threaded server); returns the master process once it
    answers."""
    return start_odoo_server(
        args, port, workers, "--limit-time-real=600", "--limit-time-cpu=600"
    )


def server_log(env, named):
    """Path of PostgreSQL's log, or None when it cannot be found."""
    if named:
        return Path(named)
    env.cr.execute(SQL("SHOW data_directory"))
    data = Path(env.cr.fetchone()[0])
    env.cr.execute(SQL("SELECT pg_current_logfile()"))
    current = env.cr.fetchone()[0]
    for path in (current and data / current, data.parent / "postgres.log"):
        if path and os.access(path, os.R_OK):
            return path
    return None


def failed_statements(path, offset, pids):
    """ERROR lines written after ``offset`` by the backends ``pids``:
    (serialization failures, other errors, bytes of their log lines)."""
    serialization = other = size = 0
    with open(path, "rb") as log:
        log.seek(offset)
        ours = False
        for raw in log:
            line = raw.decode("utf-8", "replace")
            match = LINE.match(line)
            if match:
                ours = int(match.group(1)) in pids
                if ours and match.group(2) == "ERROR":
                    if SERIALIZATION in line:
                        serialization += 1
                    else:
                        other += 1
            elif not line.startswith((" ", "\t")):
                ours = False
            if ours:
                size += len(raw)
    return serialization, other, size


class Operator:
    """One operator's browser: a session and JSON-RPC calls."""

    def __init__(self, url, dbname, login):
        self.url = url
        self.session = requests.Session()
        self.rpc(
            "/web/session/authenticate",
            {"db": dbname, "login": login, "password": login},
        )

    def rpc(self, path, params):
        answer = self.session.post(
            self.url + path,
            json={"jsonrpc": "2.0", "method": "call", "params": params},
            timeout=120,
        ).json()
        if "error" in answer:
            raise RuntimeError(answer["error"]["data"]["message"])
        return answer["result"]

    def call(self, model, method, args, **kwargs):
        return self.rpc(
            f"/web/dataset/call_kw/{model}/{method}",
            {"model": model, "method": method, "args": args, "kwargs": kwargs},
        )

    def work(self, list_id, result_id, limit, taken):
        """Start calling, then display, log and go to the next person."""
        action = self.call(
            "callflow.list.entry", "action_start_calling", [], list_ids=[list_id]
        )
        while action.get("res_id"):
            entry_id = action["res_id"]
            taken.append(entry_id)
            self.call(
                "callflow.list.entry",
                "web_read",
                [[entry_id]],
                specification={
                    "name": {},
                    "number_display": {},
                    "state": {},
                    "note": {},
                    "held_by_id": {"fields": {"display_name": {}}},
                },
            )
            wizard = self.call(
                "callflow.call.log",
                "create",
                [{"entry_id": entry_id, "outcome": "answered", "result_id": result_id}],
            )
            last = len(taken) >= limit
            method = "action_log_pause" if last else "action_log_next"
            action = self.call("callflow.call.log", method, [[wizard]])
            if last:
                break
            action = action["params"]["next"]


def setup(env):
    """The list of 100,000 leads and its operators; returns the list's id
    and the operators' logins."""
    fill(env)
    group = env.ref("callflow_odoo.group_callflow_operator")
    users = env["res.users"].create(
        [
            {
                "name": f"Bench HTTP operator {i}",
                "login": f"bench_http_{i}",
                "password": f"bench_http_{i}",
                "groups_id": [(6, 0, [env.ref("base.group_user").id, group.id])],
            }
            for i in range(OPERATORS)
        ]
    )
    call_list = setup_list(env, users)
    call_list._build_entries()
    call_list.action_start()
    env.cr.execute(SQL("ANALYZE callflow_list_entry"))
    return call_list.id, users.mapped("login")


def existing(env):
    """The list and operators of an earlier run on this database."""
    call_list = env["callflow.list"].search(
        [("name", "=", "Bench"), ("state", "=", "running")], order="id desc", limit=1
    )
    users = env["res.users"].search([("login", "=like", "bench_http_%")])
    return call_list.id, users.mapped("login")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--pg-log", help="PostgreSQL's log file")
    parser.add_argument(
        "--again",
        action="store_true",
        help="run the operators again on an earlier run's list (no set-up)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=WORKERS,
        help="Odoo's HTTP workers (0: the threaded server)",
    )
    options = parser.parse_known_args()[0]
    args = parse_args(__doc__)
    dbname = args.database
    with environment(dbname) as env:
        list_id, logins = existing(env) if options.again else setup(env)
        result_id = env.ref("callflow_odoo.call_result_not_interested").id
        log_path = server_log(env, options.pg_log)

    port = free_port()
    server = start_server(args, port, options.workers)
    url = f"http://127.0.0.1:{port}"
    watcher = BackendWatcher(dbname)
    try:
        operators = [Operator(url, dbname, login) for login in logins]
        offset = log_path.stat().st_size if log_path else 0
        watcher.start()
        taken = [[] for _operator in operators]
        errors = []

        def work(index):
            try:
                operators[index].work(
                    list_id, result_id, TAKE // OPERATORS, taken[index]
                )
            except Exception as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

        elapsed = run_threads(work, len(operators))
        watcher.stop()
    finally:
        watcher.stop()
        server.terminate()
        server.wait(30)
    all_taken = [entry_id for ids in taken for entry_id in ids]
    duplicates = len(all_taken) - len(set(all_taken))
    if log_path:
        serialization, other, size = failed_statements(log_path, offset, watcher.pids)
        failures = (
            f"{serialization} serialization errors in PostgreSQL's log "
            f"({serialization / max(len(all_taken), 1):.2f} per pick), "
            f"{other} other errors, {size / 1024:.0f} kB of error log"
        )
    else:
        serialization, failures = 0, "PostgreSQL's log not found (--pg-log)"
    ok = not duplicates and not errors and not serialization
    served = f"{options.workers} workers" if options.workers else "threaded server"
    print(
        f"{OPERATORS} operators over HTTP, {served}: "
        f"{len(all_taken)} entries taken and logged in {elapsed:.2f} s "
        f"({len(all_taken) / elapsed:.1f} picks/s), {duplicates} duplicates, "
        f"{failures}, RPC errors: {errors or 'none'}  "
        f"{'OK' if ok else 'FAILED'}",
        flush=True,
    )


if __name__ == "__main__":
    main()
