"""Login lockout, on django-axes: which failures lock whom, for how long, and the axes handler that reads them.

django-axes stores failed logins (`axes.AccessAttempt`, one row per username + address + user agent with a
failure count and the time of the latest failure). A username is locked after `JINGZHI_LOCKOUT_FAILURES`
failures (default 5); one client address after `JINGZHI_LOCKOUT_IP_FAILURES` (default four times that: a whole
office behind one NAT address must not be locked out by a few typos, while a password sprayer still is). The
client address comes from `core.clientip` (trusted proxies), never from a bare REMOTE_ADDR behind a proxy. A
lock lifts `JINGZHI_LOCKOUT_MINUTES` (default 15) after the latest counted failure; attempts refused while
locked are not counted and do not extend it; a successful login clears the username's failures (not the
address's: one good account must not launder a sprayer's address). Settings are read at call time.

Race-freedom: `accounts.backends.LockoutModelBackend` checks, verifies the password and counts the failure
inside one transaction holding `serialize(username)` (a PostgreSQL advisory lock), so parallel attempts on one
account are checked one at a time and never more than the limit get as far as the password.
"""

from __future__ import annotations

import math
from datetime import timedelta

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from django.conf import settings
from django.db import connection
from django.db.models import Max, Sum

from jingzhi.core import clock

# First key of the two-key advisory lock, so our locks never collide with another user of pg_advisory_lock.
_ADVISORY_CLASS = 0x4A5A  # "JZ"


def failure_limit(*_args) -> int:
    """Failures that lock a username. Also axes' AXES_FAILURE_LIMIT (called with request and credentials)."""
    return max(1, int(getattr(settings, "JINGZHI_LOCKOUT_FAILURES", 5)))


def ip_failure_limit() -> int:
    return max(1, int(getattr(settings, "JINGZHI_LOCKOUT_IP_FAILURES", 4 * failure_limit())))


def window_minutes() -> int:
    return max(1, int(getattr(settings, "JINGZHI_LOCKOUT_MINUTES", 15)))


def cool_off(_request=None) -> timedelta:
    """axes' AXES_COOLOFF_TIME: how long failures count after the latest one."""
    return timedelta(minutes=window_minutes())


def _counted(filters: dict):
    """(failures, latest failure time) of the attempts still inside the window for these filters."""
    row = AccessAttempt.objects.filter(attempt_time__gte=clock.now() - cool_off(), **filters).aggregate(
        failures=Sum("failures_since_start"), latest=Max("attempt_time")
    )
    return row["failures"] or 0, row["latest"]


def failures_for_username(username: str) -> int:
    return _counted({"username": username})[0]


def _unlock_at(filters: dict, limit: int):
    failures, latest = _counted(filters)
    if failures < limit:
        return None
    return latest + cool_off()


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


def serialize(username: str) -> None:
    """Inside a transaction: wait for any other login attempt on this username to finish (PostgreSQL).

    SQLite has no row or advisory locks; it is the single-process development database, where the race
    cannot be run anyway."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", [_ADVISORY_CLASS, username])


class LockoutHandler(AxesDatabaseHandler):
    """axes' database handler with our per-parameter limits, and without the second count of a failure the
    backend has already recorded under its lock (Django's `user_login_failed` signal comes afterwards)."""

    def is_locked(self, request, credentials=None) -> bool:
        username = get_client_username(request, credentials)
        return locked_until(username, getattr(request, "axes_ip_address", None)) is not None

    def user_login_failed(self, sender, credentials, request=None, **kwargs):
        if request is not None and getattr(request, "jingzhi_failure_counted", False):
            return
        super().user_login_failed(sender, credentials, request, **kwargs)

    def count_failure(self, request, username: str) -> None:
        """Record one failure now (called by the backend under its lock)."""
        super().user_login_failed("jingzhi.accounts", {"username": username}, request)
        request.jingzhi_failure_counted = True
