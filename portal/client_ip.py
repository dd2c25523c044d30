"""The address a request comes from, the one every throttle counts under.

Behind reverse proxies the TCP peer (`REMOTE_ADDR`) is the nearest proxy, the same for every
visitor. Each proxy appends the address it received the request from to `X-Forwarded-For`, so
with `TRUSTED_PROXY_COUNT` = N proxies in front of the portal the chain

    X-Forwarded-For entries..., REMOTE_ADDR

ends with N addresses written by the portal's own proxies: the client is the entry just before
them, the N-th from the right of the header (rightmost-minus-N counting `REMOTE_ADDR`). Anything
further left was written by the client or by proxies nobody vouches for and is ignored; with
N = 0 the header is ignored entirely. django-axes uses this function too
(`AXES_CLIENT_IP_CALLABLE`), so the login lockout and the portal's own throttles agree.
"""

import ipaddress

from django.conf import settings


def _parse(value: str) -> str | None:
    """`value` as a normalised IP address, or None. Tolerates a port (`1.2.3.4:5678`,
    `[2001:db8::1]:443`), which some proxies add."""
    value = (value or "").strip()
    if value.startswith("[") and "]" in value:
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:
        value = value.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def client_ip(request) -> str | None:
    """The client's address, taking `X-Forwarded-For` only through trusted proxies.

    A chain shorter than the trusted proxies means the request skipped some of them (or the
    setting counts too many): the leftmost address is the best that is known then. An entry
    that is not an address falls back to `REMOTE_ADDR`, never to a client-written value.
    """
    remote = _parse(request.META.get("REMOTE_ADDR", ""))
    trusted = int(getattr(settings, "TRUSTED_PROXY_COUNT", 0) or 0)
    if trusted <= 0:
        return remote
    forwarded = [
        entry.strip()
        for entry in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if entry.strip()
    ]
    chain = [*forwarded, request.META.get("REMOTE_ADDR", "")]
    candidate = chain[-1 - trusted] if len(chain) > trusted else chain[0]
    return _parse(candidate) or remote


def throttle_address(address: str | None) -> str:
    """The unit a per-address throttle counts: the address itself for IPv4, its /64 network
    for IPv6 (one subscriber holds a whole /64 and could otherwise rotate through it)."""
    if not address:
        return "unknown"
    parsed = ipaddress.ip_address(address)
    if parsed.version == 6 and parsed.ipv4_mapped is None:
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    if parsed.version == 6:
        return str(parsed.ipv4_mapped)
    return str(parsed)
