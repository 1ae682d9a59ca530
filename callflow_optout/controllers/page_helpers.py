"""Helpers of the public opt-out pages kept apart from the routes: the
route of a public page, headers of personal pages, the visitor's address,
the honeypot, and reading what was typed."""

import re

from odoo import http
from odoo.http import request

from ..tools.links import optout_url

# A personal page must not leak its token: not to the next site (Referer),
# not to search engines, not to shared caches.
PRIVATE_PAGE_HEADERS = {
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex",
    "Cache-Control": "no-store",
}
_HEAD_RE = re.compile(rb"<head\b.*?</head>", re.DOTALL | re.IGNORECASE)
# Hidden field of the page without a link: people leave it empty, bots fill it.
HONEYPOT_FIELD = "homepage"


def public_page(path, method="GET"):
    """Route of a public opt-out page: any visitor, in the website's layout,
    never listed in the sitemap (its pages are answers, not content)."""
    return http.route(
        path,
        type="http",
        auth="public",
        website=True,
        sitemap=False,
        methods=[method],
    )


def honeypot_filled(post):
    """The hidden field was filled: a bot, to be shown success and ignored.

    Only the page without a link asks: with a link, a valid token proves the
    visitor, and a browser's autofill may fill the field."""
    return bool(post.get(HONEYPOT_FIELD))


def posted_text(value, pattern=None):
    """A posted value as text, or "" if it is not text (a repeated field
    arrives as a list) or does not match ``pattern``."""
    if not isinstance(value, str) or (pattern and not pattern.match(value)):
        return ""
    return value


def client_address():
    """The visitor's IP address as Odoo's ``proxy_mode`` allows.

    With ``proxy_mode`` on, Odoo's ProxyFix has already put the address the
    trusted proxy reported here; without it, the TCP peer.  A header the
    visitor sends (``X-Forwarded-For``) is never read directly.
    """
    return request.httprequest.remote_addr


def private_page(response, token):
    """Send a page of a personal link with private headers, and with the
    token out of the ``<head>``.

    The website layout writes the requested path into the canonical link,
    the alternate-language links and ``og:url``; link previews and
    analytics read those.  They point to the page without a link instead.
    The body keeps the token where the visitor needs it (the form).
    """
    response.flatten()
    if token:
        body = response.get_data()
        head = _HEAD_RE.search(body)
        if head:
            link = optout_url("", token).encode()
            cleaned = head.group(0).replace(link, b"/callflow/optout")
            body = body[: head.start()] + cleaned + body[head.end() :]
            response.set_data(body)
    response.headers.update(PRIVATE_PAGE_HEADERS)
    return response


def parse_typed_number(text):
    """E.164 of a number typed on the page without a link, or False.

    A national number (``090-4412-7731``, full-width too) is read in the
    countries of the company's published numbers, as the numbers directory
    reads it.
    """
    # sudo: visitors cannot read caller numbers; only published numbers of
    # the website's company are used, for their country.
    directory = request.env["callflow.directory"].sudo()
    return directory._parse_public(text, request.website.company_id.sudo())
