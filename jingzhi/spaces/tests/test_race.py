"""Two spaces registered at the same instant (PostgreSQL, real threads) both get a number, each its own: the
unique number refuses the second writer, which takes the next number instead of failing with a 500."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from jingzhi.core import clock
from jingzhi.spaces.models import Space
from jingzhi.spaces.testing import T0, make_world, register


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_spaces_registered_at_once_both_get_their_own_number():
    if connection.vendor != "postgresql":
        pytest.skip("needs two PostgreSQL connections")
    world = make_world()
    barrier = threading.Barrier(4)
    outcomes: list[str] = []

    def attempt(n):
        try:
            barrier.wait(timeout=10)
            with clock.frozen(T0):
                register(world.p.sub_admin, name=f"并发登记{n}")
            outcomes.append("ok")
        except Exception as exc:  # noqa: BLE001 - reported in the assertion
            outcomes.append(f"error:{type(exc).__name__}:{exc}")
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert outcomes == ["ok"] * 4, outcomes
    numbers = list(Space.objects.filter(name__startswith="并发登记").values_list("number", flat=True))
    assert len(numbers) == len(set(numbers)) == 4
