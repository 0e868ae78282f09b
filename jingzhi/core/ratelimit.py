"""Rate limits, once for the whole house: a per-minute count of actions per subject (a user, a client address,
an Open311 key) on Django's cache, refused with `RateLimited` (HTTP 429 and a Retry-After in every interface).

A sliding window approximated by two fixed one-minute counters: the count is this minute's hits plus last
minute's, weighted by how much of last minute still lies inside the sliding window. It needs one atomic
increment per request (`cache.add` / `cache.incr`) and no lists of timestamps, and never lets a client double
its rate at a minute boundary as a plain fixed window would. With several web nodes the counters are shared
through Redis (REDIS_URL); with local memory each process counts on its own (the embedded profile runs one).
A refused hit is not counted, so a client that waits out the Retry-After gets through.

The rules live where the action is: `cases.actions.do_open_case` limits reports (interfaces pass the client
address in), `accounts.backends` limits login attempts, `open311` adds its per-key limit. The limits come from
settings (`JINGZHI_RATE_*`, per minute; 0 turns one off).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _

from jingzhi.core import clock
from jingzhi.core.errors import RateLimited

WINDOW = 60

# setting name -> default per minute, for the limits the house knows (docs/deployment.md lists them).
DEFAULTS = {
    "JINGZHI_RATE_REPORTS_PER_USER": 10,
    "JINGZHI_RATE_REPORTS_PER_IP": 30,
    "JINGZHI_RATE_LOGINS_PER_USER": 10,
    "JINGZHI_RATE_LOGINS_PER_IP": 30,
    "JINGZHI_RATE_OTP_PER_IP": 10,  # sign-in codes asked for (accounts.actions.do_request_login_code)
}


def limit_of(setting: str) -> int:
    return int(getattr(settings, setting, DEFAULTS.get(setting, 0)) or 0)


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    limit: int
    count: float
    retry_after: int


def weighted_count(previous: int, current: int, elapsed: float) -> float:
    """PURE: hits in the sliding minute ending now, `elapsed` seconds into the current fixed minute."""
    return previous * max(0.0, (WINDOW - elapsed) / WINDOW) + current


def hit(bucket: str, subject, limit: int) -> Verdict:
    """Count one action of `subject` in `bucket` and say whether it may proceed (a refused one is not
    counted). A limit of 0 or less never refuses."""
    limit = int(limit)
    if limit <= 0 or subject in (None, ""):
        return Verdict(True, max(limit, 0), 0, 0)
    now = clock.now().timestamp()
    minute = int(now // WINDOW)
    elapsed = now - minute * WINDOW
    # Hashed: usernames may hold spaces or be long, which some cache backends refuse in keys.
    stem = f"rl:{bucket}:{hashlib.sha256(str(subject).encode()).hexdigest()[:32]}"
    current_key, previous_key = f"{stem}:{minute}", f"{stem}:{minute - 1}"
    values = cache.get_many([current_key, previous_key])
    count = weighted_count(int(values.get(previous_key, 0)), int(values.get(current_key, 0)), elapsed)
    if count + 1 > limit:
        return Verdict(False, limit, count, max(1, int(WINDOW - elapsed) + 1))
    # This minute's counter exists already (the read above saw it): increment it without trying to add it
    # first, one cache round trip fewer on every counted request.
    if current_key in values or cache.add(current_key, 1, timeout=WINDOW * 2 + 5) is False:
        try:
            cache.incr(current_key)
        except ValueError:  # expired between add and incr
            cache.set(current_key, 1, timeout=WINDOW * 2 + 5)
    return Verdict(True, limit, count + 1, 0)


def check(bucket: str, subjects: dict[str, object], what: str) -> None:
    """Count one action against every limit in `subjects` ({setting name: subject}); raise RateLimited
    naming `what` (e.g. "提交问题") for the first one exceeded. Limits checked before the refusing one keep
    their count: the refused action was still attempted by that subject."""
    for setting, subject in subjects.items():
        verdict = hit(f"{bucket}:{setting}", subject, limit_of(setting))
        if not verdict.allowed:
            raise RateLimited(
                _("%(what)s过于频繁：每分钟最多 %(n)d 次，请 %(s)d 秒后再试")
                % {"what": what, "n": verdict.limit, "s": verdict.retry_after},
                retry_after=verdict.retry_after,
            )


def check_report(*, user_id, client_ip: str | None) -> None:
    """A report from an interface: per user and per client address."""
    check(
        "report",
        {"JINGZHI_RATE_REPORTS_PER_USER": user_id, "JINGZHI_RATE_REPORTS_PER_IP": client_ip},
        _("提交问题"),
    )


def check_login(*, username: str, client_ip: str | None) -> None:
    """A login attempt (right or wrong password): per username and per client address."""
    check(
        "login",
        {"JINGZHI_RATE_LOGINS_PER_USER": username, "JINGZHI_RATE_LOGINS_PER_IP": client_ip},
        _("登录尝试"),
    )
