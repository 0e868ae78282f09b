"""Shared pytest fixtures: a fixed clock, users with roles, and the browser (Debian's Chromium)."""

import os

import pytest

os.environ.setdefault("JINGZHI_FAST_HASHER", "1")


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
