"""What an applied answer of the opt-out page does outside itself: the
ledger events it writes, and the notes and the activity that tell the
owners of the contact and its open leads.  A service: each method takes
the ``callflow.optout.response`` concerned."""

from markupsafe import Markup

from odoo import api, models
from odoo.tools import html_escape

from odoo.addons.callflow_odoo.tools.phone import mask_number
from odoo.addons.callflow_odoo.tools.preference_events import SELF_SOURCES

from .callflow_optout_response import ANSWER_EVENTS


class CallflowOptoutEffect(models.AbstractModel):
    _name = "callflow.optout.effect"
    _description = "Effects of an Opt-out Page Answer"

    @api.model
    def _event_vals(self, response, source=None):
        """Ledger events of the answer.  ``source`` defaults to ``link`` for a
        personal link, which proves the number, and ``web`` for the page
        without a link, which does not (its opt-in lifts no block)."""
        response.ensure_one()
        source = source or ("link" if response.token_id else "web")
        evidence = self._evidence(response)
        reason_label = dict(response._fields["reason"]._description_selection(self.env))
        reason = ", ".join(
            filter(None, [reason_label.get(response.reason), response.reason_other])
        )
        common = {
            "number": response.number,
            "partner_id": response.partner_id.id,
            "scope": "all",
            "source": source,
            "email": response._email_for_events(),
            "reason": reason or False,
            "evidence": evidence,
            "request_ip": response.request_ip,
            "event_date": response.create_date,
            # the visitor's request, also when applied after its commit
            "user_id": response.create_uid.id,
        }
        vals_list = [
            dict(common, channel=channel, action=action)
            for channel, action in ANSWER_EVENTS[response.answer]
        ]
        if response.answer == "certain_times":
            vals_list.append(
                dict(
                    common,
                    channel="call",
                    action="hours",
                    hours_days=response.times_days,
                    hours_from=response.times_from,
                    hours_to=response.times_to,
                )
            )
        elif (
            response.answer == "keep_contacting"
            and source in SELF_SOURCES
            and self.env["callflow.preference.state"]
            .sudo()
            ._call_hours([response.number])
        ):
            # "Keep contacting me" also lifts earlier preferred hours, when it
            # comes from the person.
            vals_list.append(dict(common, channel="call", action="hours"))
        if response.reason == "wrong_person":
            vals_list.append(dict(common, channel="all", action="obsolete"))
        return vals_list

    @api.model
    def _evidence(self, response):
        """How the answer came, as the ledger keeps it: through which link
        (or a typed number), from which address and browser."""
        if response.token_id:
            how = self.env._("personal link #%(token)s", token=response.token_id.id)
        else:
            how = self.env._("number typed by the visitor, not verified")
        return self.env._(
            "Opt-out page answer #%(response)s (%(how)s), IP %(ip)s, %(agent)s",
            response=response.id,
            how=how,
            ip=response.request_ip or "-",
            agent=response.user_agent or "-",
        )

    @api.model
    def _open_leads(self, response):
        """Open leads of the contact (or, without one, of the number)."""
        response.ensure_one()
        Lead = self.env["crm.lead"].sudo()
        if response.partner_id:
            # The person's own leads, not their colleagues'.
            domain = [("partner_id", "=", response.partner_id.id)]
        elif response.lead_id:
            domain = [("id", "=", response.lead_id.id)]
        else:
            domain = [("id", "in", Lead._callflow_search_e164(response.number).ids)]
        leads = Lead.search(
            domain + [("active", "=", True), ("stage_id.is_won", "=", False)], limit=50
        )
        return leads | response.lead_id.sudo().filtered("active")

    @api.model
    def _summary_html(self, response):
        response.ensure_one()
        answer = dict(response._fields["answer"]._description_selection(self.env))
        reason = dict(response._fields["reason"]._description_selection(self.env))
        lines = [
            self.env._(
                "Contact preference answered on the opt-out page: %(answer)s",
                answer=answer[response.answer],
            ),
            self.env._(
                "Number: %(number)s",
                number=mask_number(response.number)
                if not response.token_id
                else response.number,
            ),
        ]
        if response.times_label:
            lines.append(
                self.env._(
                    "Call only: %(times)s (their local time); the dialer keeps to it.",
                    times=response.times_label,
                )
            )
        if response.times_note:
            lines.append(
                self.env._("Note on times: %(times)s", times=response.times_note)
            )
        if response.reason:
            lines.append(
                self.env._("Reason: %(reason)s", reason=reason[response.reason])
            )
        if response.reason_other:
            lines.append(
                self.env._("Other reason: %(text)s", text=response.reason_other)
            )
        if response.email:
            lines.append(self.env._("Email: %(email)s", email=response.email))
        if response.comments:
            lines.append(self.env._("Comments: %(text)s", text=response.comments))
        if not response.token_id:
            lines.append(
                self.env._(
                    "The visitor typed the number; the page did not verify "
                    "who they are."
                )
            )
        return Markup("<br/>").join(html_escape(line) for line in lines)

    @api.model
    def _notify_owners(self, response):
        """Note on the contact and its open leads, activity for the owner.

        Runs for public visitors, hence ``sudo()`` on the CRM records.
        """
        response.ensure_one()
        body = self._summary_html(response)
        partner = response.partner_id.sudo()
        leads = self._open_leads(response)
        for record in [*partner, *leads]:
            record.message_post(
                body=body,
                message_type="comment",
                subtype_xmlid="mail.mt_note",
                author_id=partner.id or None,
            )
        owner_record, owner = self.env["res.partner"], self.env["res.users"]
        if partner.user_id:
            owner_record, owner = partner, partner.user_id
        else:
            lead = leads.filtered("user_id")[:1]
            if lead:
                owner_record, owner = lead, lead.user_id
        if owner_record:
            answer = dict(response._fields["answer"]._description_selection(self.env))
            owner_record.activity_schedule(
                "mail.mail_activity_data_todo",
                user_id=owner.id,
                summary=self.env._(
                    "Contact preference: %(answer)s", answer=answer[response.answer]
                ),
                note=body,
            )
