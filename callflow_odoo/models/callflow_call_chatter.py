from markupsafe import Markup, escape

from odoo import api, fields, models

from .callflow_call import OUTCOMES


class CallflowCallChatter(models.AbstractModel):
    """How a call reads on its lead's and contact's chatter, outbound and
    inbound alike: one place for the note people read in the CRM."""

    _name = "callflow.call.chatter"
    _description = "Callflow call chatter notes"

    @api.model
    def _body(self, call):
        if call.direction == "inbound":
            return self._inbound_body(call)
        outcome = dict(OUTCOMES).get(call.outcome, "")
        parts = [
            Markup("<b>%s</b>: %s")
            % (self.env._("Call"), f"{outcome} – {call.result_id.name or ''}"),
            Markup("%s %s, %s %s")
            % (
                self.env._("By"),
                call.user_id.name,
                self.env._("from"),
                call.caller_number_id.number_international or "-",
            ),
            Markup("%s: %s") % (self.env._("List"), call.list_id.name or "-"),
        ]
        if call.handling_time:
            parts.append(
                Markup("%s: %.1f min")
                % (self.env._("Handling time"), call.handling_time)
            )
        if call.callback_at:
            parts.append(
                Markup("%s: %s")
                % (self.env._("Callback"), fields.Datetime.to_string(call.callback_at))
            )
        if call.note:
            parts.append(escape(call.note))
        return Markup("<br/>").join(parts)

    @api.model
    def _inbound_body(self, call):
        return Markup("<b>%s</b>: %s") % (
            self.env._("Inbound call"),
            self.env._(
                "%(number)s rang %(published)s",
                number=call.dialed_number,
                published=call.caller_number_id.number_international or "-",
            ),
        )

    @api.model
    def _post(self, calls):
        for call in calls:
            body = self._body(call)
            for record in call._crm_records():
                if record:
                    record._message_log(body=body)
        self.env["crm.lead"].sudo().env.flush_all()
