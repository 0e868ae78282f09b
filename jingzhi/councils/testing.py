"""Test builders for `councils` (tests only), importable by the doors and browser tests: the cases test world
(district 110199, street 槐柏树胡同 in subdistrict 001, 上水井盖 routed to 市政市容委) plus a street council of
five: chief 何, secretary-general 罗 and members 许, 吕, 施; and 万, an active user outside it."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from jingzhi.cases.testing import (  # noqa: F401  (re-exported for councils tests)
    COMM1,
    IN_SUB1,
    IN_SUB2,
    OUTSIDE,
    STREET1,
    SUB1,
    SUB2,
    T0,
    D,
    build_people,
    build_places,
    build_taxonomy,
)

ON_STREET = (116.3505, 39.9005)
FAR_FROM_STREET = (116.3505, 39.9009)  # inside the subdistrict, ~45 m north of the street
MEMBER_NAMES = [
    ("he", "chief", "何淑珍"),
    ("luo", "secretary", "罗秘书"),
    ("xu", "member", "许楼长"),
    ("lv", "member", "吕大妈"),
    ("shi", "member", "施店主"),
]


def make_world():
    from jingzhi.accounts.actions import do_create_user
    from jingzhi.core import clock
    from jingzhi.councils.actions import do_create_council
    from jingzhi.duties import loader
    from jingzhi.duties.actions import do_create_duty_rule

    with clock.frozen(T0):
        build_places()
        tax = build_taxonomy()
        people = build_people()
        do_create_duty_rule(
            actor=None, category=tax.cover, scope_kind="everywhere", departments=[people.szsr]
        )
        loader.clear_cache()
        users = {}
        for username, _role, name in [*MEMBER_NAMES, ("wan", "", "万师傅")]:
            users[username] = do_create_user(
                actor=None, username=username, password="x-secret-1", display_name=name, phone="13900000000"
            )
        council = do_create_council(
            actor=None,
            name="槐柏树胡同自治共建理事会",
            area_kind="street",
            area_code=STREET1,
            members=[{"user": users[u], "role": r, "kind": "resident"} for u, r, _n in MEMBER_NAMES],
        )
    members = {m.user.username: m for m in council.members.select_related("user")}
    return SimpleNamespace(
        p=people, t=tax, u=SimpleNamespace(**users), council=council, m=SimpleNamespace(**members)
    )


@pytest.fixture
def cworld(db):
    return make_world()
