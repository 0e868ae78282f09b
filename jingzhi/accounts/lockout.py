"""Login throttling: reads of the LoginFailure table that decide whether a login may be tried at all.

A username is locked after `JINGZHI_LOCKOUT_FAILURES` failures (default 5) within `JINGZHI_LOCKOUT_MINUTES`
(default 15); one address after `JINGZHI_LOCKOUT_IP_FAILURES` (default four times the username limit: a whole
office behind one NAT address must not be locked out by a few typos, while a password sprayer still is).
The lock lifts by itself when enough failures age out of the window; a successful login clears the
username's failures. Settings are read at call time, never at import.
"""

from __future__ import annotations

import math
from datetime import timedelta

from django.conf import settings

from jingzhi.accounts.models import LoginFailure
from jingzhi.core import clock


def failure_limit() -> int:
    return max(1, int(getattr(settings, "JINGZHI_LOCKOUT_FAILURES", 5)))


def ip_failure_limit() -> int:
    return max(1, int(getattr(settings, "JINGZHI_LOCKOUT_IP_FAILURES", 4 * failure_limit())))


def window_minutes() -> int:
    return max(1, int(getattr(settings, "JINGZHI_LOCKOUT_MINUTES", 15)))


def _window_start():
    return clock.now() - timedelta(minutes=window_minutes())


def failures_for_username(username: str) -> int:
    return LoginFailure.objects.filter(username=username, created_at__gte=_window_start()).count()


def failures_for_ip(ip_address: str | None) -> int:
    if not ip_address:
        return 0
    return LoginFailure.objects.filter(ip_address=ip_address, created_at__gte=_window_start()).count()


def _unlock_at(filters: dict, limit: int):
    """When the lock for these failures lifts, or None when not locked: the moment the limit-th most recent
    failure leaves the window."""
    times = list(
        LoginFailure.objects.filter(created_at__gte=_window_start(), **filters)
        .order_by("-created_at")
        .values_list("created_at", flat=True)[:limit]
    )
    if len(times) < limit:
        return None
    return times[-1] + timedelta(minutes=window_minutes())


def locked_until(username: str | None, ip_address: str | None = None):
    """The moment the later of the username lock and the address lock lifts, or None when neither holds."""
    moments = []
    if username:
        moments.append(_unlock_at({"username": username}, failure_limit()))
    if ip_address:
        moments.append(_unlock_at({"ip_address": ip_address}, ip_failure_limit()))
    moments = [m for m in moments if m is not None and m > clock.now()]
    return max(moments) if moments else None


def minutes_left(until) -> int:
    """Whole minutes (at least 1) until `until`, for the message a person reads."""
    seconds = (until - clock.now()).total_seconds()
    return max(1, math.ceil(seconds / 60))


def client_ip(request) -> str | None:
    """The peer address. X-Forwarded-For is deliberately not trusted here: anyone can send it, and a
    deployment behind a proxy should set REMOTE_ADDR from it in the proxy-aware server (gunicorn
    --forwarded-allow-ips) rather than in application code."""
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None
