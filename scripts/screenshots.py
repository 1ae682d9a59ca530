"""Screenshots of what users see, for README.md (run by scripts/screenshots.sh).

Drives Debian's headless Chromium through the DevTools protocol (the way
Odoo's own HttpCase browser does) against a demo database served by
``make demo``: logged in as the operator or the admin through Odoo's own
``/web/session/authenticate``, anonymous for the public pages, which are
taken on a phone's screen (390x844).

    python scripts/screenshots.py --url http://localhost:8069 \
        --db callflow_demo --out docs/screenshots/en
"""

import argparse
import base64
import io
import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import requests
import websocket
from PIL import Image

PHONE = (390, 844)
DESKTOP = (1366, 800)
LINK_RE = re.compile(r"https?://\S+?(/o/[A-Za-z0-9_-]+)")


class Browser:
    """One headless Chromium and one page, spoken to over its DevTools socket."""

    def __init__(self, lang):
        self.profile = tempfile.mkdtemp(prefix="callflow-shots-")
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        executable = shutil.which("chromium") or shutil.which("google-chrome")
        self.proc = subprocess.Popen(
            [
                executable,
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--hide-scrollbars",
                "--no-first-run",
                "--disable-extensions",
                f"--lang={lang.replace('_', '-')}",
                f"--remote-debugging-port={port}",
                f"--user-data-dir={self.profile}",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        devtools = f"http://127.0.0.1:{port}"
        for _attempt in range(100):
            try:
                targets = requests.get(f"{devtools}/json/list", timeout=2).json()
                page = next(t for t in targets if t["type"] == "page")
                break
            except (requests.ConnectionError, StopIteration, ValueError):
                time.sleep(0.2)
        else:
            raise RuntimeError("Chromium did not open its DevTools port")
        self.ws = websocket.create_connection(
            page["webSocketDebuggerUrl"], timeout=60, suppress_origin=True
        )
        self.next_id = 0
        self.call("Page.enable")
        self.call("Network.enable")

    def call(self, method, **params):
        self.next_id += 1
        self.ws.send(
            json.dumps({"id": self.next_id, "method": method, "params": params})
        )
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})

    def evaluate(self, expression):
        result = self.call(
            "Runtime.evaluate", expression=expression, returnByValue=True
        )
        return result.get("result", {}).get("value")

    def shoot(
        self, url, path, size, selector, session_id=None, mobile=False, script=None
    ):
        """Open ``url`` as the owner of ``session_id`` (anonymous if None),
        wait for ``selector`` and for Odoo to be idle, run ``script`` (a
        click), save a PNG."""
        self.call("Network.clearBrowserCookies")
        if session_id:
            self.call("Network.setCookie", name="session_id", value=session_id, url=url)
        width, height = size
        self.call(
            "Emulation.setDeviceMetricsOverride",
            width=width,
            height=height,
            deviceScaleFactor=1,
            mobile=mobile,
        )
        self.call("Page.navigate", url=url)
        ready = (
            "document.readyState === 'complete'"
            f" && !!document.querySelector({json.dumps(selector)})"
            " && !document.querySelector('.o_loading_indicator, .o_blockUI')"
        )
        deadline = time.time() + 60
        while not self.evaluate(ready):
            if time.time() > deadline:
                raise RuntimeError(f"{url}: {selector} did not appear")
            time.sleep(0.3)
        time.sleep(1.5)  # fonts, the last RPCs, animations
        if script:
            self.evaluate(script)
            time.sleep(1.5)
        data = self.call("Page.captureScreenshot", format="png")["data"]
        save_png(base64.b64decode(data), path)

    def close(self):
        try:
            self.ws.close()
        finally:
            self.proc.terminate()
            self.proc.wait(timeout=20)
            shutil.rmtree(self.profile, ignore_errors=True)


def save_png(raw, path):
    """A 256-colour PNG: a UI screenshot stays sharp and well under 300 KB."""
    image = Image.open(io.BytesIO(raw)).convert("RGB")
    image = image.quantize(colors=256, method=Image.Quantize.MEDIANCUT)
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, optimize=True)
    print(f"{path}  {path.stat().st_size // 1024} KB")


