"""Helpers for the benchmarks in bench/: an Odoo environment on the bench
database (data committed there: it is a throwaway database), timing, and an
in-process WSGI client that goes through Odoo's real HTTP stack.

Run them with ``make bench`` (all) or ``scripts/bench.sh bench/bench_x.py``.
"""

import argparse
import contextlib
import statistics
import time

import odoo
from odoo.tools import config


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
