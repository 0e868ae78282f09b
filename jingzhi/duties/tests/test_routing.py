"""The pure rule engine, with hand-made records: no database."""

from datetime import date

import pytest

from jingzhi.duties.exceptions import RoutingConflict
from jingzhi.duties.routing import CategoryRef, DepartmentRef, Place, RuleRecord, RuleSet, decide

SZSR = DepartmentRef(1, "SZSR", "市政市容委")
ZLS = DepartmentRef(2, "ZLS", "自来水公司")
CGZF = DepartmentRef(3, "CGZF", "城管执法局")
JT = DepartmentRef(4, "JT", "交通委")
GOV = DepartmentRef(9, "QZF", "区政府")

PUBLIC = 10  # 公用设施 (大类)
COVER = 11  # 上水井盖 (小类 of 公用设施)
MAJOR = CategoryRef(PUBLIC, "公用设施", (PUBLIC,))
MINOR = CategoryRef(COVER, "上水井盖", (COVER, PUBLIC))

DISTRICT = "110199"
SUB = "110199001"
COMMUNITY = "110199001001"
GRID = "110199001001005"
STREET = "110199001S003"
HERE = Place(grid=GRID, street=STREET, label="青槐东里社区第5网格")
TODAY = date(2025, 6, 2)


def rule(rule_id, category, kind, code="", *departments, lead=None, exact=False, label="", **extra):
    departments = departments or (SZSR,)
    return RuleRecord(
        id=rule_id,
        category_id=category,
        category_name={PUBLIC: "公用设施", COVER: "上水井盖"}[category],
        scope_kind=kind,
        scope_code=code,
        departments=tuple(departments),
        lead_id=(lead or departments[0]).id,
        exact_only=exact,
        scope_label=label,
        **extra,
    )


def route(rules, category=MINOR, place=HERE, on=TODAY):
    return decide(category, place, RuleSet(rules), on=on, fallback=GOV)


def test_a_finer_place_beats_every_coarser_one_step_by_step():
    ladder = [
        rule(1, PUBLIC, "everywhere", "", JT),
        rule(2, PUBLIC, "district", DISTRICT, CGZF),
        rule(3, PUBLIC, "subdistrict", SUB, ZLS),
        rule(4, PUBLIC, "community", COMMUNITY, SZSR),
        rule(5, PUBLIC, "street", STREET, JT),
        rule(6, PUBLIC, "grid", GRID, CGZF),
    ]
    for top in range(len(ladder), 0, -1):
        decision = route(ladder[:top])
        assert decision.rule.id == top
        assert [b.rule.id for b in decision.beaten_rules] == list(range(top - 1, 0, -1))
        assert all(b.why == "范围更具体" for b in decision.beaten_rules)


def test_a_rule_for_the_exact_category_beats_one_for_its_ancestor_at_the_same_place():
    decision = route([rule(3, PUBLIC, "district", DISTRICT, SZSR), rule(7, COVER, "district", DISTRICT, ZLS)])
    assert decision.departments == (ZLS,)
    assert decision.beaten_rules[0].rule.id == 3
    assert decision.beaten_rules[0].why == "分类更具体"


def test_place_specificity_is_compared_before_category_depth():
    # 公用设施 in this subdistrict vs 上水井盖 everywhere in the district: the local rule wins.
    decision = route([rule(3, PUBLIC, "subdistrict", SUB, CGZF), rule(7, COVER, "district", DISTRICT, ZLS)])
    assert decision.rule.id == 3
    assert decision.beaten_rules[0].why == "范围更具体"


def test_the_reason_names_the_winning_and_the_beaten_rules_and_why():
    decision = route(
        [
            rule(3, PUBLIC, "district", DISTRICT, SZSR, label="示范区"),
            rule(17, PUBLIC, "subdistrict", SUB, SZSR, label="西长安街街道"),
        ],
        category=MAJOR,
    )
    assert (
        decision.reason
        == "市政市容委 — 规则 #17（公用设施，西长安街街道）优先于规则 #3（公用设施，示范区）：范围更具体"
    )


def test_a_lone_rule_says_there_was_nothing_else():
    decision = route([rule(4, COVER, "everywhere", "", ZLS)])
    assert decision.reason == "自来水公司 — 按规则 #4（上水井盖，全部地区），无其他适用规则"
    assert decision.fallback is False


def test_several_departments_come_lead_first_and_the_reason_marks_the_lead():
    decision = route([rule(5, COVER, "district", DISTRICT, CGZF, SZSR, lead=CGZF)])
    assert decision.lead == CGZF
    assert decision.departments == (CGZF, SZSR)
    assert decision.reason.startswith("城管执法局（牵头）、市政市容委 — ")


