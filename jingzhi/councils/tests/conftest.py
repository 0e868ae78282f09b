"""Councils tests' fixtures come from `jingzhi.councils.testing`."""

import pytest

from jingzhi.councils.testing import cworld  # noqa: F401


@pytest.fixture
def at():
    """Pin the clock: `at(moment)` moves it; it starts at T0 (Wednesday 2025-06-11 09:00)."""
    from jingzhi.core import clock
    from jingzhi.councils.testing import T0

    state = {"cm": None}

    def go(moment):
        if state["cm"] is not None:
            state["cm"].__exit__(None, None, None)
        state["cm"] = clock.frozen(moment)
        state["cm"].__enter__()
        return moment

    go(T0)
    yield go
    state["cm"].__exit__(None, None, None)
