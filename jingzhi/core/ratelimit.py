"""Rate limits, once for the whole house: a per-minute count of actions per subject (a user, a client address,
an Open311 key) on Django's cache, refused with `RateLimited` (HTTP 429 and a Retry-After in every interface).

A sliding window approximated by two fixed one-minute counters: the count is this minute's hits plus last
minute's, weighted by how much of last minute still lies inside the sliding window. It needs one atomic
increment per request (`cache.add` / `cache.incr`; on Redis one script call for all of a request's
limits, one round trip) and no lists of timestamps, and never lets a client double its rate at a minute
boundary as a plain fixed window would. With several web nodes the counters are shared through Redis (REDIS_URL); with local memory each process counts on its own (the embedded profile runs one).
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
    current_key, previous_key = _keys(bucket, subject, minute)
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
    their count: the refused action was still attempted by that subject. On Redis every limit of the call
    is read, decided and counted in one round trip (`_check_on_redis`); other caches go limit by limit."""
    live = [
        (setting, subject, limit_of(setting))
        for setting, subject in subjects.items()
        if limit_of(setting) > 0 and subject not in (None, "")
    ]
    if not live:
        return
    client = _redis_client()
    if client is not None:
        refused = _check_on_redis(client, bucket, live)
    else:
        refused = None
        for setting, subject, limit in live:
            verdict = hit(f"{bucket}:{setting}", subject, limit)
            if not verdict.allowed:
                refused = verdict
                break
    if refused is not None:
        raise RateLimited(
            _("%(what)s过于频繁：每分钟最多 %(n)d 次，请 %(s)d 秒后再试")
            % {"what": what, "n": refused.limit, "s": refused.retry_after},
            retry_after=refused.retry_after,
        )


# One round trip for all the limits of a request: for each (current, previous) key pair in order, the
# weighted count against its limit; the first over its limit stops the walk uncounted, the ones before it
# are counted (INCR, the expiry set when the counter is new). Counters stay plain integers, the way
# Django's Redis cache stores ints, so `hit` and this script count the same keys.
_LUA = """
local weight = tonumber(ARGV[1])
local ttl = tonumber(ARGV[2])
for i = 1, #KEYS / 2 do
  local current = tonumber(redis.call('GET', KEYS[2 * i - 1]) or '0') or 0
  local previous = tonumber(redis.call('GET', KEYS[2 * i]) or '0') or 0
  local count = previous * weight + current
  if count + 1 > tonumber(ARGV[2 + i]) then
    return {i, tostring(count)}
  end
  if redis.call('INCR', KEYS[2 * i - 1]) == 1 then
    redis.call('EXPIRE', KEYS[2 * i - 1], ttl)
  end
end
return {0, '0'}
"""
_script: dict = {}


def _redis_client():
    """The cache's Redis client when the cache is Django's Redis backend, else None."""
    from django.core.cache.backends.redis import RedisCacheClient

    holder = getattr(cache, "_cache", None)
    return holder.get_client(write=True) if isinstance(holder, RedisCacheClient) else None


def _check_on_redis(client, bucket: str, live: list[tuple[str, object, int]]) -> Verdict | None:
    """`hit` for every limit in `live` in one script call; the refusing limit's Verdict, or None."""
    now = clock.now().timestamp()
    minute = int(now // WINDOW)
    elapsed = now - minute * WINDOW
    keys = []
    for setting, subject, _limit in live:
        current_key, previous_key = _keys(f"{bucket}:{setting}", subject, minute)
        keys += [cache.make_and_validate_key(current_key), cache.make_and_validate_key(previous_key)]
    script = _script.get("lua")
    if script is None:
        script = _script["lua"] = client.register_script(_LUA)
    weight = max(0.0, (WINDOW - elapsed) / WINDOW)
    index, count = script(
        keys=keys,
        args=[repr(weight), WINDOW * 2 + 5, *[limit for _s, _subject, limit in live]],
        client=client,
    )
    if int(index) == 0:
        return None
    limit = live[int(index) - 1][2]
    return Verdict(False, limit, float(count), max(1, int(WINDOW - elapsed) + 1))


def _keys(bucket: str, subject, minute: int) -> tuple[str, str]:
    # Hashed: usernames may hold spaces or be long, which some cache backends refuse in keys.
    stem = f"rl:{bucket}:{hashlib.sha256(str(subject).encode()).hexdigest()[:32]}"
    return f"{stem}:{minute}", f"{stem}:{minute - 1}"


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
