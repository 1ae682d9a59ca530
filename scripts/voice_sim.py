#!/usr/bin/env python3
"""A local Twilio-compatible voice provider for the demo (``make voice-sim``).

Runs the tests' provider (callflow_odoo/tests/voice_server.py) as a process,
points a running ``make demo`` server at it (Settings > Callflow > Voice:
Twilio-compatible, with the simulator's base URL and credentials) and gives
the user a "Ring me at" target. Then press Call in the dialer: the simulator
"rings" you, fetches Callflow's TwiML, and plays the call's life with signed
status callbacks, one step a second. Ctrl-C stops it and sets the provider
back to Manual.

    scripts/voice_sim.py [--url http://localhost:8069] [--db callflow_demo]
        [--login admin --password admin] [--scenario answered|busy|no-answer|
        failed|machine|out-of-order] [--port 8765]

    scripts/voice_sim.py --inbound 03-1234-5678 [--caller +819011112222]
        [--answer client:demo]

``--inbound``: a person (``--caller``) rings that published number once, as
the provider does (the signed webhook, then each ``<Dial>``); ``--answer``
names the phone that takes the call (a ring target: ``client:demo``…), else
nobody answers and the caller leaves a voicemail.
"""

import argparse
import secrets
import sys
import time
import xmlrpc.client
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://localhost:8069")
    parser.add_argument("--db", default="callflow_demo")
    parser.add_argument("--login", default="admin")
    parser.add_argument("--password", default="admin")
    parser.add_argument("--scenario", default="answered")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--talk-seconds", type=int, default=42)
    parser.add_argument("--inbound", metavar="NUMBER", help="ring this number")
    parser.add_argument("--caller", default="+819011112222")
    parser.add_argument("--answer", metavar="TARGET")
    return parser.parse_args()


def main():
    args = parse_args()
    import odoo.addons

    # The simulator reuses Callflow's signature code, from this checkout.
    odoo.addons.__path__.append(str(ROOT))
    sys.path.insert(0, str(ROOT / "callflow_odoo" / "tests"))
    from voice_server import SCENARIOS, FakeVoiceProvider

    if args.scenario not in SCENARIOS:
        sys.exit(f"unknown scenario {args.scenario!r}: one of {', '.join(SCENARIOS)}")
    common = xmlrpc.client.ServerProxy(f"{args.url}/xmlrpc/2/common")
    uid = common.authenticate(args.db, args.login, args.password, {})
    if not uid:
        sys.exit(f"cannot log in to {args.url} ({args.db}) as {args.login}")
    models = xmlrpc.client.ServerProxy(f"{args.url}/xmlrpc/2/object")

    def call(model, method, *params):
        return models.execute_kw(args.db, uid, args.password, model, method, params)

    account_sid = "AC" + secrets.token_hex(16)
    auth_token = secrets.token_hex(16)
    provider = FakeVoiceProvider(
        account_sid,
        auth_token,
        auto_play=args.scenario,
        talk_seconds=args.talk_seconds,
        port=args.port,
    )
    with provider:
        settings = {
            "callflow_odoo.voice_provider": "twilio",
            "callflow_odoo.voice_twilio_account_sid": account_sid,
            "callflow_odoo.voice_twilio_auth_token": auth_token,
            "callflow_odoo.voice_twilio_base_url": provider.url,
        }
        for key, value in settings.items():
            call("ir.config_parameter", "set_param", key, value)
        user = call("res.users", "read", [uid], ["callflow_ring_target"])[0]
        if not user["callflow_ring_target"]:
            call("res.users", "write", [uid], {"callflow_ring_target": "client:demo"})
        if args.inbound:
            try:
                ring_in(provider, args)
            finally:
                call(
                    "ir.config_parameter",
                    "set_param",
                    "callflow_odoo.voice_provider",
                    "manual",
                )
            return
        print(
            f"Voice simulator on {provider.url} ({args.scenario}); {args.url} now "
            "places calls through it. Open the dialer and press Call. Ctrl-C stops."
        )
        seen = 0
        try:
            while True:
                time.sleep(0.5)
                for url, params, status in provider.callbacks[seen:]:
                    event = params.get("CallStatus") or params.get("DialCallStatus")
                    print(f"  {url.split('?')[0]}  {event}  -> HTTP {status}")
                seen = len(provider.callbacks)
        except KeyboardInterrupt:
            pass
        finally:
            call(
                "ir.config_parameter",
                "set_param",
                "callflow_odoo.voice_provider",
                "manual",
            )
            print("Provider set back to Manual.")


def ring_in(provider, args):
    """One inbound call on ``args.inbound``, printed stage by stage."""
    print(f"{args.caller} rings {args.inbound}…")
    life = provider.ring_in(
        f"{args.url}/callflow/voice/inbound",
        args.caller,
        args.inbound,
        answer=args.answer,
    )
    for stage, targets in enumerate(life["dials"], 1):
        print(f"  stage {stage} rings: {', '.join(targets) or '-'}")
    if any("<Record" in twiml for twiml in life["twiml"]):
        print("  voicemail: the caller left a message")
    for url, params, status in provider.callbacks:
        event = (
            params.get("DialCallStatus")
            or params.get("RecordingStatus")
            or params.get("CallStatus")
        )
        print(f"  {url.split('?')[0]}  {event}  -> HTTP {status}")


if __name__ == "__main__":
    main()
