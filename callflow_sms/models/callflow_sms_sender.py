"""Callflow's own SMS, before and after a call and to re-confirm a number:
who gets one, in which language, with which personal link, and when.

A service, not a model: it writes ``sms.sms`` records for the SMS queue,
which sends them through the provider chosen in Settings.
"""

from dataclasses import dataclass
from typing import NamedTuple

from markupsafe import escape

from odoo import api, fields, models
from odoo.tools import SQL

from odoo.addons.callflow_odoo.tools.hours import send_after
from odoo.addons.callflow_odoo.tools.recipient import caller_number_for, lang_for_number
from odoo.addons.callflow_optout.models.callflow_optout_token import hash_token

from ..tools import sms_gateway
from .sms_sms import PENDING_LINK

# Template moment -> why the person hears from us, as the link keeps it.
CONTACT_REASONS = {
    "before": "before_call",
    "after": "after_call",
    "reconfirm": "reconfirm",
}


@dataclass
class SmsRecipient:
    """One person a Callflow SMS goes to, as the steps of ``_callflow_send``
    hand it on (records are Odoo recordsets, possibly empty)."""

    partner: object
    lead: object
    call_list: object
    number: str
    tz: str
    name: str
    lang: str = ""


class SmsLink(NamedTuple):
    """The raw token of a message's link (dropped once the body is made)
    and the id of its record."""

    raw: str
    token_id: int


