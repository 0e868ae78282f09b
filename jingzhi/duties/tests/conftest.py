"""Small fixtures for the duties tests, made through the accounts, taxonomy and geo actions.

Places: district 110199 with two subdistricts (001 青槐街道, 002 丰泽街道), each one community holding one
grid the size of the community, and a street in 001. Categories: 部件 01 公用设施 › 0101 上水井盖, 0102 污水井盖;
事件 01 市容环境 › 0101 暴露垃圾. Departments: 市政市容委, 自来水公司, 城管执法局 and the district government
(兜底).
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from jingzhi.core.testing import feature as _feature
from jingzhi.core.testing import square as _square

D = "110199"
SUB1, SUB2 = f"{D}001", f"{D}002"
COMM1, COMM2 = f"{SUB1}001", f"{SUB2}001"
GRID1, GRID2 = f"{COMM1}001", f"{COMM2}001"
STREET1 = f"{SUB1}S001"


@pytest.fixture
def places(db):
    from jingzhi.geo import actions

    west, east = _square(116.350, 39.900, 116.351, 39.901), _square(116.351, 39.900, 116.352, 39.901)
    generation = actions.do_create_generation(actor=None, description="duties tests", copy_active=False)
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


@pytest.fixture
def departments(db):
    from jingzhi.accounts.actions import do_create_department

    def make(code, name, fallback=False):
        return do_create_department(actor=None, code=code, name=name, district_code=D, is_fallback=fallback)

    return SimpleNamespace(
        szsr=make("SZSR", "市政市容委"),
        zls=make("ZLS", "自来水公司"),
        cgzf=make("CGZF", "城管执法局"),
        gov=make("QZF", "区政府", fallback=True),
    )


@pytest.fixture
def categories(db):
    from jingzhi.taxonomy.actions import do_create_category

    public = do_create_category(actor=None, kind="component", code="01", name="公用设施")
    cover = do_create_category(actor=None, kind="component", code="0101", name="上水井盖", parent=public)
    sewer = do_create_category(actor=None, kind="component", code="0102", name="污水井盖", parent=public)
    city = do_create_category(actor=None, kind="event", code="01", name="市容环境")
    rubbish = do_create_category(actor=None, kind="event", code="0101", name="暴露垃圾", parent=city)
    return SimpleNamespace(public=public, cover=cover, sewer=sewer, city=city, rubbish=rubbish)


@pytest.fixture
def world(places, departments, categories):
    from jingzhi.duties import loader

    loader.clear_cache()
    return SimpleNamespace(places=places, d=departments, c=categories)
