"""Test builders for `spaces` (tests only): a small world made through the geo, accounts, taxonomy and
duties actions.

District 110199 spans lon 116.30–116.34, lat 39.90–39.91. Subdistrict 001 (west) and 002 (east) hold one
community each; each community has four grids of 0.005° × 0.01° (about 430 m × 1,100 m), numbered west to
east. The 十无 categories a 反弹 case is filed under exist; 私搭乱建 is routed to 城管执法, the rest falls to
the district government. The clock is pinned to a Wednesday in June 2025.
"""

from __future__ import annotations

from datetime import datetime
from types import SimpleNamespace

import pytest
from django.utils import timezone

from jingzhi.core.testing import feature, square

D = "110199"
SUB1, SUB2 = f"{D}001", f"{D}002"
COMM1, COMM2 = f"{SUB1}001", f"{SUB2}001"
T0 = timezone.make_aware(datetime(2025, 6, 11, 10, 0))
# A point in each community's first grid.
IN_COMM1 = (116.3025, 39.905)
IN_COMM2 = (116.3225, 39.905)
OUTSIDE = (116.50, 39.95)
SHIWU = [
    ("illegal_construction", "私搭乱建"),
    ("wall_openings", "开墙打洞"),
    ("illegal_business", "违规经营"),
]


def grid_box(n: int) -> tuple[float, float, float, float]:
    """The n-th grid (0–7, west to east) as (lon0, lat0, lon1, lat1)."""
    lon0 = 116.30 + 0.005 * n
    return (round(lon0, 3), 39.90, round(lon0 + 0.005, 3), 39.91)


def build_places():
    from jingzhi.geo import actions

    generation = actions.do_create_generation(actor=None, description="spaces tests", copy_active=False)
    west, east = square(116.30, 39.90, 116.32, 39.91), square(116.32, 39.90, 116.34, 39.91)
    grids = []
    for n in range(8):
        comm = COMM1 if n < 4 else COMM2
        grids.append(feature(square(*grid_box(n)), code=f"{comm}{n % 4 + 1:03d}", name=f"第{n + 1}网格"))
    levels = {
        "district": [feature(square(116.30, 39.90, 116.34, 39.91), code=D, name="示范区")],
        "subdistrict": [feature(west, code=SUB1, name="青槐街道"), feature(east, code=SUB2, name="丰泽街道")],
        "community": [
            feature(west, code=COMM1, name="青槐东里社区"),
            feature(east, code=COMM2, name="石碑社区"),
        ],
        "grid": grids,
    }
    for level, features in levels.items():
        actions.do_import_places(actor=None, level=level, features=features, generation=generation)
    actions.do_activate_generation(actor=None, generation=generation)
    return generation


def build_taxonomy():
    from jingzhi.taxonomy import actions
    from jingzhi.taxonomy.limits import TimeLimit

    parent = actions.do_create_category(actor=None, kind="event", code="01", name="市容环境")
    for n, (code, name) in enumerate(SHIWU, start=1):
        actions.do_create_category(
            actor=None, kind="event", code=f"01{n:02d}", name=name, parent=parent, shiwu_item=code
        )
    for step in ("accept", "verify", "file", "dispatch", "respond", "check"):
        actions.do_set_step_limit(actor=None, category=None, step=step, limit=TimeLimit(2, "working_hours"))
    actions.do_set_step_limit(actor=None, category=None, step="handle", limit=TimeLimit(3, "working_days"))


def build_people():
    from jingzhi.accounts.actions import do_assign_role, do_create_department, do_create_user

    cg = do_create_department(actor=None, code="CGZF", name="城管执法", district_code=D)
    gov = do_create_department(actor=None, code="QZF", name="区政府", district_code=D, is_fallback=True)

    def user(name, role=None, scope_kind=None, scope_code=""):
        u = do_create_user(
            actor=None, username=name, password="x-secret-1", display_name=name, phone="13800000000"
        )
        if role:
            do_assign_role(actor=None, user=u, role=role, scope_kind=scope_kind, scope_code=scope_code)
        return u

    return SimpleNamespace(
        cg=cg,
        gov=gov,
        district_admin=user("zhou", "district_admin", "district", D),
        sub_admin=user("wu", "subdistrict_admin", "subdistrict", SUB1),
        sub_admin2=user("zheng", "subdistrict_admin", "subdistrict", SUB2),
        inspector=user("zhao", "inspector", "subdistrict", SUB1),
        inspector2=user("qian", "inspector", "subdistrict", SUB2),
        operator=user("li", "operator", "district", D),
        resident=user("ayi", "resident", "community", COMM1),
        nobody=user("han"),
    )


def make_world():
    from jingzhi.core import clock
    from jingzhi.duties import loader
    from jingzhi.duties.actions import do_create_duty_rule
    from jingzhi.spaces.actions import do_load_default_lists
    from jingzhi.taxonomy.queries import shiwu_category

    with clock.frozen(T0):
        build_places()
        build_taxonomy()
        people = build_people()
        do_create_duty_rule(
            actor=None,
            category=shiwu_category("illegal_construction"),
            scope_kind="everywhere",
            departments=[people.cg],
        )
        loader.clear_cache()
        do_load_default_lists(actor=None)
    return SimpleNamespace(p=people)


@pytest.fixture
def world(db):
    return make_world()


@pytest.fixture
def at():
    """Pin the clock at T0 (the fixture yields a function to move it)."""
    from jingzhi.core import clock

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


def register(actor=None, *, where=IN_COMM1, **overrides):
    """A space registered through the action (defaults: 120 m² of demolished structure, above ground)."""
    from jingzhi.spaces.actions import do_register_space

    values = {
        "name": "槐柏树街12号违建拆除点",
        "address": "槐柏树街12号",
        "area_m2": "120",
        "origin": "demolition",
        "vacated_on": "2025-05-06",
        "lon": where[0],
        "lat": where[1],
    }
    values.update(overrides)
    return do_register_space(actor=actor, **values)


def day(y, m, d=15, h=10):
    return timezone.make_aware(datetime(y, m, d, h, 0))
