"""Concurrent status callbacks of one call through a real Odoo server with
workers (issue #13), the production path of
``callflow.voice._apply_status_read_committed``: outside test mode the
request's transaction restarts in READ COMMITTED, so the call's row lock
waits for the other callback and builds on its result. Tests share one
transaction and never take that branch; this one runs Odoo as production
does (``--workers=2``, its own process) and posts callbacks two by two."""

import hashlib
import os
import signal
import subprocess
import threading
import time
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path

import requests

import odoo
from odoo.tools import config

from odoo.addons.callflow_odoo.tools.signatures import twilio_signature

from .test_multiprocess import _free_port, _wait_for, _workers_command

SID = "ACworkers000000000000000000000000"
TOKEN = "workers-voice-token"
CALLS = 12
T0 = datetime(2026, 11, 2, 1, 0, 0)
PARAMS = {
    "callflow_odoo.voice_provider": "twilio",
    "callflow_odoo.voice_twilio_account_sid": SID,
    "callflow_odoo.voice_twilio_auth_token": TOKEN,
}


def _env(cr):
    return odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})


def _setup(db):
    """Commit the voice settings and ``CALLS`` calls placed through the
    provider; returns the settings they replaced and ``[(id, token)]``."""
    with odoo.registry(db).cursor() as cr:
        env = _env(cr)
        params = env["ir.config_parameter"]
        saved = {key: params.get_param(key) for key in PARAMS}
        for key, value in PARAMS.items():
            params.set_param(key, value)
        tokens = [f"workers-token-{i}-{time.monotonic_ns()}" for i in range(CALLS)]
        calls = env["callflow.call"].create(
            [
                {
                    "dialed_number": f"+81901234{i:04d}",
                    "date_start": T0,
                    "voice_provider": "twilio",
                    "voice_state": "initiated",
                    "provider_call_sid": f"CAworkers{i:04d}",
                    "voice_token_hash": hashlib.sha256(token.encode()).hexdigest(),
                }
                for i, token in enumerate(tokens)
            ]
        )
        return saved, list(zip(calls.ids, tokens, strict=True))


def _teardown(db, saved, call_ids):
    with odoo.registry(db).cursor() as cr:
        env = _env(cr)
        env["callflow.call"].browse(call_ids).unlink()
        for key, value in saved.items():
            env["ir.config_parameter"].set_param(key, value or False)


def _signed(url, call_id, token, status, seconds):
    target = f"{url}/callflow/voice/status/{call_id}?t={token}&leg=person"
    form = {
        "AccountSid": SID,
        "CallSid": f"CAleg{call_id}",
        "CallStatus": status,
        "Timestamp": format_datetime(
            (T0 + timedelta(seconds=seconds)).replace(tzinfo=timezone.utc)
        ),
    }
    return target, form, twilio_signature(target, form, TOKEN)


def _post_together(callbacks):
    """Post ``callbacks`` at the same instant, one thread each."""
    barrier = threading.Barrier(len(callbacks))
    answers = [None] * len(callbacks)

    def post(index, target, form, signature):
        barrier.wait()
        answers[index] = requests.post(
            target, data=form, headers={"X-Twilio-Signature": signature}, timeout=60
        ).status_code

    threads = [
        threading.Thread(target=post, args=(i, *callback))
        for i, callback in enumerate(callbacks)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(90)
    return answers


def test_concurrent_callbacks_of_one_call_through_workers(tmp_path):
    """Each call gets ``ringing`` and ``no-answer`` at the same instant
    (then both again, replayed): both are applied, once, whatever their
    order (ring time 25 s, one result logged by itself), and the server's
    log holds no serialization failure (no request replayed)."""
    db = config["db_name"]
    saved, plan = _setup(db)
    http_port = _free_port()
    url = f"http://127.0.0.1:{http_port}"
    log = Path(tmp_path) / "odoo-voice-workers.log"
    cmd = _workers_command(
        db, http_port, _free_port(), log, "info", "--log-handler=werkzeug:INFO"
    )
    server = subprocess.Popen(cmd, cwd=tmp_path, start_new_session=True)
    try:
        assert _wait_for(f"{url}/web/login", time.monotonic() + 90), (
            "Odoo did not answer with --workers=2"
        )
        for _replay in range(2):
            for call_id, token in plan:
                answers = _post_together(
                    [
                        _signed(url, call_id, token, "ringing", 1),
                        _signed(url, call_id, token, "no-answer", 26),
                    ]
                )
                assert answers == [204, 204], answers
        with odoo.registry(db).cursor() as cr:
            env = _env(cr)
            no_answer = env.ref("callflow_odoo.call_result_no_answer")
            for call in env["callflow.call"].browse([c for c, _t in plan]):
                assert call.voice_state == "no_answer", call.id
                assert call.ring_date == T0 + timedelta(seconds=1), call.id
                assert call.hangup_date == T0 + timedelta(seconds=26), call.id
                assert call.ring_seconds == 25, call.id
                assert call.outcome == "no_answer", call.id
                assert call.result_id == no_answer, call.id
                assert call.provider_leg_sid == f"CAleg{call.id}"
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(10)
        _teardown(db, saved, [c for c, _t in plan])
    text = log.read_text(errors="replace")
    assert "/callflow/voice/status/" in text, "the callbacks reached the workers"
    for failure in ("could not serialize", "SERIALIZATION_FAILURE", "Traceback"):
        assert failure not in text, text[-4000:]
