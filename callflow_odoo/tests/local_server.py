"""The life of a fake provider's local HTTP server (voice_server.py,
callflow_sms' gateway_server.py): one place for the server, its thread and
its URL. No ORM and no test framework: scripts and benches run the fake
providers as plain files."""

import threading
from http.server import ThreadingHTTPServer


class LocalHTTPServer:
    """``handler`` served on 127.0.0.1 (``port``: 0 for a free one) by a
    thread while the ``with`` block runs."""

    def __init__(self, handler, port=0):
        self.server = ThreadingHTTPServer(("127.0.0.1", port), handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
