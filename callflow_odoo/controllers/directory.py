"""Public directory of the numbers the company calls from: page with lookup,
and vCard downloads.  The logic is on ``callflow.directory``."""

from odoo import http
from odoo.http import content_disposition, request

from ..tools.purposes import PURPOSES
from ..tools.vcard import vcard_filename

_PURPOSE_KEYS = {key for key, _label in PURPOSES}


class CallflowDirectory(http.Controller):
    def _directory_models(self):
        # sudo: visitors have no access to caller numbers; the directory's
        # methods only ever read published numbers of the website's company.
        directory = request.env["callflow.directory"].sudo()
        company = request.website.company_id.sudo()
        return directory, company

    def _absolute_url(self, path):
        return request.website.get_base_url() + request.env["ir.http"]._url_for(path)

    @http.route(
        "/callflow/numbers", type="http", auth="public", website=True, sitemap=True
    )
    def callflow_numbers(self, number=None, **kwargs):
        directory, company = self._directory_models()
        lookup = directory._lookup_public(
            number if isinstance(number, str) else "", company
        )
        # Without a query the page's body comes from its t-cache: nothing is
        # computed here for it but the company's day (a key of that cache).
        values = {
            "company": company,
            "directory": directory,
            "today": directory._directory_today(company),
            "lookup": lookup,
            "purpose_labels": (
                directory._numbers()._purpose_labels() if lookup["number"] else {}
            ),
            # The <head> is kept too (callflow_numbers_layout_head_cache) when
            # the URL is the canonical one, without query string.
            "callflow_cache_head": not request.httprequest.args,
        }
        return request.render("callflow_odoo.callflow_numbers_page", values)

    @http.route(
        "/callflow/numbers/qr.svg",
        type="http",
        auth="public",
        website=True,
        sitemap=False,
    )
    def callflow_numbers_qr(self, **kwargs):
        """The QR code of the vCard link: an image of its own, so that the
        page stays small and the browser keeps the image for a day."""
        directory, _company = self._directory_models()
        body = directory._qr_svg(self._absolute_url("/callflow/numbers.vcf"))
        return request.make_response(
            body,
            headers=[
                ("Content-Type", "image/svg+xml"),
                ("Cache-Control", "public, max-age=86400"),
            ],
        )

    @http.route(
        ["/callflow/numbers.vcf", "/callflow/numbers/<string:purpose>.vcf"],
        type="http",
        auth="public",
        website=True,
        sitemap=False,
    )
    def callflow_numbers_vcard(self, purpose=None, **kwargs):
        if purpose is not None and purpose not in _PURPOSE_KEYS:
            raise request.not_found()
        directory, company = self._directory_models()
        body = directory._build_vcard(
            company,
            purpose=purpose,
            directory_url=self._absolute_url("/callflow/numbers"),
        )
        filename = vcard_filename(company.name, purpose)
        return request.make_response(
            body,
            headers=[
                ("Content-Type", "text/vcard; charset=utf-8"),
                ("Content-Disposition", content_disposition(filename)),
            ],
        )