def test_equally_specific_rules_naming_different_departments_are_a_conflict_listing_both():
    with pytest.raises(RoutingConflict) as caught:
        route([rule(8, COVER, "subdistrict", SUB, ZLS), rule(9, COVER, "subdistrict", SUB, SZSR, exact=True)])
    assert {r.id for r in caught.value.rules} == {8, 9}
    assert "规则 #8" in caught.value.message and "规则 #9" in caught.value.message
    assert "冲突" in caught.value.message
    assert caught.value.fields == {"rules": [8, 9]}


def test_equally_specific_rules_with_the_same_departments_agree_and_the_lowest_id_wins():
    decision = route([rule(9, COVER, "grid", GRID, ZLS), rule(8, COVER, "grid", GRID, ZLS)])
    assert decision.rule.id == 8


def test_a_different_lead_among_the_same_departments_is_still_a_conflict():
    with pytest.raises(RoutingConflict):
        route(
            [
                rule(8, COVER, "grid", GRID, ZLS, SZSR, lead=ZLS),
                rule(9, COVER, "grid", GRID, ZLS, SZSR, lead=SZSR),
            ]
        )


def test_a_conflict_below_a_more_specific_winner_does_not_matter():
    decision = route(
        [
            rule(8, COVER, "district", DISTRICT, ZLS),
            rule(9, COVER, "district", DISTRICT, SZSR),
            rule(10, PUBLIC, "grid", GRID, CGZF),
        ]
    )
    assert decision.rule.id == 10


def test_with_no_rule_the_district_government_takes_it_and_says_so():
    decision = route([rule(1, COVER, "subdistrict", "110199002", ZLS)])
    assert decision.fallback is True
    assert decision.departments == (GOV,) and decision.lead == GOV
    assert decision.rule is None
    assert "无适用规则" in decision.reason and "区政府兜底" in decision.reason


def test_with_no_rule_and_no_fallback_department_the_decision_is_empty_and_asks_for_a_person():
    decision = decide(MINOR, HERE, RuleSet([]), on=TODAY, fallback=None)
    assert decision.fallback is True and decision.departments == () and "人工派遣" in decision.reason


def test_an_exact_only_rule_does_not_reach_the_subtree():
    decision = route([rule(1, PUBLIC, "everywhere", "", SZSR, exact=True)])
    assert decision.fallback is True
    assert route([rule(1, PUBLIC, "everywhere", "", SZSR, exact=True)], category=MAJOR).rule.id == 1


def test_a_rule_outside_its_validity_dates_or_switched_off_does_not_apply():
    rules = [
        rule(1, COVER, "district", DISTRICT, ZLS, valid_from=date(2025, 7, 1)),
        rule(2, COVER, "district", DISTRICT, SZSR, valid_to=date(2025, 6, 1)),
        rule(3, COVER, "grid", GRID, CGZF, is_active=False),
    ]
    assert route(rules).fallback is True
    assert route(rules, on=date(2025, 7, 1)).rule.id == 1
    assert route(rules, on=date(2025, 6, 1)).rule.id == 2


def test_validity_bounds_are_inclusive_on_both_ends():
    one_day = [rule(1, COVER, "district", DISTRICT, ZLS, valid_from=TODAY, valid_to=TODAY)]
    assert route(one_day).rule.id == 1


def test_a_place_given_only_by_its_grid_code_implies_its_community_subdistrict_and_district():
    place = Place(grid=GRID)
    assert place.code_at("community") == COMMUNITY
    assert place.code_at("subdistrict") == SUB
    assert place.code_at("district") == DISTRICT
    assert place.code_at("street") is None
    assert Place(street=STREET).code_at("subdistrict") == SUB


def test_a_place_is_read_from_what_geo_locate_returns():
    class Location:  # the shape of geo.locate.Location
        inside = True
        grid = {"id": 5, "code": GRID, "name": "青槐东里社区第5网格"}
        community = {"id": 2, "code": COMMUNITY, "name": "青槐东里社区"}
        subdistrict = {"id": 1, "code": SUB, "name": "青槐街道"}
        district = {"id": 1, "code": DISTRICT, "name": "示范区"}
        street = {"id": 3, "code": STREET, "name": "槐柏树胡同", "distance_m": 4.0}

    place = Place.of(Location())
    assert place == Place(
        grid=GRID,
        community=COMMUNITY,
        subdistrict=SUB,
        district=DISTRICT,
        street=STREET,
        label="青槐东里社区第5网格",
    )
    assert Place.of({"subdistrict": SUB}).code_at("district") == DISTRICT
    assert Place.of(COMMUNITY) == Place(community=COMMUNITY)


