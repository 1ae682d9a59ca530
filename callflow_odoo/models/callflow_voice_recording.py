import hashlib
import logging
from datetime import timedelta

from markupsafe import Markup

from odoo import api, fields, models

from ..tools import voice
from ..tools.recipient import lang_for_number

_logger = logging.getLogger(__name__)

RECORDING_FIELDS = ("recording_sid", "recording_url", "recording_duration")


class CallflowVoiceRecording(models.AbstractModel):
    """Recorded calls (lists with ``record_calls``): the announcement the
    person hears first, the provider's recording callback, and the deletion
    after the retention period. A service apart from ``callflow.voice`` so
    that recording stays one optional piece."""

    _name = "callflow.voice.recording"
    _description = "Callflow call recordings"

    @api.model
    def _dial_urls(self, call, raw_token):
        """The ``twiml_dial`` arguments that record ``call``: none unless
        its list records (off by default)."""
        if not call.list_id.record_calls:
            return {}
        return {
            "announce_url": self.env["callflow.voice"]._url(call, "announce", raw_token)
        }

    @api.model
    def _person_lang(self, call):
        """The language the person hears, chosen like the SMS: the contact's
        language, else their number's country's, else the company's."""
        installed = [code for code, _name in self.env["res.lang"].get_installed()]
        # sudo: the lead may belong to another salesperson (see _crm_records)
        partner = call.partner_id or call.lead_id.sudo().partner_id
        for lang in (
            partner.lang,
            lang_for_number(call.dialed_number, installed),
            call.company_id.partner_id.lang,
        ):
            if lang in installed:
                return lang
        return "en_US"

    @api.model
    def _announcement(self, call):
        """The announcement the person hears before the recording starts
        (the list's, else the default), and its language."""
        lang = self._person_lang(call)
        call_list = call.list_id.with_context(lang=lang)
        text = call_list.recording_announcement or call_list.env._(
            "This call is recorded to improve our service."
        )
        return text, lang

    @api.model
    def _announcement_twiml(self, call, raw_token):
        """What the person hears when they answer: the list's announcement
        in their language, then Callflow's ``announced`` URL, which starts
        the recording. So the recording starts only after it."""
        text, lang = self._announcement(call)
        announced = self.env["callflow.voice"]._url(call, "announced", raw_token)
        return voice.twiml_announce(text, lang.replace("_", "-"), announced)

    @api.model
    def _start_recording(self, call, leg_sid, raw_token):
        """The announcement was said on the person's leg ``leg_sid``: start
        recording it (both channels) at the provider. A failure is a
        warning and a message on the call, and the conversation goes on
        unrecorded: never a recording without the announcement."""
        call.ensure_one()
        Voice = self.env["callflow.voice"]
        Voice._lock(call)
        if call.recording_requested:
            return True  # a replayed request: the recording runs already
        if not call.provider_leg_sid and leg_sid != call.provider_call_sid:
            call.provider_leg_sid = leg_sid
        client = voice.TwilioVoiceClient(Voice._config())
        error = client.start_recording(leg_sid, Voice._url(call, "recorded", raw_token))
        if error:
            _logger.warning(
                "Callflow: recording of call %s not started: %s", call.id, error
            )
            call.voice_message = self.env._(
                "The recording could not start: this call is not recorded. "
                "(%(detail)s)",
                detail=error,
            )
            Voice._send_state(call)
        else:
            call.recording_requested = True
        return not error

    @api.model
    def _apply_recording(self, call, sid, url, duration, status):
        """A recording callback lands on the call (idempotent: the same
        recording again changes nothing)."""
        call.ensure_one()
        self.env["callflow.voice"]._lock(call)
        if (status or "completed") != "completed" or not sid:
            return False
        if call.recording_sid:
            if call.recording_sid != sid:
                _logger.warning(
                    "Call %s: second recording %s ignored (keeps %s)",
                    call.id,
                    sid,
                    call.recording_sid,
                )
            return False
        try:
            seconds = max(int(duration or 0), 0)
        except ValueError:
            seconds = 0
        call.write(
            {
                "recording_sid": sid,
                "recording_url": (url or "")[:512] or False,
                "recording_duration": seconds,
                "recording_date": fields.Datetime.now(),
            }
        )
        return True

    @api.model
    def _apply_http_recording(self, call, rec_id, url, duration):
        """A PBX's recording (its status webhook) lands on the call, only
        when the call's list records: a PBX recording what it was not asked
        to is not kept. Without an id, the URL identifies it."""
        if not call.list_id.record_calls:
            _logger.warning(
                "Callflow: recording of call %s ignored: its list does not "
                "record calls",
                call.id,
            )
            return False
        if not (rec_id or url):
            return False
        sid = rec_id or "url-" + hashlib.sha256(url.encode()).hexdigest()[:32]
        return self._apply_recording(call, sid, url, duration, "completed")

    @api.model
    def _retention_days(self):
        # sudo: a system parameter; the cron and managers read it.
        value = (
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("callflow_odoo.recording_retention_days")
        )
        try:
            return max(int(value or 90), 1)
        except ValueError:
            return 90

    @api.model
    def _cron_purge_recordings(self, limit=500):
        """Delete the recordings past the retention period, at the provider
        first, then in Odoo with a note on the lead or contact. A provider
        failure keeps the recording for the next run (a warning in the
        log): Callflow never forgets a recording that still exists."""
        days = self._retention_days()
        cutoff = fields.Datetime.now() - timedelta(days=days)
        # sudo: the cron's job, over every company's calls.
        calls = (
            self.env["callflow.call"]
            .sudo()
            .search(
                [("recording_sid", "!=", False), ("recording_date", "<", cutoff)],
                order="recording_date, id",
                limit=limit,
            )
        )
        if not calls:
            return 0
        config = self.env["callflow.voice"]._config()
        deleted = self.env["callflow.call"]
        for provider, provider_calls in calls.grouped("voice_provider").items():
            delete = self._provider_deleter(provider, config, provider_calls)
            if delete is None:
                continue
            for call in provider_calls:
                error = delete(call.recording_sid)
                if error:
                    _logger.warning(
                        "Callflow: recording %s of call %s not deleted at the "
                        "provider, kept for the next run: %s",
                        call.recording_sid,
                        call.id,
                        error,
                    )
                    continue
                self._note_deleted(call, days)
                deleted |= call
        deleted.write(dict.fromkeys(RECORDING_FIELDS + ("recording_date",), False))
        return len(deleted)

    @api.model
    def _provider_deleter(self, provider, config, calls):
        """How ``calls``' recordings are deleted at their ``provider``: a
        function of the recording id returning '' when it is gone, else the
        error; None keeps them all (a warning: no credentials). A PBX
        without a deletion URL keeps its recordings itself: Odoo forgets
        its copy only."""
        if provider == "twilio":
            if config["account_sid"] and config["auth_token"]:
                return voice.TwilioVoiceClient(config).delete_recording
            # Without credentials the provider would answer 404, which means
            # "already deleted": keep every recording until they are set.
            reason = "no voice provider credentials"
        elif provider == "http":
            if not config["recording_delete_template"]:
                return lambda _rec_id: ""
            return voice.HttpClickToCall(config).delete_recording
        else:
            reason = f"unknown provider {provider!r}"
        _logger.warning(
            "Callflow: %s recordings past retention kept: %s", len(calls), reason
        )
        return None

    @api.model
    def _note_deleted(self, call, days):
        body = Markup("%s") % self.env._(
            "Call recording of %(date)s (%(number)s) deleted after %(days)s "
            "days, as the retention period requires.",
            date=fields.Datetime.to_string(call.date_start),
            number=call.dialed_number,
            days=days,
        )
        records = [record for record in call._crm_records() if record]
        for record in records:
            record._message_log(body=body)
        if not records:
            _logger.info("Callflow: recording of call %s deleted", call.id)
