import logging

from werkzeug.exceptions import RequestEntityTooLarge

from odoo import http
from odoo.http import request

from ..tools import api as api_tools

_logger = logging.getLogger(__name__)

UNAUTHORIZED = {"error": "unauthorized"}
# What Odoo reads at most (form parsing included) before the controller runs.
READ_CAP = 1024 * 1024


def api_route(path, methods):
    """A PBX API route: public (the key authenticates each request), no
    CSRF token (a PBX is no browser), no session cookie. Odoo refuses a
    body over ``READ_CAP`` before reading it (its own 413 page); the
    controller answers JSON 413 over the API's cap (``MAX_BODY``)."""
    return http.route(
        path,
        type="http",
        auth="public",
        methods=methods,
        csrf=False,
        save_session=False,
        max_content_length=READ_CAP,
    )


class CallflowApi(http.Controller):
    """The PBX API for any phone system: authenticate the key, count it,
    parse, then hand over to ``callflow.api`` (models/callflow_api.py)."""

    def _json(self, data, status=200, headers=None):
        return request.make_json_response(data, headers=headers, status=status)

    def _key(self, scope):
        """The request's key, or the response refusing it: 401 with one
        body for every cause (no oracle), 429 over the key's limit."""
        too_big = {"error": f"body over {api_tools.MAX_BODY} bytes"}
        if (request.httprequest.content_length or 0) > api_tools.MAX_BODY:
            return None, self._json(too_big, 413)
        try:
            body = request.httprequest.get_data()
        except RequestEntityTooLarge:
            return None, self._json(too_big, 413)
        # sudo: the request has no user; the key is what authenticates it.
        Key = request.env["callflow.api.key"].sudo()
        key, reason = Key._authenticate(request.httprequest.headers, body)
        if key and scope == "inbound" and key.scope != "inbound":
            key, reason = Key, f"key {key.key_id} may only look numbers up"
        if not key:
            _logger.warning(
                "PBX API %s refused from %s: %s",
                request.httprequest.path,
                request.httprequest.remote_addr,
                reason,
            )
            return None, self._json(UNAUTHORIZED, 401)
        retry_after = key._consume()
        if retry_after:
            return None, self._json(
                {"error": "rate limited", "retry_after": retry_after},
                429,
                [("Retry-After", str(retry_after))],
            )
        return key, None

    @api_route("/callflow/api/v1/inbound", ["POST"])
    def inbound(self, **kw):
        """A PBX reports an incoming call (ringing, answered, missed, ended)."""
        key, refusal = self._key("inbound")
        if refusal:
            return refusal
        try:
            event = api_tools.parse_inbound(request.httprequest.get_data())
            # sudo: as above; callflow.api keeps to the key's company/user.
            answer = request.env["callflow.api"].sudo()._inbound(key, event)
        except api_tools.ApiError as e:
            return self._json({"error": e.message}, e.status)
        return self._json(answer)

    @api_route("/callflow/api/v1/lookup", ["GET"])
    def lookup(self, number=None, **kw):
        """Who ``number`` is, for the desk phone's display."""
        key, refusal = self._key("lookup")
        if refusal:
            return refusal
        try:
            number = api_tools.parse_number_query(number)
        except api_tools.ApiError as e:
            return self._json({"error": e.message}, e.status)
        # sudo: as above; callflow.api keeps to the key's company/user.
        return self._json(request.env["callflow.api"].sudo()._lookup(key, number))