def test_a_rule_for_another_subdistrict_or_street_does_not_apply_here():
    rules = [
        rule(1, COVER, "subdistrict", "110199002", ZLS),
        rule(2, COVER, "street", "110199001S004", ZLS),
        rule(3, COVER, "community", "110199001002", ZLS),
    ]
    assert route(rules).fallback is True


def test_the_decision_summary_is_ready_to_store_as_json():
    decision = route([rule(3, PUBLIC, "district", DISTRICT, SZSR), rule(7, COVER, "district", DISTRICT, ZLS)])
    summary = decision.as_dict()
    assert summary["rule"] == 7 and summary["lead"] == ZLS.id and summary["fallback"] is False
    assert summary["beaten_rules"] == [{"rule": 3, "why": "分类更具体"}]
    assert summary["reason"] == decision.reason


def test_an_exact_only_parent_rule_does_not_hide_the_parents_other_rules():
    rules = [
        rule(1, PUBLIC, "district", DISTRICT, SZSR, exact=True),
        rule(2, PUBLIC, "district", DISTRICT, CGZF),
    ]
    decision = route(rules)
    assert decision.rule.id == 2 and decision.departments == (CGZF,)
    assert decision.beaten_rules == ()


def test_a_place_given_only_a_district_code_is_routed_by_the_district_rule():
    rules = [rule(1, COVER, "district", DISTRICT, ZLS), rule(2, COVER, "subdistrict", SUB, CGZF)]
    decision = route(rules, place=Place(district=DISTRICT))
    assert decision.rule.id == 1 and decision.departments == (ZLS,)
    assert route(rules, place=Place.from_code(DISTRICT)).rule.id == 1


def test_a_place_given_only_a_subdistrict_code_is_routed_by_the_subdistrict_rule():
    rules = [
        rule(1, COVER, "district", DISTRICT, ZLS),
        rule(2, COVER, "subdistrict", SUB, CGZF),
        rule(3, COVER, "community", COMMUNITY, JT),
    ]
    decision = route(rules, place=Place(subdistrict=SUB))
    assert decision.rule.id == 2 and decision.departments == (CGZF,)
    assert [b.rule.id for b in decision.beaten_rules] == [1]


def test_the_fallback_reason_names_the_department_the_category_and_the_place():
    decision = route([])
    assert decision.reason == "区政府 — 无适用规则（上水井盖，青槐东里社区第5网格），由区政府兜底"
    assert decision.as_dict() == {
        "departments": [{"id": 9, "code": "QZF", "name": "区政府"}],
        "lead": 9,
        "rule": None,
        "beaten_rules": [],
        "fallback": True,
        "reason": "区政府 — 无适用规则（上水井盖，青槐东里社区第5网格），由区政府兜底",
    }


def test_without_a_fallback_department_the_reason_asks_for_a_person():
    decision = decide(MINOR, Place(), RuleSet([]), on=TODAY, fallback=None)
    assert decision.reason == "无适用规则（上水井盖，未知地点），且未配置兜底单位，请人工派遣"
    assert (decision.lead, decision.rule, decision.fallback) == (None, None, True)
    assert decision.as_dict()["lead"] is None


def test_the_fallback_may_be_a_function_asked_only_when_no_rule_applies():
    asked = []

    def fallback():
        asked.append(True)
        return GOV

    assert decide(MINOR, HERE, RuleSet([]), on=TODAY, fallback=fallback).departments == (GOV,)
    assert (
        decide(MINOR, HERE, RuleSet([rule(1, COVER, "grid", GRID)]), on=TODAY, fallback=fallback).rule.id == 1
    )
    assert asked == [True]
    assert decide(MINOR, HERE, RuleSet([]), on=TODAY, fallback=lambda: None).departments == ()


def test_a_conflict_lists_each_rule_and_its_departments_and_asks_for_a_person():
    with pytest.raises(RoutingConflict) as caught:
        route([rule(8, COVER, "grid", GRID, ZLS), rule(9, COVER, "grid", GRID, CGZF, SZSR, lead=SZSR)])
    assert caught.value.message == (
        "职责规则冲突：分类“上水井盖”在青槐东里社区第5网格有 2 条同样具体的规则指向不同部门："
        "规则 #8（上水井盖，网格 110199001001005） → 自来水公司；"
        "规则 #9（上水井盖，网格 110199001001005） → 城管执法局、市政市容委（牵头）。"
        "请人工派遣，并在职责清单中修正。"
    )


