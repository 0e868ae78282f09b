"""The injectable clock. Domain code asks `clock.now()`, never `timezone.now()`, so tests and the demo can
pin time (`with clock.frozen(moment): ...`) without patching libraries."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from datetime import datetime

from django.utils import timezone

_state = threading.local()


def now() -> datetime:
    pinned = getattr(_state, "pinned", None)
    return pinned if pinned is not None else timezone.now()


@contextlib.contextmanager
def frozen(moment: datetime) -> Iterator[None]:
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    previous = getattr(_state, "pinned", None)
    _state.pinned = moment
    try:
        yield
    finally:
        _state.pinned = previous
