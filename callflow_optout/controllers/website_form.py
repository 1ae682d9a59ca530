"""Opt-in capture on the website contact form (website_crm)."""

from odoo.http import request

from odoo.addons.website_crm.controllers.website_form import WebsiteForm


class CallflowWebsiteForm(WebsiteForm):
    def insert_record(self, request_, model, values, custom, meta=None):
        record_id = super().insert_record(request_, model, values, custom, meta=meta)
        if model.sudo().model == "crm.lead" and values.get("callflow_contact_choice"):
            evidence = request.env._(
                "Website contact form %(url)s, lead #%(lead)s, answer: %(choice)s; "
                "user agent: %(agent)s",
                url=request.httprequest.referrer or "/contactus",
                lead=record_id,
                choice=values["callflow_contact_choice"],
                agent=request.httprequest.headers.get("User-Agent") or "-",
            )
            request.env["crm.lead"]._callflow_record_form_choice(
                record_id, evidence, request_ip=request.httprequest.remote_addr
            )
        return record_id
