"""Odoo in multi-process mode, as production serves it, in the project's
environment: the websocket (gevent) worker starts, keeps running and
delivers bus messages.  Live notifications (and the screen pops and live
board built on them) depend on it."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import requests
import websocket

import odoo
from odoo.tools import config

from odoo.addons.bus.websocket import WebsocketConnectionHandler

ROOT = Path(__file__).resolve().parent.parent


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(url, deadline):
    while time.monotonic() < deadline:
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return True
        except requests.RequestException:
            pass
        time.sleep(0.5)
    return False


def _send_bus_message(db, channel, payload):
    """Commit a bus message in a transaction of its own, as any request
    that notifies a user does."""
    with odoo.registry(db).cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        env["bus.bus"]._sendone(channel, "callflow/ws_check", payload)


def test_workers_serve_the_websocket_and_deliver_bus_messages(tmp_path):
    """``--workers=2``: the websocket answers on the gevent port, a bus
    message committed by another process reaches the subscribed socket,
    and the server's log holds no traceback (the gevent worker used to die
    at start and be restarted twice a second)."""
    db = config["db_name"]
    http_port, gevent_port = _free_port(), _free_port()
    log = Path(tmp_path) / "odoo-workers.log"
    # As scripts/common.sh starts it (see scripts/odoo-server).
    cmd = [sys.executable, str(ROOT / "scripts" / "odoo-server")]
    if config.rcfile and os.path.isfile(config.rcfile):
        cmd += ["-c", config.rcfile]
    cmd += [
        "-d",
        db,
        "--workers=2",
        "--max-cron-threads=0",
        f"--http-port={http_port}",
        f"--gevent-port={gevent_port}",
        "--http-interface=127.0.0.1",
        f"--logfile={log}",
        "--log-level=info",
        "--limit-time-real=300",
    ]
    server = subprocess.Popen(cmd, cwd=tmp_path, start_new_session=True)
    try:
        deadline = time.monotonic() + 90
        assert _wait_for(f"http://127.0.0.1:{http_port}/web/login", deadline), (
            "Odoo did not answer with --workers=2"
        )
        assert _wait_for(
            f"http://127.0.0.1:{gevent_port}/websocket/health", deadline
        ), "the websocket worker did not answer"
        ws = websocket.create_connection(
            f"ws://127.0.0.1:{gevent_port}/websocket"
            f"?version={WebsocketConnectionHandler._VERSION}",
            timeout=5,
        )
        channel = f"callflow-ws-check-{uuid.uuid4().hex}"
        ws.send(
            json.dumps(
                {"event_name": "subscribe", "data": {"channels": [channel], "last": 0}}
            )
        )
        token = uuid.uuid4().hex
        received = None
        # The subscription is handled asynchronously: send until it lands.
        while received is None and time.monotonic() < deadline:
            _send_bus_message(db, channel, {"token": token})
            try:
                frame = ws.recv()
            except websocket.WebSocketTimeoutException:
                continue
            for notif in json.loads(frame):
                message = notif.get("message", {})
                if message.get("type") == "callflow/ws_check":
                    received = message["payload"]
        ws.close()
        assert received == {"token": token}
        # A second look after a while: a crash-looping worker shows here.
        time.sleep(3)
        assert server.poll() is None, "the server stopped"
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(10)
    text = log.read_text(errors="replace")
    assert "Traceback" not in text, text[-4000:]
    assert "DistributionNotFound" not in text
    assert "Evented Service (longpolling) running" in text
