"""Test builders for `projects` (tests only), importable by any app's tests (the doors tests, the browser
journey): a district 110188 with one subdistrict (001) of two communities, a second subdistrict (002), the
example catalogue, office staff and residents, and a household register of 甲8号院 and 乙2号楼 built
through the register import itself. The clock is pinned to a Wednesday in June 2025.
"""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from types import SimpleNamespace

import pytest
from django.utils import timezone

from jingzhi.core.testing import feature as _feature
from jingzhi.core.testing import square as _square

D = "110188"
SUB1, SUB2 = f"{D}001", f"{D}002"
COMM1, COMM2, COMM3 = f"{SUB1}001", f"{SUB1}002", f"{SUB2}001"
T0 = timezone.make_aware(datetime(2025, 6, 11, 10, 0))
REGISTER_HEADER = [
    "社区编码",
    "楼栋/院落",
    "地址",
    "户代表",
    "联系电话",
    "人数",
    "建筑面积",
    "产权户",
    "利益相关群体",
    "成员账号",
]


def build_places():
    from jingzhi.geo import actions

    a, b = _square(116.30, 39.90, 116.31, 39.91), _square(116.31, 39.90, 116.32, 39.91)
    c = _square(116.32, 39.90, 116.33, 39.91)
    generation = actions.do_create_generation(actor=None, description="projects tests", copy_active=False)
    levels = {
        "district": [_feature(_square(116.30, 39.90, 116.33, 39.91), code=D, name="议事区")],
        "subdistrict": [
            _feature(_square(116.30, 39.90, 116.32, 39.91), code=SUB1, name="广和街道"),
            _feature(c, code=SUB2, name="新桥街道"),
        ],
        "community": [
            _feature(a, code=COMM1, name="甲八社区"),
            _feature(b, code=COMM2, name="乙二社区"),
            _feature(c, code=COMM3, name="新桥社区"),
        ],
        "grid": [
            _feature(a, code=f"{COMM1}001", name="甲八第1网格"),
            _feature(b, code=f"{COMM2}001", name="乙二第1网格"),
            _feature(c, code=f"{COMM3}001", name="新桥第1网格"),
        ],
    }
    for level, features in levels.items():
        actions.do_import_places(actor=None, level=level, features=features, generation=generation)
    actions.do_activate_generation(actor=None, generation=generation)
    return generation


def workbook(rows, header=REGISTER_HEADER) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def register_rows(residents: dict[str, str]):
    """Ten households in 甲8号院 (COMM1), four in 乙2号楼 (COMM1) and three in COMM3; `residents` maps an
    address to the usernames matched to it."""
    rows = []
    for n in range(1, 11):
        address = f"甲8号院{n}号"
        rows.append(
            [
                COMM1,
                "甲8号院",
                address,
                f"住户{n}",
                "13900000000",
                3,
                60 + n,
                "是",
                "",
                residents.get(address, ""),
            ]
        )
    for n in range(1, 5):
        address = f"乙2号楼{n}01"
        rows.append(
            [
                COMM1,
                "乙2号楼",
                address,
                f"乙住户{n}",
                "",
                2,
                80,
                "否" if n == 4 else "是",
                "底商" if n == 1 else "",
                residents.get(address, ""),
            ]
        )
    for n in range(1, 4):
        address = f"新桥{n}号"
        rows.append(
            [COMM3, "新桥院", address, f"新住户{n}", "", 1, None, "是", "", residents.get(address, "")]
        )
    return rows


def build_people():
    from jingzhi.accounts.actions import do_assign_role, do_create_department, do_create_user

    dept = do_create_department(actor=None, code="ZJW", name="区住建委", district_code=D)

    def user(name, role=None, scope_kind=None, scope_code=""):
        u = do_create_user(
            actor=None, username=name, password="x-secret-1", display_name=name, phone="13800000000"
        )
        if role:
            do_assign_role(actor=None, user=u, role=role, scope_kind=scope_kind, scope_code=scope_code)
        return u

    return SimpleNamespace(
        dept=dept,
        office=user("jiedao", "subdistrict_admin", "subdistrict", SUB1),
        office2=user("xinqiao", "subdistrict_admin", "subdistrict", SUB2),
        district=user("quli", "district_admin", "district", D),
        assessor=user("kaohe", "assessor", "district", D),
        rep=user("zhangsan", "resident", "community", COMM1),
        spouse=user("lisi", "resident", "community", COMM1),
        neighbour=user("wangwu", "resident", "community", COMM1),
        tenant=user("zhaoliu", "resident", "community", COMM1),
        outsider=user("qianqi", "resident", "community", COMM3),
        nobody=user("sunba"),
    )


def make_world():
    from jingzhi.core import clock
    from jingzhi.projects import actions

    with clock.frozen(T0):
        build_places()
        people = build_people()
        actions.do_load_example_kinds(actor=None)
        residents = {
            "甲8号院1号": "zhangsan,lisi",
            "甲8号院2号": "wangwu",
            "乙2号楼401": "zhaoliu",
            "新桥1号": "qianqi",
        }
        households = actions.do_import_register(actor=None, source=workbook(register_rows(residents)))
    return SimpleNamespace(p=people, households={h.address: h for h in households})


@pytest.fixture
def world(db):
    return make_world()


@pytest.fixture
def at():
    """Pin the clock: `at(moment)` moves it; it starts at T0."""
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


def solicit_to_voting(
    world, *, kind="EX-SB-01", buildings=("甲8号院",), rules=None, scope=COMM1, office=None
):
    """A 民意征求型 project drafted, submitted, deliberated (minutes confirmed) and opened for voting."""
    from jingzhi.projects import actions

    office = office or world.p.office
    project = actions.do_create_project(
        actor=office,
        kind=kind,
        title="甲8号院门禁",
        description="安装单元门禁",
        scope_code=scope,
        scope_buildings=list(buildings),
        project_type="solicit",
    )
    actions.do_decide(actor=office, project_id=project.pk, action="submit")
    meeting = actions.do_record_meeting(
        actor=office,
        project_id=project.pk,
        title="门禁议事会",
        held_at=T0,
        place="社区活动室",
        invited_groups=["representative", "property"],
        quorum=2,
        attendees=[("张三", "representative"), ("物业李经理", "property"), ("王五", "representative")],
        items=[{"title": "方案一", "for": 3}],
        minutes="同意提交表决",
    )
    actions.do_confirm_minutes(actor=office, meeting_id=meeting.pk, names=["张三", "王五"])
    actions.do_open_vote(
        actor=office,
        project_id=project.pk,
        question="是否安装门禁",
        closes_at=T0 + timedelta(days=7),
        rules=rules,
    )
    project.refresh_from_db()
    return project
