"""Caller number directory: the vCard and the page for 200 published numbers
(goals: vCard < 30 ms, page < 80 ms of server time), and the proof that the
number of SQL queries does not grow with the number count."""

import time

from odoo.sql_db import Cursor

from bench.common import environment, parse_args, report, timed, wsgi_client


def seed(dbname, count):
    """``count`` published Japanese numbers (the bench DB is throwaway)."""
    with environment(dbname) as env:
        company = env.ref("base.main_company")
        company.write({"country_id": env.ref("base.jp").id})
        numbers = env["callflow.caller.number"].with_context(active_test=False)
        numbers.search([]).unlink()
        purposes = ["sales", "after_sales", "survey", "payment_reminder", "other"]
        numbers.create(
            [
                {
                    "name": f"東京営業 desk {i}, floor {i % 9}; 📞",
                    "number": f"03-{5000 + i // 100:04d}-{i % 10000:04d}",
                    "purpose": purposes[i % len(purposes)],
                    "description": "We call people who asked for a quote.",
                    "company_id": company.id,
                }
                for i in range(count)
            ]
        )


class QueryCounter:
    """Counts SQL statements of the whole request, server side."""

    def __init__(self):
        self.count = 0
        self._execute = Cursor.execute

    def __enter__(self):
        counter = self

        def execute(cursor, *args, **kwargs):
            counter.count += 1
            return counter._execute(cursor, *args, **kwargs)

        Cursor.execute = execute
        return self

    def __exit__(self, *exc):
        Cursor.execute = self._execute


def measure(client, path):
    def fetch():
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        return response

    figures = timed(fetch, repeat=30, warmup=5)
    # Python CPU time of the request (PostgreSQL excluded): the part of the
    # server time that does not depend on how busy the machine is.
    cpu = []
    for _ in range(30):
        start = time.process_time()
        fetch()
        cpu.append((time.process_time() - start) * 1000)
    cpu.sort()
    figures["cpu_median_ms"] = round(cpu[len(cpu) // 2], 2)
    with QueryCounter() as counter:
        response = fetch()
    return figures, counter.count, len(response.get_data())


def main():
    args = parse_args(__doc__)
    # importable once the config (addons path) is parsed
    from odoo.addons.callflow_odoo.models.callflow_directory import _VCARD_CACHE

    client = wsgi_client()
    results = {}
    for count in (20, 200):
        seed(args.database, count)
        vcard, vcard_queries, vcard_size = measure(client, "/callflow/numbers.vcf")
        page, page_queries, page_size = measure(client, "/callflow/numbers")
        purpose, _q, _size = measure(client, "/callflow/numbers/sales.vcf")
        results[count] = (vcard_queries, page_queries)
        report(f"{count} numbers  vCard ({vcard_size} bytes)", vcard, limit_ms=30)
        report(f"{count} numbers  page ({page_size} bytes)", page, limit_ms=80)
        report(f"{count} numbers  sales vCard", purpose, limit_ms=30)
        print(
            f"{count} numbers  SQL queries per request: vCard {vcard_queries}, "
            f"page {page_queries}",
            flush=True,
        )
    same = results[20] == results[200]
    print(
        "queries do not grow with the number count"
        if same
        else f"QUERY COUNT GROWS: {results}",
        flush=True,
    )
    # The model call alone, without HTTP: what the card building costs.
    with environment(args.database) as env:
        company = env.ref("base.main_company")
        directory = env["callflow.directory"]

        def build():
            env.invalidate_all()
            directory._build_vcard(company, directory_url="https://example.com/x")

        report("200 numbers  _build_vcard (model, cached)", timed(build), limit_ms=30)

        def build_cold():
            _VCARD_CACHE.clear()
            build()

        report("200 numbers  _build_vcard (model, cold: vobject)", timed(build_cold))
    client.get("/callflow/numbers.vcf")
    _VCARD_CACHE.clear()
    report(
        "200 numbers  vCard route, cold card (vobject each time)",
        timed(lambda: (_VCARD_CACHE.clear(), client.get("/callflow/numbers.vcf"))),
    )


if __name__ == "__main__":
    main()
