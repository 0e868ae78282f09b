"""Open311's own limit: POST requests per client key per minute (the key's `rate_limit_per_minute`, else
`JINGZHI_OPEN311_RATE_LIMIT`). The counting is `core.ratelimit`'s, shared with every other limit; the
per-address reporting limit applies to Open311 as well, in `cases.actions.do_open_case`.
"""

from __future__ import annotations

from django.conf import settings

from jingzhi.core import ratelimit
from jingzhi.core.ratelimit import Verdict, weighted_count

DEFAULT_PER_MINUTE = 30

__all__ = ["Verdict", "default_limit", "hit", "weighted_count"]


def default_limit() -> int:
    return int(getattr(settings, "JINGZHI_OPEN311_RATE_LIMIT", DEFAULT_PER_MINUTE))


def hit(client_id: int, limit: int | None) -> Verdict:
    """Count one POST of the client and say whether it may proceed (a refused POST is not counted)."""
    return ratelimit.hit("open311:key", client_id, default_limit() if limit is None else int(limit))
