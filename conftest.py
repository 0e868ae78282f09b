"""Shared pytest fixtures: a fixed clock, users with roles, and the browser (Debian's Chromium)."""

import os

import pytest

os.environ.setdefault("JINGZHI_FAST_HASHER", "1")


def pytest_configure(config):
    """The suite runs on the local-memory cache whatever the profile would choose (the database cache for
    PostgreSQL without Redis): the per-test `cache.clear()` below and the pages' query-count assertions assume
    a cache that is not a table. The shared caches themselves are tested in jingzhi/config/tests/."""
    from django.conf import settings
    from django.core.cache import caches

    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    caches.__dict__.pop("settings", None)


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """A `replica` alias that is the test database itself (TEST MIRROR: a second connection to the same
    database), so jingzhi/config/tests/test_replica.py can assert the read-replica routing without a second
    server. Nothing routes to it unless a test installs the router (settings.DATABASE_ROUTERS)."""
    from django.conf import settings
    from django.db import connections

    from jingzhi.config.profile import REPLICA_ALIAS

    if REPLICA_ALIAS not in settings.DATABASES:
        replica = {k: v for k, v in settings.DATABASES["default"].items() if k != "TEST"}
        # Plain connections: Django closes a mirror's connections but not a pool of its own, which would keep
        # sessions open on the test database and stop its teardown.
        replica["OPTIONS"] = {k: v for k, v in replica.get("OPTIONS", {}).items() if k != "pool"}
        replica["TEST"] = {"MIRROR": "default"}
        settings.DATABASES[REPLICA_ALIAS] = replica
        both = connections.configure_settings(
            {"default": settings.DATABASES["default"], REPLICA_ALIAS: replica}
        )
        connections.settings[REPLICA_ALIAS] = both[REPLICA_ALIAS]


@pytest.fixture(scope="session")
def browser_launch_args():
    return [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
    ]


@pytest.fixture(autouse=True)
def _fresh_calendar_cache():
    """Rolled-back holiday rows of one test must not linger in the in-process calendar cache."""
    from jingzhi.core import workcalendar

    workcalendar.invalidate()
    yield
    workcalendar.invalidate()


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """Rate-limit counters (core.ratelimit, on the cache) of one test must not count against the next."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture(autouse=True)
def _small_demo(settings):
    """`jingzhi demo` builds ~300 cases and six months of street inspections (minutes of work); tests that
    need that history ask for it explicitly with a small count."""
    settings.JINGZHI_DEMO_CASES = 0
    settings.JINGZHI_DEMO_STREET_MONTHS = 0
    settings.JINGZHI_DEMO_SPACES = 0


@pytest.fixture(autouse=True)
def _site_language():
    """Every test starts in the site's default language (Chinese), whatever a previous test activated."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()
