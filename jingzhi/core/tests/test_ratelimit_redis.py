"""The rate limits on Redis: every limit of a request read, decided and counted in one script call (issue 16),
with the same answers as the limit-by-limit path on any other cache, over the same counters."""

from __future__ import annotations

import os
import uuid
from datetime import datetime, timedelta

import pytest
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache

from jingzhi.core import clock, ratelimit
from jingzhi.core.errors import RateLimited

REDIS_TEST_URL = "redis://127.0.0.1:6379/15"
START = datetime(2026, 12, 7, 10, 0, 30, tzinfo=clock.now().tzinfo)  # half-way through a minute


@pytest.fixture
def redis_cache(settings, monkeypatch):
    """Django's Redis cache on a test database, under a key prefix of this test only (removed after)."""
    try:
        import redis

        redis.Redis.from_url(REDIS_TEST_URL, socket_connect_timeout=1).ping()
    except Exception as exc:  # noqa: BLE001
        if os.environ.get("JINGZHI_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"Redis is required but unreachable at {REDIS_TEST_URL}: {exc}")
        pytest.skip(f"Redis unreachable at {REDIS_TEST_URL}")
    prefix = f"rltest-{uuid.uuid4().hex[:12]}"
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "rl": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_TEST_URL,
            "KEY_PREFIX": prefix,
        },
    }
    backend = caches["rl"]
    monkeypatch.setattr(ratelimit, "cache", backend)
    yield backend
    client = backend._cache.get_client(write=True)
    for key in client.scan_iter(f"{prefix}:*"):
        client.delete(key)


def _limits(settings, per_user: int, per_ip: int) -> None:
    settings.JINGZHI_RATE_REPORTS_PER_USER = per_user
    settings.JINGZHI_RATE_REPORTS_PER_IP = per_ip


def _attempts(n: int, **subjects) -> list[str]:
    out = []
    for _ in range(n):
        try:
            ratelimit.check_report(**subjects)
            out.append("ok")
        except RateLimited as exc:
            out.append(f"429/{exc.retry_after}")
    return out


def test_redis_takes_one_round_trip_for_both_limits(redis_cache, settings, monkeypatch):
    _limits(settings, 5, 5)
    calls = []
    client = redis_cache._cache.get_client(write=True)
    real = type(client).execute_command

    def counted(self, *args, **kwargs):
        calls.append(args[0])
        return real(self, *args, **kwargs)

    with clock.frozen(START):
        ratelimit.check_report(user_id=6, client_ip="10.0.0.6")  # the script is loaded once per server
        monkeypatch.setattr(type(client), "execute_command", counted)
        ratelimit.check_report(user_id=7, client_ip="10.0.0.1")
    assert len(calls) == 1 and calls[0] in {"EVALSHA", "EVAL"}, calls


@pytest.mark.parametrize("backend", ["redis", "locmem"])
def test_both_paths_refuse_alike_and_a_refused_hit_is_not_counted(
    redis_cache, settings, monkeypatch, backend
):
    if backend == "locmem":
        monkeypatch.setattr(ratelimit, "cache", LocMemCache(f"rl-{uuid.uuid4().hex}", {}))
    _limits(settings, 3, 5)
    with clock.frozen(START):
        # The user's limit (3) refuses the fourth, uncounted: the address has counted three.
        assert _attempts(4, user_id=7, client_ip="10.0.0.1") == ["ok", "ok", "ok", "429/31"]
        # Another user from the same address: the address limit (5) refuses the third; the user's limit,
        # checked before it, keeps that attempt.
        assert _attempts(3, user_id=8, client_ip="10.0.0.1") == ["ok", "ok", "429/31"]
        assert _attempts(1, user_id=8, client_ip="10.0.0.2") == ["429/31"]
        # That refusal came from the user's limit: the new address counted nothing.
        assert _attempts(5, user_id=9, client_ip="10.0.0.2") == ["ok", "ok", "ok", "429/31", "429/31"]
    # A minute later half of the last minute still counts: 3 × 0.5 = 1.5, so one more for user 7.
    with clock.frozen(START + timedelta(seconds=60)):
        assert _attempts(2, user_id=7, client_ip="10.0.0.3") == ["ok", "429/31"]


def test_the_script_and_the_generic_path_count_the_same_counters(redis_cache, settings):
    """A node still on the limit-by-limit path (a rolling upgrade) and one on the script see one count."""
    _limits(settings, 4, 100)
    with clock.frozen(START):
        assert ratelimit.hit("report:JINGZHI_RATE_REPORTS_PER_USER", 9, 4).allowed
        assert ratelimit.hit("report:JINGZHI_RATE_REPORTS_PER_USER", 9, 4).allowed
        assert _attempts(3, user_id=9, client_ip="10.0.0.9") == ["ok", "ok", "429/31"]
        assert not ratelimit.hit("report:JINGZHI_RATE_REPORTS_PER_USER", 9, 4).allowed