class CallflowSmsSender(models.AbstractModel):
    _name = "callflow.sms.sender"
    _description = "Callflow SMS Sending"

    @api.model
    def _callflow_quiet_hours(self):
        Gateway = self.env["callflow.sms.gateway"]
        return (
            float(Gateway._callflow_param("window_from")),
            float(Gateway._callflow_param("window_to")),
        )

    @api.model
    def _callflow_send_after(self, tz_name, now=None):
        """UTC time the message may leave, or False if it may leave now."""
        start, end = self._callflow_quiet_hours()
        return send_after(now or fields.Datetime.now(), tz_name, start, end)

    @api.model
    def _callflow_context_note(self, when):
        """Why the person hears from us, shown on their link's page."""
        company = self.env.company.name
        if when == "reconfirm":
            return self.env._(
                "%(company)s asks whether this is still your number", company=company
            )
        return self.env._(
            "%(company)s sent you an SMS %(when)s a call",
            company=company,
            when=self.env._("before") if when == "before" else self.env._("after"),
        )

    @api.model
    def _callflow_send(self, records, template, when=None):
        """Send ``template`` to call-list entries or partners.

        Blocked numbers (ledger, one query) are skipped; night-time messages
        are queued until the recipient's morning; each message is written in
        the recipient's language, carries its own opt-out link and is logged
        on the contact's and lead's chatter.
        Returns the created ``sms.sms`` (queued for the SMS cron).
        """
        recipients = self._callflow_unblocked(self._callflow_recipients(records))
        if not recipients:
            return self.env["sms.sms"]
        self._callflow_set_langs(recipients)
        # sudo: operators send SMS without access to the SMS queue itself.
        sms_records = (
            self.env["sms.sms"]
            .sudo()
            .create(
                [
                    {
                        "number": r.number,
                        "partner_id": r.partner.id,
                        "body": "",
                        "callflow_send_after": self._callflow_send_after(r.tz),
                    }
                    for r in recipients
                ]
            )
        )
        links = self._callflow_pending_links(
            recipients, sms_records, when or template.when
        )
        bodies = []
        for recipient, sms, link in zip(recipients, sms_records, links, strict=True):
            body = self._callflow_render_body(template, recipient, link.raw)
            sms.write({"body": body, "callflow_token_id": link.token_id})
            bodies.append(body)
        self._callflow_log_sent(template, recipients, bodies)
        self.env.ref("sms.ir_cron_sms_scheduler_action")._trigger()
        return sms_records

    @api.model
    def _callflow_recipients(self, records):
        """The people ``records`` (call-list entries or partners) stand for,
        those with a number only."""
        is_entry = records._name == "callflow.list.entry"
        default_tz = self.env.user.tz or "UTC"
        recipients = []
        for rec in records:
            if is_entry:
                recipient = SmsRecipient(
                    partner=rec.partner_id,
                    lead=rec.lead_id,
                    call_list=rec.list_id,
                    number=rec.number,
                    tz=rec.tz or rec.partner_id.tz or default_tz,
                    name=rec.partner_id.name or rec.name or "",
                )
            else:
                recipient = SmsRecipient(
                    partner=rec,
                    lead=self.env["crm.lead"],
                    call_list=self.env["callflow.list"],
                    number=rec._callflow_e164(),
                    tz=rec.tz or default_tz,
                    name=rec.name or "",
                )
            if recipient.number:
                recipients.append(recipient)
        return recipients

    @api.model
    def _callflow_unblocked(self, recipients):
        """``recipients`` whose number the ledger lets us text (one query)."""
        purposes = {r.call_list.purpose for r in recipients if r.call_list}
        purpose = purposes.pop() if len(purposes) == 1 else None
        blocked = self.env["callflow.preference.state"]._check_numbers(
            [r.number for r in recipients], "sms", purpose=purpose
        )
        return [r for r in recipients if r.number not in blocked]

    @api.model
    def _callflow_set_langs(self, recipients):
        """Each recipient's language: their contact's or lead's, else the
        language of their number's country, else the company's."""
        installed = [code for code, _name in self.env["res.lang"].get_installed()]
        company_lang = self.env.company.partner_id.lang
        fallback = company_lang if company_lang in installed else installed[0]
        for r in recipients:
            # sudo: an operator may text a lead they cannot read; only its
            # language is read here.
            own = r.partner.lang or r.lead.sudo().lang_id.code
            r.lang = (
                own
                if own in installed
                else lang_for_number(r.number, installed) or fallback
            )

    @api.model
    def _callflow_pending_links(self, recipients, sms_records, when):
        """Issue one opt-out link per message: ``[SmsLink]``, same order.

        The links are made when each SMS leaves
        (``sms.sms._callflow_clear_bodies``): the body, the chatter and the
        logs only ever show them masked. The
        raw tokens issued here are dropped, only their last 2 characters are
        kept: until the SMS leaves, the stored hash matches no link.
        """
        Token = self.env["callflow.optout.token"]
        tokens = Token._issue_tokens(
            [
                {
                    "number": r.number,
                    "partner_id": r.partner.id,
                    "lead_id": r.lead.id,
                    "caller_number_id": r.call_list.caller_number_id.id,
                    "purpose": r.call_list.purpose,
                    "contact_reason": CONTACT_REASONS.get(when),
                    "context_note": self._callflow_context_note(when),
                    "res_model": sms._name,
                    "res_id": sms.id,
                    "user_id": self.env.uid,
                }
                for r, sms in zip(recipients, sms_records, strict=True)
            ]
        )
        token_ids = dict(
            Token.sudo()
            .search([("token_hash", "in", [hash_token(t) for t in tokens])])
            .mapped(lambda t: (t.token_hash, t.id))
        )
        Token.flush_model()
        self.env.cr.execute(
            SQL(
                "UPDATE callflow_optout_token SET token_hash = %s || token_hash"
                " WHERE id = ANY(%s)",
                PENDING_LINK,
                list(token_ids.values()),
            )
        )
        Token.invalidate_model(["token_hash"])
        return [SmsLink(raw, token_ids[hash_token(raw)]) for raw in tokens]

    @api.model
    def _callflow_render_body(self, template, recipient, raw_token):
        """The SMS text in the recipient's language, its link masked and
        opening the page in that language."""
        lang = recipient.lang
        call_list = recipient.call_list
        caller = call_list.caller_number_id.number
        purposes = dict(
            call_list._fields["purpose"]._description_selection(
                self.with_context(lang=lang).env
            )
        )
        link = self.env["callflow.optout.token"]._get_url(raw_token, lang=lang)
        return template.with_context(lang=lang)._render(
            {
                "company": self.env.company.name,
                "operator": self.env.user.name,
                "caller_number": caller_number_for(caller, recipient.number),
                "purpose": purposes.get(call_list.purpose, ""),
                "optout_link": sms_gateway.mask_links(link),
                "name": recipient.name,
            }
        )

    @api.model
    def _callflow_log_sent(self, template, recipients, bodies):
        """Log each SMS on its contact's and lead's chatter (one batch each)."""
        partner_logs, lead_logs = {}, {}
        for recipient, body in zip(recipients, bodies, strict=True):
            log = escape(
                self.env._(
                    "SMS (%(template)s) to %(number)s: %(body)s",
                    template=template.name,
                    number=recipient.number,
                    body=body,
                )
            )
            if recipient.partner:
                partner_logs[recipient.partner.id] = log
            if recipient.lead:
                lead_logs[recipient.lead.id] = log
        if partner_logs:
            self.env["res.partner"].browse(partner_logs)._message_log_batch(
                partner_logs
            )
        if lead_logs:
            self.env["crm.lead"].browse(lead_logs)._message_log_batch(lead_logs)
