"""Opt-in capture on the website contact form (website_crm)."""

from odoo import SUPERUSER_ID
from odoo.exceptions import ValidationError
from odoo.http import request

from odoo.addons.callflow_odoo.tools.phone import MAX_RAW_LENGTH
from odoo.addons.website_crm.controllers.website_form import WebsiteForm

from ..models.crm_lead import CONTACT_CHOICES


class CallflowWebsiteForm(WebsiteForm):
    def extract_data(self, model, values):
        """Refuse what the lead cannot hold as a form error, not a 500.

        A contact choice outside the list made ``create`` raise ValueError; a
        number followed by megabytes of padding was accepted as a number; a
        missing title broke the transaction.  Odoo's form shows the fields
        named in the ValidationError.
        """
        data = super().extract_data(model, values)
        if model.sudo().model != "crm.lead":
            return data
        record = data["record"]
        error_fields = []
        choice = record.get("callflow_contact_choice")
        if choice and choice not in dict(CONTACT_CHOICES):
            error_fields.append("callflow_contact_choice")
        for fname in request.env["crm.lead"]._phone_get_number_fields():
            number = record.get(fname)
            if isinstance(number, str) and len(number) > MAX_RAW_LENGTH:
                error_fields.append(fname)
        # Odoo checks the required fields only when another field is wrong;
        # a lead without its title then failed in the database (a 500).
        authorized = model.with_user(SUPERUSER_ID)._get_form_writable_fields(values)
        error_fields += [
            name
            for name, field in authorized.items()
            if field["required"] and name not in record
        ]
        if error_fields:
            raise ValidationError(error_fields)
        return data

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