def test_the_reason_says_why_each_beaten_rule_lost():
    decision = route(
        [
            rule(3, PUBLIC, "district", DISTRICT, SZSR),
            rule(7, COVER, "district", DISTRICT, ZLS),
            rule(2, COVER, "grid", GRID, ZLS, label="第5网格"),
            rule(5, COVER, "grid", GRID, ZLS, label="第5网格"),
        ]
    )
    assert decision.rule.id == 2
    assert [(b.rule.id, b.why) for b in decision.beaten_rules] == [
        (5, "与之相同，取编号较小者"),
        (7, "范围更具体"),
        (3, "范围更具体"),
    ]
    assert decision.reason == (
        "自来水公司 — 规则 #2（上水井盖，第5网格）优先于规则 #5（上水井盖，第5网格）：与之相同，取编号较小者；"
        "规则 #7（上水井盖，区 110199）：范围更具体；规则 #3（公用设施，区 110199）：范围更具体"
    )
    assert decision.as_dict()["beaten_rules"] == [
        {"rule": 5, "why": "与之相同，取编号较小者"},
        {"rule": 7, "why": "范围更具体"},
        {"rule": 3, "why": "范围更具体"},
    ]
    assert decision.as_dict()["departments"] == [{"id": 2, "code": "ZLS", "name": "自来水公司"}]


def test_a_place_is_shown_by_its_label_else_its_finest_code_else_as_unknown():
    assert str(Place(grid=GRID, label="第5网格")) == "第5网格"
    assert str(Place(grid=GRID, district=DISTRICT)) == GRID
    assert str(Place(subdistrict=SUB)) == SUB
    assert str(Place()) == "未知地点"
    assert Place().code_at("everywhere") == ""
    assert Place(grid=GRID).code_at("everywhere") == ""


def test_a_place_code_of_each_length_is_read_at_its_level():
    assert Place.from_code(DISTRICT) == Place(district=DISTRICT)
    assert Place.from_code(SUB) == Place(subdistrict=SUB)
    assert Place.from_code(COMMUNITY) == Place(community=COMMUNITY)
    assert Place.from_code(GRID) == Place(grid=GRID)
    assert Place.from_code(STREET) == Place(street=STREET)
    assert Place.from_code("  ") == Place() and Place.of("") == Place() and Place.of(None) == Place()
    with pytest.raises(ValueError, match="not a place code: '1101990'"):
        Place.from_code("1101990")


def test_a_code_is_not_derived_from_a_code_of_its_own_length():
    # A 6-digit "grid" is not a district's descendant: only a longer code implies a coarser one.
    assert Place(grid=DISTRICT).code_at("district") is None
    assert Place(grid=GRID).code_at("district") == DISTRICT


def test_a_place_is_read_from_objects_holding_codes_and_names_and_from_plain_codes():
    from types import SimpleNamespace

    case_place = SimpleNamespace(
        grid=SimpleNamespace(code=GRID, name="第5网格"),
        community=SimpleNamespace(code=COMMUNITY, name="青槐东里社区"),
        subdistrict=SUB,
        district=None,
    )
    assert Place.of(case_place) == Place(grid=GRID, community=COMMUNITY, subdistrict=SUB, label="第5网格")
    assert Place.of(SimpleNamespace(subdistrict=SUB, label="东门")) == Place(subdistrict=SUB, label="东门")
    assert Place.of({"grid": {"code": GRID}}) == Place(grid=GRID)
    assert Place.of({"grid": GRID, "label": "东门"}) == Place(grid=GRID, label="东门")
    assert Place.of({"grid": "", "street": None}) == Place()
    assert Place.of({"grid": f" {GRID} "}) == Place(grid=GRID)


def test_without_a_day_every_active_rule_applies_whatever_its_dates():
    dated = rule(1, COVER, "district", DISTRICT, ZLS, valid_from=date(2030, 1, 1))
    assert decide(MINOR, HERE, RuleSet([dated]), on=None, fallback=GOV).rule.id == 1
    switched_off = rule(2, COVER, "district", DISTRICT, ZLS, is_active=False)
    assert decide(MINOR, HERE, RuleSet([switched_off]), on=None, fallback=GOV).fallback is True


def test_an_object_without_a_name_gives_a_place_without_a_label():
    from types import SimpleNamespace

    assert Place.of(SimpleNamespace(grid=SimpleNamespace(code=GRID))) == Place(grid=GRID, label="")
