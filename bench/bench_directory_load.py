"""The public directory under load (#16): Odoo with 4 workers, 32 concurrent
clients, in one run:

- ``/callflow/numbers`` with 200 published numbers;
- ``/web/login`` (Odoo's own page, same website layout);
- Odoo's SMS opt-out page ``/sms/<mailing>/<code>`` when ``mass_mailing_sms``
  is installed in the database (skipped otherwise).

For each page: requests per second, and the CPU time of the worker processes
per request (user + system time from /proc, PostgreSQL excluded). The pages
are measured in interleaved rounds so that a busy machine weighs on all of
them alike. Goal: the directory at or above ``/web/login``'s throughput.

    scripts/bench.sh bench/bench_directory_load.py
"""

import http.client
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from bench.bench_directory import seed
from bench.common import environment, parse_args

WORKERS = 4
CLIENTS = 32
ROUNDS = 4
SECONDS = 5
PORT = int(os.environ.get("CALLFLOW_BENCH_LOAD_PORT", "8391"))
ROOT = Path(__file__).resolve().parent.parent
CLK_TCK = os.sysconf("SC_CLK_TCK")


def sms_optout_path(dbname):
    """Path of Odoo's own SMS opt-out page for one trace, or None when
    mass_mailing_sms is not installed."""
    with environment(dbname) as env:
        if "mailing.trace" not in env or "sms_code" not in env["mailing.trace"]:
            return None
        partner = env["res.partner"].create({"name": "Bench", "phone": "+819011119999"})
        mailing = env["mailing.mailing"].create(
            {
                "subject": "Bench",
                "mailing_type": "sms",
                "body_plaintext": "Bench",
                "mailing_model_id": env["ir.model"]._get_id("res.partner"),
            }
        )
        env["mailing.trace"].create(
            {
                "trace_type": "sms",
                "sms_code": "benchcode",
                "mass_mailing_id": mailing.id,
                "model": "res.partner",
                "res_id": partner.id,
                "sms_number": "+819011119999",
            }
        )
        return f"/sms/{mailing.id}/benchcode"


def start_server(config, dbname):
    """Odoo in prefork mode; returns the master process once it answers."""
    server = subprocess.Popen(
        [
            sys.executable,
            str(ROOT / "scripts" / "odoo-server"),
            "-c",
            config,
            "-d",
            dbname,
            f"--workers={WORKERS}",
            "--max-cron-threads=0",
            f"--http-port={PORT}",
            "--http-interface=127.0.0.1",
            "--limit-time-real=600",
            "--log-level=error",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            if get("/web/login") == 200:
                return server
        except OSError:
            pass
        time.sleep(0.5)
    server.kill()
    raise RuntimeError("Odoo did not start")


def worker_pids(master):
    """HTTP workers: children of the master, not the gevent process."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == master.pid and b"gevent" not in cmdline:
            pids.append(int(entry.name))
    return pids


def cpu_seconds(pids):
    """User + system CPU time of ``pids`` (the ones still alive)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / CLK_TCK


def get(path):
    conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)
    try:
        conn.request("GET", path, headers={"Connection": "close"})
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def load(path, seconds):
    """``CLIENTS`` threads fetching ``path`` for ``seconds``: (requests done,
    errors)."""
    stop = time.perf_counter() + seconds
    counts = [0] * CLIENTS
    errors = [0] * CLIENTS

    def client(i):
        while time.perf_counter() < stop:
            try:
                status = get(path)
            except (OSError, http.client.HTTPException):  # timeouts included
                status = None
            if status == 200:
                counts[i] += 1
            else:
                errors[i] += 1

    threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(counts), sum(errors)


def main():
    args = parse_args(__doc__)
    seed(args.database, 200)
    pages = {"directory": "/callflow/numbers", "login": "/web/login"}
    optout = sms_optout_path(args.database)
    if optout:
        pages["odoo_sms_optout"] = optout
    server = start_server(args.config, args.database)
    try:
        pids = worker_pids(server)
        for path in pages.values():  # warm: templates compiled, caches filled
            for _ in range(2 * WORKERS):
                assert get(path) == 200, path
        totals = {name: [0, 0, 0.0, 0.0, 0.0] for name in pages}
        for _round in range(ROUNDS):
            for name, path in pages.items():
                pids = worker_pids(server)
                cpu = cpu_seconds(pids)
                client_cpu = time.process_time()
                start = time.perf_counter()
                done, errors = load(path, SECONDS)
                totals[name][0] += done
                totals[name][1] += errors
                totals[name][2] += time.perf_counter() - start
                totals[name][3] += cpu_seconds(pids) - cpu
                totals[name][4] += time.process_time() - client_cpu
    finally:
        server.terminate()
        server.wait(30)
    print(
        f"{WORKERS} workers, {CLIENTS} clients, {ROUNDS} rounds of {SECONDS} s "
        "per page, interleaved",
        flush=True,
    )
    rates = {}
    for name, (done, errors, elapsed, cpu, client) in totals.items():
        rates[name] = done / elapsed
        print(
            f"{name:16s} {pages[name]:24s} {rates[name]:7.1f} req/s  "
            f"{cpu * 1000 / max(done, 1):6.1f} ms worker CPU/request  "
            f"(client {client * 1000 / max(done, 1):.1f} ms; "
            f"{done} requests, {errors} errors)",
            flush=True,
        )
    for name in pages:
        if name != "login":
            print(f"{name} / login throughput: {rates[name] / rates['login']:.2f}x")
    verdict = "OK" if rates["directory"] >= rates["login"] else "UNDER /web/login"
    print(f"directory at or above /web/login: {verdict}", flush=True)


if __name__ == "__main__":
    main()
