"""Test builders for `cases` (tests only), importable by any app's tests: a small world for the case tests, made through the geo, accounts, taxonomy and duties actions.

District 110199 with two subdistricts (001, 002), each one community holding one grid the size of the
community; a street in 001. Category 部件 01 公用设施 › 0101 上水井盖 (keywords 井盖) with a filing condition of
4 working hours; global step limits for every step. Duty rule: 上水井盖 everywhere → 市政市容委. One user per
role, scoped to subdistrict 001 (the grid for the inspector), plus a few outsiders.
"""

from __future__ import annotations

from datetime import datetime
from types import SimpleNamespace

import pytest
from django.utils import timezone

from jingzhi.core.testing import feature as _feature
from jingzhi.core.testing import square as _square

D = "110199"
SUB1, SUB2 = f"{D}001", f"{D}002"
COMM1, COMM2 = f"{SUB1}001", f"{SUB2}001"
GRID1, GRID2 = f"{COMM1}001", f"{COMM2}001"
STREET1 = f"{SUB1}S001"
IN_SUB1 = (116.3505, 39.9005)
IN_SUB2 = (116.3515, 39.9005)
OUTSIDE = (116.50, 39.95)
# A Wednesday morning inside working hours, well away from holidays.
T0 = timezone.make_aware(datetime(2025, 6, 11, 9, 0))


def build_places():
    from jingzhi.geo import actions

    west, east = _square(116.350, 39.900, 116.351, 39.901), _square(116.351, 39.900, 116.352, 39.901)
    generation = actions.do_create_generation(actor=None, description="cases tests", copy_active=False)
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
            _feature(west, code=GRID1, name="青槐东里第1网格"),
            _feature(east, code=GRID2, name="石碑第1网格"),
        ],
        "street": [
            _feature(
                {"type": "LineString", "coordinates": [[116.3502, 39.9005], [116.3508, 39.9005]]},
                code=STREET1,
                name="槐柏树胡同",
                kind="hutong",
            )
        ],
    }
    for level, features in levels.items():
        actions.do_import_places(actor=None, level=level, features=features, generation=generation)
    actions.do_activate_generation(actor=None, generation=generation)
    return generation


def build_taxonomy():
    from jingzhi.taxonomy import actions
    from jingzhi.taxonomy.limits import TimeLimit

    public = actions.do_create_category(actor=None, kind="component", code="01", name="公用设施")
    cover = actions.do_create_category(
        actor=None, kind="component", code="0101", name="上水井盖", parent=public, keywords="井盖、窨井"
    )
    old = actions.do_create_category(
        actor=None, kind="component", code="0109", name="旧分类", parent=public, is_active=False
    )
    condition = actions.do_save_filing_condition(
        actor=None, category=cover, text="缺失或移位", limit=TimeLimit(4, "working_hours")
    )
    for step, limit in {
        "accept": (1, "working_hours"),
        "verify": (2, "working_hours"),
        "file": (1, "working_hours"),
        "dispatch": (1, "working_hours"),
        "respond": (2, "working_hours"),
        "handle": (3, "working_days"),
        "check": (2, "working_hours"),
    }.items():
        actions.do_set_step_limit(actor=None, category=None, step=step, limit=TimeLimit(*limit))
    return SimpleNamespace(public=public, cover=cover, old=old, condition=condition)


def build_people():
    from jingzhi.accounts.actions import do_assign_role, do_create_department, do_create_user

    szsr = do_create_department(actor=None, code="SZSR", name="市政市容委", district_code=D)
    zls = do_create_department(actor=None, code="ZLS", name="自来水公司", district_code=D)
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
        szsr=szsr,
        zls=zls,
        gov=gov,
        resident=user("wang", "resident", "grid", GRID1),
        other_resident=user("li_resident", "resident", "grid", GRID1),
        inspector=user("zhao", "inspector", "grid", GRID1),
        inspector2=user("qian", "inspector", "grid", GRID2),
        operator=user("li", "operator", "subdistrict", SUB1),
        operator2=user("sun", "operator", "subdistrict", SUB2),
        shift_lead=user("zhou", "shift_lead", "district", D),
        dispatcher=user("wu", "dispatcher", "district", D),
        handler=user("zheng", "handler", "department", department=szsr),
        other_handler=user("feng", "handler", "department", department=zls),
        sub_admin=user("chen", "subdistrict_admin", "subdistrict", SUB1),
        sub_admin2=user("chu", "subdistrict_admin", "subdistrict", SUB2),
        district_admin=user("wei", "district_admin", "district", D),
        street_chief=user("jiang", "street_chief", "street", STREET1),
        steward=user("shen", "steward", "street", STREET1),
        nobody=user("han"),
    )


@pytest.fixture
def world(db):
    from jingzhi.core import clock
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
    return SimpleNamespace(places=places, t=tax, p=people)


@pytest.fixture
def frozen():
    """Pin the clock at T0; `frozen.to(dt)` moves it."""
    from jingzhi.core import clock

    class Pin:
        def __init__(self):
            self.cm = None

        def to(self, moment):
            if self.cm is not None:
                self.cm.__exit__(None, None, None)
            self.cm = clock.frozen(moment)
            self.cm.__enter__()
            return moment

    pin = Pin()
    pin.to(T0)
    yield pin
    if pin.cm is not None:
        pin.cm.__exit__(None, None, None)


def open_case(world, actor=None, *, source="resident_web", where=IN_SUB1, **kw):
    from jingzhi.cases.actions import do_open_case

    actor = actor if actor is not None else world.p.resident
    kw.setdefault("description", "井盖没了，很危险")
    as_named_reporter(actor, kw)
    return do_open_case(actor=actor, source=source, lon=where[0], lat=where[1], **kw)


def walk_to(world, case, state):
    """Drive a fresh resident report along the main path until it reaches `state`."""
    from jingzhi.cases import actions

    p = world.p
    steps = [
        ("pending_filing", lambda: actions.do_verify_case(actor=p.inspector, case_id=case.pk, note="属实")),
        (
            "pending_dispatch",
            lambda: actions.do_file_case(
                actor=p.shift_lead, case_id=case.pk, filing_condition=world.t.condition.pk
            ),
        ),
        ("pending_response", lambda: actions.do_dispatch_case(actor=p.dispatcher, case_id=case.pk)),
        ("handling", lambda: actions.do_accept_case(actor=p.handler, case_id=case.pk)),
        ("pending_check", lambda: actions.do_feedback_case(actor=p.handler, case_id=case.pk, note="已补装")),
        ("pending_callback", lambda: actions.do_check_pass_case(actor=p.inspector, case_id=case.pk)),
        ("closed", lambda: actions.do_rate_case(actor=p.resident, case_id=case.pk, rating="satisfied")),
    ]
    current = case
    for reached, step in steps:
        if current.state == state:
            return current
        current = step()
        assert current.state == reached
        if reached == state:
            return current
    return current


def as_named_reporter(actor, kw: dict) -> None:
    """Tests name the resident who reports (`reporter_name=` / `reporter_phone=`): a resident's name and
    phone come from their account (`do_open_case` refuses others' values), so the account is renamed."""
    from jingzhi.accounts import access

    name, phone = kw.get("reporter_name"), kw.get("reporter_phone")
    if actor is None or access.is_staff_user(actor) or not (name or phone):
        return
    kw.pop("reporter_name", None), kw.pop("reporter_phone", None)
    actor.display_name = name or actor.display_name
    actor.phone = phone or actor.phone
    actor.save(update_fields=["display_name", "phone"])
