"""Rate limiting of POST requests, per client key, on Django's cache (Redis in production, local memory in
the embedded profile).

A sliding window approximated by two fixed one-minute counters: the count is this minute's hits plus last
minute's, weighted by how much of last minute still lies inside the sliding window. It needs one atomic
increment per request (`cache.incr`) and no lists of timestamps, and never lets a client double its rate at
a minute boundary as a plain fixed window would. With several web nodes the counters are shared through
Redis; with local memory each process counts on its own (the embedded profile runs one).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

from jingzhi.core import clock

DEFAULT_PER_MINUTE = 30
WINDOW = 60


def default_limit() -> int:
    return int(getattr(settings, "JINGZHI_OPEN311_RATE_LIMIT", DEFAULT_PER_MINUTE))


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    limit: int
    count: float
    retry_after: int


def weighted_count(previous: int, current: int, elapsed: float) -> float:
    """PURE: hits in the sliding minute ending now, `elapsed` seconds into the current fixed minute."""
    return previous * max(0.0, (WINDOW - elapsed) / WINDOW) + current


def hit(client_id: int, limit: int | None) -> Verdict:
    """Count one POST of the client and say whether it may proceed (a refused POST is not counted)."""
    limit = default_limit() if limit is None else int(limit)
    if limit <= 0:
        return Verdict(True, 0, 0, 0)
    now = clock.now().timestamp()
    minute = int(now // WINDOW)
    elapsed = now - minute * WINDOW
    current_key, previous_key = f"open311:rl:{client_id}:{minute}", f"open311:rl:{client_id}:{minute - 1}"
    values = cache.get_many([current_key, previous_key])
    count = weighted_count(int(values.get(previous_key, 0)), int(values.get(current_key, 0)), elapsed)
    if count + 1 > limit:
        return Verdict(False, limit, count, max(1, int(WINDOW - elapsed) + 1))
    if cache.add(current_key, 1, timeout=WINDOW * 2 + 5) is False:
        try:
            cache.incr(current_key)
        except ValueError:  # expired between add and incr
            cache.set(current_key, 1, timeout=WINDOW * 2 + 5)
    return Verdict(True, limit, count + 1, 0)
