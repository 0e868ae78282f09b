"""The client's address, as every throttle in the house sees it (login lockout, rate limits).

Behind `JINGZHI_TRUSTED_PROXIES` reverse proxies (default 0: the peer is the client), each proxy appends the
address it received the request from to `X-Forwarded-For` (nginx's `$proxy_add_x_forwarded_for`). The chain
`X-Forwarded-For + [REMOTE_ADDR]` therefore ends in addresses our own proxies wrote, and the client is the
entry just before the last N; anything further left was sent by the client and is not believed. django-ipware
was tried and not used: its `proxy_count` expects the proxies themselves to be listed in the header (nginx
lists the client, not itself), and one unparsable client-sent entry makes it return no address at all, which
would let a client step around every per-address limit.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings


def trusted_proxies() -> int:
    return max(0, int(getattr(settings, "JINGZHI_TRUSTED_PROXIES", 0) or 0))


def _valid(value: str) -> str | None:
    value = value.strip()
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def client_ip(request) -> str | None:
    """The client's address for `request` (None without a request or a usable peer address)."""
    if request is None:
        return None
    remote = _valid(request.META.get("REMOTE_ADDR") or "")
    proxies = trusted_proxies()
    if proxies == 0:
        return remote
    forwarded = [part for part in (request.META.get("HTTP_X_FORWARDED_FOR") or "").split(",") if part.strip()]
    chain = [*forwarded, request.META.get("REMOTE_ADDR") or ""]
    if len(chain) <= proxies:
        # Fewer hops than proxies: the request did not come through all of them (a health check on the
        # host itself); the nearest address is the only one we know.
        return _valid(chain[0]) or remote
    # Written by our nearest trusted proxy, so well-formed unless the proxy is misconfigured.
    return _valid(chain[-(proxies + 1)]) or remote
