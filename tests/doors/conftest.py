"""The cases tests' small city (district 110199, two subdistricts, a street, people for every role, the duty
rule 上水井盖 → 市政市容委), with the clock pinned at its T0, for tests that go through every door."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from jingzhi.cases.testing import T0, build_people, build_places, build_taxonomy
from jingzhi.core import clock


@pytest.fixture
def world(db):
    from jingzhi.duties import loader
    from jingzhi.duties.actions import do_create_duty_rule

    with clock.frozen(T0):
        places = build_places()
        tax = build_taxonomy()
        people = build_people()
        do_create_duty_rule(
            actor=None, category=tax.cover, scope_kind="everywhere", departments=[people.szsr]
        )
        loader.clear_cache()
        yield SimpleNamespace(places=places, t=tax, p=people)
