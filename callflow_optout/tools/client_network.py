"""The network a visitor posts from, for rate limits.

One address is not one person: a carrier NAT or an office proxy puts many
people behind one IPv4 address, and one IPv6 subscriber gets a whole /64.
Limits therefore count per network: IPv4 /24, IPv6 /64.
"""

import ipaddress

IPV4_PREFIX = 24
IPV6_PREFIX = 64


def client_network(address):
    """``'203.0.113.0/24'`` for ``'203.0.113.7'``; ``''`` if not an address.

    ``address`` must come from the request as Odoo's ``proxy_mode`` allows
    (``request.httprequest.remote_addr``), never from a header read here.
    """
    try:
        ip = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return ""
    if ip.version == 6 and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    prefix = IPV4_PREFIX if ip.version == 4 else IPV6_PREFIX
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))
