"""Shared pytest fixtures: a fixed clock, users with roles, and the browser (Debian's Chromium)."""

import os

import pytest

os.environ.setdefault("JINGZHI_FAST_HASHER", "1")


@pytest.fixture(scope="session")
def browser_launch_args():
    return [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ]


@pytest.fixture(autouse=True)
def _fresh_calendar_cache():
    """Rolled-back holiday rows of one test must not linger in the in-process calendar cache."""
    from jingzhi.core import workcalendar

    workcalendar.invalidate()
    yield
    workcalendar.invalidate()
