"""``make demo``'s port check (demo_port_check in scripts/common.sh): it
reuses a server only if that server serves the demo's database, and
otherwise names a free port to use instead. Real HTTP servers in threads
play this database's Odoo, another database's Odoo, and a foreign server."""

import json
import socket
import subprocess
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from odoo.tests import BaseCase, tagged

ROOT = Path(__file__).resolve().parent.parent


def odoo_like_handler(served_db):
    """An Odoo serving ``served_db`` only (``-d``), or a foreign server
    (None) that answers every request with a plain page."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def _reply(self, status, body, ctype="text/html"):
            data = body.encode()
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            self._reply(200, "<html>hello</html>")

        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            params = json.loads(self.rfile.read(length) or b"{}").get("params", {})
            if served_db is None or self.path != "/web/session/authenticate":
                self._reply(404, "<html>Not Found</html>")
            elif params.get("db") != served_db:
                error = {
                    "code": 200,
                    "message": "Odoo Server Error",
                    "data": {
                        "name": "odoo.exceptions.AccessError",
                        "message": "Database not found.",
                    },
                }
                self._reply(
                    200,
                    json.dumps({"jsonrpc": "2.0", "error": error}),
                    "application/json",
                )
            else:
                result = {"uid": 2, "db": served_db, "name": "Mitchell Admin"}
                self._reply(
                    200,
                    json.dumps({"jsonrpc": "2.0", "result": result}),
                    "application/json",
                )

    return Handler


@contextmanager
def server(served_db):
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), odoo_like_handler(served_db))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield httpd.server_address[1]
    finally:
        httpd.shutdown()
        httpd.server_close()


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_check(port, db, prefix=""):
    return subprocess.run(
        [
            "bash",
            "-c",
            'source scripts/common.sh && demo_port_check "$0" "$1" "$2"',
            str(port),
            db,
            prefix,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@tagged("post_install", "-at_install")
class TestDemoPortCheck(BaseCase):
    def test_free_port_goes_ahead(self):
        run = port_check(free_port(), "callflow_demo")
        self.assertEqual(run.returncode, 0, run.stderr)
        self.assertEqual(run.stderr, "")

    def test_this_databases_server_is_reused(self):
        with server("callflow_demo") as port:
            run = port_check(port, "callflow_demo")
        self.assertEqual(run.returncode, 3, run.stderr)
        self.assertIn(
            f"the Odoo server of database callflow_demo already answers on "
            f"http://localhost:{port}",
            run.stderr,
        )

    def test_another_databases_odoo_is_refused_with_a_port_to_use(self):
        """The English demo on 8069 does not serve the Japanese demo."""
        with server("callflow_demo") as port:
            run = port_check(port, "callflow_demo_ja", "CALLFLOW_DEMO_LANG=ja_JP ")
        self.assertEqual(run.returncode, 4, run.stderr)
        self.assertIn(
            f"port {port} is taken by another server, not the Odoo of "
            "database callflow_demo_ja",
            run.stderr,
        )
        self.assertRegex(
            run.stderr, r"CALLFLOW_DEMO_LANG=ja_JP CALLFLOW_DEMO_PORT=\d+ make demo"
        )
        suggested = int(run.stderr.split("CALLFLOW_DEMO_PORT=")[1].split()[0])
        self.assertNotEqual(suggested, port)

    def test_a_foreign_server_is_refused(self):
        with server(None) as port:
            run = port_check(port, "callflow_demo")
        self.assertEqual(run.returncode, 4, run.stderr)
        self.assertIn("is taken by another server", run.stderr)
