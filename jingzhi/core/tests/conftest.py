"""Core test fixtures. The working calendar caches table data per process; a test's rolled-back writes
must not leak into the next test through that cache."""

import pytest

from jingzhi.core import workcalendar


@pytest.fixture(autouse=True)
def fresh_calendar_cache():
    workcalendar.invalidate()
    yield
    workcalendar.invalidate()
