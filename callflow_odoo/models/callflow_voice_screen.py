from odoo import api, fields, models
from odoo.exceptions import UserError

from ..tools import voice


class CallflowVoiceScreen(models.AbstractModel):
    """The operator's screen of a call placed by the provider: the dialer's
    live state widget reads its first state here (then follows the bus,
    ``callflow.call/state``), hangs up and reads the list's power mode."""

    _name = "callflow.voice.screen"
    _description = "Callflow dialer call state"

    @api.model
    def _state(self, call):
        """The live state of ``call``, as the bus sends it."""
        return {
            "call_id": call.id,
            "entry_id": call.entry_id.id,
            "voice_state": call.voice_state,
            "answer_date": fields.Datetime.to_string(call.answer_date),
            "talk_seconds": call.talk_seconds,
            "message": call.voice_message or "",
            "result": call.result_id.name or "",
        }

    @api.model
    def dialer_state(self, entry_id):
        """The dialer's first state of ``entry_id``: its last call placed by
        the provider for this operator, and the list's power mode."""
        entry = self.env["callflow.list.entry"].browse(entry_id).exists()
        entry.check_access("read")
        call = self.env["callflow.call"].search(
            [
                ("entry_id", "=", entry.id),
                ("user_id", "=", self.env.uid),
                ("voice_provider", "!=", False),
            ],
            order="id desc",
            limit=1,
        )
        lst = entry.list_id
        return {
            "call": self._state(call) if call else False,
            "power_mode": bool(lst.power_mode),
            "wrap_up_seconds": max(lst.wrap_up_seconds, 0),
        }

    @api.model
    def action_hangup(self, call_id):
        """Ask the provider to end the operator's call under way: its end
        then arrives as the usual status callbacks."""
        call = self.env["callflow.call"].browse(call_id).exists()
        if not call or call.user_id != self.env.user:
            raise UserError(self.env._("This is not your call."))
        if call.voice_state in voice.FINAL_STATES:
            return False
        Voice = self.env["callflow.voice"]
        config = Voice._config()
        client = voice.CLIENTS.get(call.voice_provider)
        if not client or not call.provider_call_sid:
            raise UserError(self.env._("No call to hang up."))
        if call.voice_provider == "http" and not config["hangup_template"]:
            return Voice._notify(
                self.env._("Could not hang up"),
                self.env._(
                    "This PBX has no hang-up URL set: hang up on your phone. "
                    "(Settings > Callflow > Voice)"
                ),
            )
        error = client(config).hangup(call.provider_call_sid, call.voice_key)
        if error:
            return Voice._notify(self.env._("Could not hang up"), error)
        return False