class Odoo:
    """JSON-RPC to the demo server, as one user."""

    def __init__(self, url, db, login, password):
        self.url = url
        self.http = requests.Session()
        reply = self._post(
            "/web/session/authenticate",
            {"db": db, "login": login, "password": password},
        )
        if not reply.get("uid"):
            raise RuntimeError(f"cannot log in as {login} on {db}")
        self.session_id = self.http.cookies["session_id"]

    def _post(self, path, params):
        reply = self.http.post(
            self.url + path,
            json={"jsonrpc": "2.0", "method": "call", "params": params},
            timeout=60,
        ).json()
        if "error" in reply:
            raise RuntimeError(json.dumps(reply["error"])[:500])
        return reply["result"]

    def call(self, model, method, *args, **kwargs):
        return self._post(
            "/web/dataset/call_kw",
            {"model": model, "method": method, "args": list(args), "kwargs": kwargs},
        )

    def ref(self, xmlid):
        module, name = xmlid.split(".")
        rows = self.call(
            "ir.model.data",
            "search_read",
            [("module", "=", module), ("name", "=", name)],
            fields=["res_id"],
        )
        return rows[0]["res_id"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--lang", default="en_US")
    parser.add_argument("--out", required=True, type=Path)
    args = parser.parse_args()
    url = args.url.rstrip("/")
    admin = Odoo(url, args.db, "admin", "admin")
    operator = Odoo(url, args.db, "operator", "operator")
    bodies = admin.call(
        "sms.sms",
        "search_read",
        [("body", "ilike", "/o/"), ("callflow_token_id", "!=", False)],
        fields=["body"],
        order="id",
    )
    links = [m.group(1) for m in (LINK_RE.search(b["body"]) for b in bodies) if m]
    if not links:
        raise RuntimeError("no SMS with a personal link in the outbox: run make demo")
    ja = args.lang == "ja_JP"
    template = admin.ref(
        "callflow_sms.callflow_sms_template_after_ja_demo"
        if ja
        else "callflow_sms.callflow_sms_template_after_demo"
    )
    shots = [
        (
            f"{url}/odoo/action-callflow_odoo.callflow_action_start_calling",
            "dialer.png",
            DESKTOP,
            ".o_form_view",
            operator.session_id,
        ),
        (f"{url}/callflow/numbers", "directory-phone.png", PHONE, "#wrap", None),
        (f"{url}{links[0]}", "optout-phone.png", PHONE, "#callflow_optout_form", None),
        (
            f"{url}/odoo/action-callflow_sms.callflow_sms_template_action/{template}",
            "sms-template.png",
            DESKTOP,
            ".o_callflow_sms_left",
            admin.session_id,
        ),
        (
            f"{url}/odoo/action-callflow_odoo.callflow_call_action_report",
            "calls-pivot.png",
            DESKTOP,
            ".o_pivot table",
            admin.session_id,
            # The days' columns folded into their total: one screen wide.
            (
                "document.querySelector('.o_pivot thead .o_pivot_header_cell_opened')"
                "?.click()"
            ),
        ),
        (
            f"{url}/odoo/action-callflow_odoo.callflow_live_board_action",
            "live-board.png",
            DESKTOP,
            ".o_callflow_board_operator",
            admin.session_id,
            # The board, not the notifications that may pop over it.
            (
                "document.querySelectorAll('.o_notification_close')"
                ".forEach((button) => button.click())"
            ),
        ),
    ]
    for shot_url, name, size, selector, session_id, *script in shots:
        # A browser of its own per picture: nothing (cookies, the shared
        # worker of Odoo's bus) carries over from the previous user.
        browser = Browser(args.lang)
        try:
            browser.shoot(
                shot_url,
                args.out / name,
                size,
                selector,
                session_id=session_id,
                mobile=size == PHONE,
                script=script[0] if script else None,
            )
        finally:
            browser.close()


if __name__ == "__main__":
    os.environ.setdefault("NO_PROXY", "localhost,127.0.0.1")
    main()
