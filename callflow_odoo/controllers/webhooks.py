from odoo import http


def webhook_route(path, max_body):
    """Route of a provider webhook (SMS or voice): public, because the
    provider signs its calls and each handler checks the signature; POST
    only; no CSRF token (it comes from the provider, not a browser); Odoo
    answers 413 to a body over ``max_body`` bytes before reading it."""
    return http.route(
        path,
        type="http",
        auth="public",
        methods=["POST"],
        csrf=False,
        max_content_length=max_body,
    )
