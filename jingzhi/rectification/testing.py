"""Test builders for `rectification` (tests only), importable by any app's tests: a small world for the 十无一创建 tests, made through the geo, accounts, taxonomy and duties actions.

District 110199 with two subdistricts (001, 002), one community and grid each, one street in each
subdistrict (槐柏树街 in 001, 丰盛胡同 in 002). The default category tree maps the ten items; the
responsibility list sends 乱停车 to 交管 and everything else falls to the district government. The clock is
pinned to a Wednesday in June 2025.
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime
from types import SimpleNamespace

import pytest
from django.utils import timezone

from jingzhi.core.testing import feature as _feature
from jingzhi.core.testing import square as _square

D = "110199"
SUB1, SUB2 = f"{D}001", f"{D}002"
COMM1, COMM2 = f"{SUB1}001", f"{SUB2}001"
STREET1, STREET2 = f"{SUB1}S001", f"{SUB2}S001"
ON_STREET1 = (116.3505, 39.9005)
T0 = timezone.make_aware(datetime(2025, 6, 11, 10, 0))


def build_places():
    from jingzhi.geo import actions

    west, east = _square(116.350, 39.900, 116.351, 39.901), _square(116.351, 39.900, 116.352, 39.901)
    generation = actions.do_create_generation(
        actor=None, description="rectification tests", copy_active=False
    )
    levels = {
        "district": [_feature(_square(116.350, 39.900, 116.352, 39.901), code=D, name="示范区")],
        "subdistrict": [
            _feature(west, code=SUB1, name="青槐街道"),
            _feature(east, code=SUB2, name="丰泽街道"),
        ],
        "community": [
            _feature(west, code=COMM1, name="青槐东里社区"),
            _feature(east, code=COMM2, name="石碑社区"),
        ],
        "grid": [
            _feature(west, code=f"{COMM1}001", name="青槐东里第1网格"),
            _feature(east, code=f"{COMM2}001", name="石碑第1网格"),
        ],
        "street": [
            _feature(
                {"type": "LineString", "coordinates": [[116.3502, 39.9005], [116.3508, 39.9005]]},
                code=STREET1,
                name="槐柏树街",
                kind="street",
            ),
            _feature(
                {"type": "LineString", "coordinates": [[116.3512, 39.9005], [116.3518, 39.9005]]},
                code=STREET2,
                name="丰盛胡同",
                kind="hutong",
            ),
        ],
    }
    for level, features in levels.items():
        actions.do_import_places(actor=None, level=level, features=features, generation=generation)
    actions.do_activate_generation(actor=None, generation=generation)
    return generation


def build_taxonomy():
    """Just the ten 十无 categories (the shipped tree takes seconds to load) and global step limits."""
    from jingzhi.rectification.rules import DEFAULT_ITEMS
    from jingzhi.taxonomy import actions
    from jingzhi.taxonomy.limits import TimeLimit

    parent = actions.do_create_category(actor=None, kind="event", code="01", name="市容环境")
    for n, (code, name, *_rest) in enumerate(DEFAULT_ITEMS, start=1):
        actions.do_create_category(
            actor=None,
            kind="event",
            code=f"01{n:02d}",
            name=name.removeprefix("无"),
            parent=parent,
            shiwu_item=code,
        )
    for step in ("accept", "verify", "file", "dispatch", "respond", "check"):
        actions.do_set_step_limit(actor=None, category=None, step=step, limit=TimeLimit(2, "working_hours"))
    actions.do_set_step_limit(actor=None, category=None, step="handle", limit=TimeLimit(3, "working_days"))


def build_people():
    from jingzhi.accounts.actions import do_assign_role, do_create_department, do_create_user

    jg = do_create_department(actor=None, code="GAJG", name="公安交管", district_code=D)
    gov = do_create_department(actor=None, code="QZF", name="区政府", district_code=D, is_fallback=True)

    def user(name, role=None, scope_kind=None, scope_code="", department=None):
        u = do_create_user(
            actor=None, username=name, password="x-secret-1", display_name=name, phone="13800000000"
        )
        if role:
            do_assign_role(
                actor=None,
                user=u,
                role=role,
                scope_kind=scope_kind,
                scope_code=scope_code,
                department=department,
            )
        return u

    return SimpleNamespace(
        jg=jg,
        gov=gov,
        assessor=user("feng", "assessor", "district", D),
        assessor2=user("gu", "assessor", "subdistrict", SUB2),
        inspector=user("zhao", "inspector", "subdistrict", SUB1),
        sub_admin=user("wu", "subdistrict_admin", "subdistrict", SUB1),
        sub_admin2=user("zheng", "subdistrict_admin", "subdistrict", SUB2),
        district_admin=user("zhou", "district_admin", "district", D),
        chief=user("sun"),
        chief2=user("li"),
        steward=user("wang"),
        shift_lead=user("chen", "shift_lead", "district", D),
        dispatcher=user("yang", "dispatcher", "district", D),
        handler=user("liu", "handler", "department", department=jg),
        resident=user("ayi", "resident", "community", COMM1),
        nobody=user("han"),
    )


def make_world():
    """The whole world (other apps' tests build it through their own `world` fixture)."""
    from jingzhi.core import clock
    from jingzhi.duties import loader
    from jingzhi.duties.actions import do_create_duty_rule
    from jingzhi.rectification.actions import do_load_default_standard
    from jingzhi.taxonomy.queries import shiwu_category

    with clock.frozen(T0):
        build_places()
        build_taxonomy()
        people = build_people()
        do_create_duty_rule(
            actor=None,
            category=shiwu_category("illegal_parking"),
            scope_kind="everywhere",
            departments=[people.jg],
        )
        loader.clear_cache()
        version = do_load_default_standard(actor=None)
    return SimpleNamespace(p=people, version=version)


@pytest.fixture
def world(db):
    return make_world()


@contextmanager
def pinned_clock():
    """Pin the clock: the context yields `go(datetime)`; it starts at T0."""
    from jingzhi.core import clock

    state = {"cm": None}

    def go(moment):
        if state["cm"] is not None:
            state["cm"].__exit__(None, None, None)
        state["cm"] = clock.frozen(moment)
        state["cm"].__enter__()
        return moment

    go(T0)
    try:
        yield go
    finally:
        state["cm"].__exit__(None, None, None)


@pytest.fixture
def at():
    with pinned_clock() as go:
        yield go


def day(y, m, d=15, h=10):
    return timezone.make_aware(datetime(y, m, d, h, 0))
