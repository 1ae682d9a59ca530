"""Helpers for the benchmarks in bench/: an Odoo environment on the bench
database (data committed there: it is a throwaway database), timing, and an
in-process WSGI client that goes through Odoo's real HTTP stack.

Run them with ``make bench`` (all) or ``scripts/bench.sh bench/bench_x.py``.
"""

import argparse
import contextlib
import importlib.util
import logging
import multiprocessing
import os
import pathlib
import socket
import statistics
import subprocess
import sys
import threading
import time

import requests

import odoo
from odoo.tools import SQL, config

ROOT = pathlib.Path(__file__).resolve().parent.parent


def parse_args(description=""):
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("-c", "--config", required=True)
    parser.add_argument("-d", "--database", required=True)
    args, _rest = parser.parse_known_args()
    # Served as `make demo` serves: -d alone, so Odoo does not list the
    # server's databases (a new connection) on every anonymous request.
    config.parse_config(["-c", args.config, "-d", args.database])
    return args


@contextlib.contextmanager
def environment(dbname, uid=odoo.SUPERUSER_ID, context=None):
    """An environment whose work is committed when the block ends."""
    registry = odoo.modules.registry.Registry(dbname)
    with registry.cursor() as cr:
        yield odoo.api.Environment(cr, uid, context or {})


def test_helpers():
    """The tests' shared set-up (``callflow_odoo.tests.common``): the
    benches measure what the tests specify. Import it once the registry has
    set the addons path; Odoo's error about importing its test framework
    outside tests is silenced, the benches do so on purpose."""
    logging.getLogger("odoo.tests.common").setLevel(logging.CRITICAL)
    from odoo.addons.callflow_odoo.tests import common

    return common


def timed(fn, repeat=20, warmup=3):
    """Run ``fn`` and return min/median/p95/max wall time in milliseconds."""
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return {
        "min_ms": round(samples[0], 2),
        "median_ms": round(statistics.median(samples), 2),
        "p95_ms": round(samples[max(int(len(samples) * 0.95) - 1, 0)], 2),
        "max_ms": round(samples[-1], 2),
    }


def wsgi_client():
    """A werkzeug client on Odoo's WSGI application: real routing, sessions,
    QWeb rendering, no network in the measurement."""
    from werkzeug.test import Client

    from odoo.http import root

    return Client(root)


def report(name, figures, limit_ms=None, key="median_ms"):
    verdict = ""
    if limit_ms is not None:
        verdict = (
            "  OK" if figures[key] < limit_ms else f"  OVER the {limit_ms} ms goal"
        )
    print(f"{name}: {figures}{verdict}", flush=True)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(args, port):
    """An Odoo server on ``port`` in a process of its own, as in production
    (threaded, no cron); returns the process once it answers."""
    env = dict(os.environ, ODOO_MAX_HTTP_THREADS="16")
    cmd = [
        sys.executable,
        "-m",
        "odoo",
        "-c",
        args.config,
        "-d",
        args.database,
        "--http-port",
        str(port),
        "--workers",
        "0",
        "--max-cron-threads",
        "0",
        # Odoo's own sizing: two connections per HTTP thread (the ledger
        # folds after commit on a second one when a number is busy).
        "--db_maxconn",
        "34",
        "--log-level",
        "warn",
    ]
    return wait_until_up(subprocess.Popen(cmd, env=env), port)


def start_odoo_server(args, port, workers, *options):
    """Odoo through ``scripts/odoo-server`` with ``workers`` HTTP workers
    (0: threaded), no cron, on 127.0.0.1:``port``, warnings only, plus the
    bench's own command-line ``options``; returns the process once it
    answers."""
    cmd = [
        sys.executable,
        str(ROOT / "scripts" / "odoo-server"),
        "-c",
        args.config,
        "-d",
        args.database,
        f"--workers={workers}",
        "--max-cron-threads=0",
        f"--http-port={port}",
        f"--gevent-port={free_port()}",
        "--http-interface=127.0.0.1",
        "--log-level=warn",
        *options,
    ]
    return wait_until_up(subprocess.Popen(cmd), port)


def _serve_gateway(queue, options):
    # The gateway's base class (local_server.py) is imported as a plain file.
    sys.path.insert(0, str(ROOT / "callflow_odoo" / "tests"))
    spec = importlib.util.spec_from_file_location(
        "gateway_server", ROOT / "callflow_sms" / "tests" / "gateway_server.py"
    )
    gateway_server = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gateway_server)
    with gateway_server.FakeGateway(**options) as gateway:
        queue.put(gateway.url)
        gateway.thread.join()


def start_gateway(**options):
    """The tests' fake SMS gateway (``FakeGateway(**options)``) in a
    process of its own, as a real provider would be: returns the process
    (terminate it at the end) and the gateway's URL."""
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    process = ctx.Process(target=_serve_gateway, args=(queue, options), daemon=True)
    process.start()
    return process, queue.get(timeout=10)


def wait_until_up(server, port):
    """``server`` (a process) once Odoo answers on ``port``; killed if it
    does not within two minutes."""
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            if requests.get(f"http://127.0.0.1:{port}/web/health", timeout=2).ok:
                return server
        except requests.RequestException:
            time.sleep(0.5)
    server.kill()
    raise RuntimeError("the Odoo server did not start")


class BackendWatcher(threading.Thread):
    """The bench database's backends (Odoo's pooled connections), polled
    until ``stop()``: their ``pids`` tell the bench's errors in PostgreSQL's
    log from those of others sharing the server."""

    def __init__(self, dbname):
        super().__init__()
        self.dbname = dbname
        self.pids = set()
        self.done = threading.Event()

    def run(self):
        with environment(self.dbname) as env:
            while not self.done.is_set():
                env.cr.execute(
                    SQL(
                        "SELECT pid FROM pg_stat_activity WHERE datname = %s",
                        self.dbname,
                    )
                )
                self.pids.update(pid for (pid,) in env.cr.fetchall())
                env.cr.rollback()
                time.sleep(0.1)

    def stop(self):
        self.done.set()
        if self.ident is not None:  # started
            self.join()


def run_threads(work, count):
    """Run ``work(index)`` in ``count`` threads started together; the
    seconds until the last one ends."""
    threads = [threading.Thread(target=work, args=(i,)) for i in range(count)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - start
