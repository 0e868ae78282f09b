"""Writing the responsibility list, and routing through the tables (loader + engine + gap recording)."""

from datetime import date, datetime

import pytest

from jingzhi.core import clock
from jingzhi.core.errors import Conflict, InvalidInput
from jingzhi.core.models import AuditEvent
from jingzhi.duties import actions, loader
from jingzhi.duties.exceptions import RoutingConflict
from jingzhi.duties.loader import route
from jingzhi.duties.models import DutyRule, RoutingGap
from jingzhi.duties.routing import Place

from .conftest import COMM1, GRID1, GRID2, STREET1, SUB1, SUB2, D

pytestmark = pytest.mark.django_db


def create(world, category, kind, code, *departments, **extra):
    return actions.do_create_duty_rule(
        actor=None,
        category=category,
        scope_kind=kind,
        scope_code=code,
        departments=list(departments),
        **extra,
    )


def test_creating_a_rule_writes_its_departments_and_an_audit_row(world):
    rule = create(
        world, world.c.public, "district", D, (world.d.szsr, True), (world.d.cgzf, False), basis="清单第3条"
    )
    assert [(a.department.code, a.is_lead) for a in rule.assignments.all()] == [
        ("SZSR", True),
        ("CGZF", False),
    ]
    event = AuditEvent.objects.filter(verb="duty_rule_created", target_id=str(rule.pk)).get()
    assert event.new_values["departments"] == [["SZSR", True], ["CGZF", False]]
    assert event.new_values["basis"] == "清单第3条"


def test_a_lone_department_leads_without_being_told(world):
    rule = create(world, world.c.public, "everywhere", "", world.d.szsr)
    assert rule.assignments.get().is_lead is True


@pytest.mark.parametrize(
    ("kind", "code"),
    [
        ("district", "11019"),
        ("subdistrict", "110199001001"),
        ("community", "1101990010"),
        ("grid", "11019900100100A"),
        ("street", "S001"),
        ("everywhere", "110199"),
        ("subdistrict", ""),
        ("province", "11"),
    ],
)
def test_a_scope_code_that_does_not_fit_its_kind_is_refused_in_chinese(world, kind, code):
    with pytest.raises(InvalidInput) as caught:
        create(world, world.c.public, kind, code, world.d.szsr)
    assert "scope_code" in caught.value.fields
    assert not DutyRule.objects.exists()


def test_several_departments_need_exactly_one_lead(world):
    with pytest.raises(InvalidInput, match="必须指定一个牵头部门"):
        create(world, world.c.public, "district", D, world.d.szsr, world.d.cgzf)
    with pytest.raises(InvalidInput, match="只能有一个牵头部门"):
        create(world, world.c.public, "district", D, (world.d.szsr, True), (world.d.cgzf, True))
    with pytest.raises(InvalidInput, match="至少要指定一个责任部门"):
        create(world, world.c.public, "district", D)
    assert not DutyRule.objects.exists()


def test_an_exact_duplicate_is_refused_but_a_rival_with_other_departments_is_allowed(world):
    first = create(world, world.c.cover, "subdistrict", SUB1, world.d.zls)
    with pytest.raises(Conflict, match=f"规则 #{first.pk} 完全重复"):
        create(world, world.c.cover, "subdistrict", SUB1, world.d.zls)
    create(world, world.c.cover, "subdistrict", SUB1, world.d.szsr)  # a conflict, shown by the report
    # Disjoint validity periods are not duplicates: a rule replaced from a date on.
    create(world, world.c.cover, "grid", GRID1, world.d.zls, valid_to=date(2025, 12, 31))
    create(world, world.c.cover, "grid", GRID1, world.d.zls, valid_from=date(2026, 1, 1))


def test_validity_dates_must_be_in_order(world):
    with pytest.raises(InvalidInput, match="早于生效日期"):
        create(
            world,
            world.c.cover,
            "grid",
            GRID1,
            world.d.zls,
            valid_from=date(2026, 1, 2),
            valid_to=date(2026, 1, 1),
        )


def test_updating_a_rule_records_old_and_new_and_nothing_changed_writes_nothing(world):
    rule = create(world, world.c.public, "district", D, world.d.szsr)
    actions.do_update_duty_rule(
        actor=None, rule=rule, departments=[world.d.szsr, world.d.cgzf], lead=world.d.cgzf, basis="新依据"
    )
    event = AuditEvent.objects.filter(verb="duty_rule_updated").get()
    assert event.old_values["departments"] == [["SZSR", True]]
    assert event.new_values["departments"] == [["SZSR", False], ["CGZF", True]]
    assert event.new_values["basis"] == "新依据"
    rule.refresh_from_db()
    assert rule.basis == "新依据"
    actions.do_update_duty_rule(actor=None, rule=rule, basis="新依据")
    assert AuditEvent.objects.filter(verb="duty_rule_updated").count() == 1


def test_an_update_cannot_break_the_lead_rule_or_the_scope_shape(world):
    rule = create(world, world.c.public, "district", D, world.d.szsr)
    with pytest.raises(InvalidInput):
        actions.do_update_duty_rule(actor=None, rule=rule, scope_kind="grid")
    with pytest.raises(InvalidInput):
        actions.do_update_duty_rule(actor=None, rule=rule, departments=[world.d.szsr, world.d.cgzf])
    rule.refresh_from_db()
    assert rule.scope_kind == "district" and rule.assignments.count() == 1


def test_a_deactivated_rule_stops_routing_and_is_audited(world):
    rule = create(world, world.c.public, "district", D, world.d.szsr)
    assert route(world.c.cover, Place(grid=GRID1)).rule.id == rule.pk
    actions.do_deactivate_duty_rule(actor=None, rule=rule, note="职责调整")
    assert route(world.c.cover, Place(grid=GRID1)).fallback is True
    event = AuditEvent.objects.filter(verb="duty_rule_updated").get()
    assert event.old_values["is_active"] is True and event.new_values["is_active"] is False
    assert event.note == "职责调整"


def test_routing_from_the_tables_names_places_and_rules_in_the_reason(world):
    general = create(world, world.c.public, "district", D, world.d.szsr)
    local = create(world, world.c.public, "subdistrict", SUB1, world.d.cgzf)
    decision = route(world.c.cover, {"grid": {"code": GRID1, "name": "青槐东里第1网格"}})
    assert decision.departments[0].id == world.d.cgzf.pk
    assert decision.reason == (
        f"城管执法局 — 规则 #{local.pk}（公用设施，青槐街道）优先于"
        f"规则 #{general.pk}（公用设施，示范区）：范围更具体"
    )
    # The other subdistrict only has the district rule.
    assert route(world.c.cover, Place(grid=GRID2)).rule.id == general.pk


def test_a_street_rule_beats_a_community_rule_for_a_case_on_that_street(world):
    create(world, world.c.public, "community", COMM1, world.d.szsr)
    street = create(world, world.c.public, "street", STREET1, world.d.cgzf)
    decision = route(world.c.sewer, Place(grid=GRID1, street=STREET1))
    assert decision.rule.id == street.pk
    assert "槐柏树胡同" in decision.reason
    assert route(world.c.sewer, Place(grid=GRID1)).rule.scope_kind == "community"


def test_two_equal_rules_with_different_departments_make_routing_raise_a_conflict(world):
    a = create(world, world.c.cover, "subdistrict", SUB1, world.d.zls)
    b = create(world, world.c.cover, "subdistrict", SUB1, world.d.szsr)
    with pytest.raises(RoutingConflict) as caught:
        route(world.c.cover, Place(grid=GRID1))
    assert caught.value.fields == {"rules": [a.pk, b.pk]}
    assert "自来水公司" in caught.value.message and "市政市容委" in caught.value.message


def test_with_no_rule_the_fallback_department_takes_it_and_the_gap_is_counted(world):
    create(world, world.c.cover, "subdistrict", SUB2, world.d.zls)
    with clock.frozen(datetime(2025, 6, 2, 9, 0)):
        decision = actions.route_and_record(world.c.cover, Place(grid=GRID1))
    assert decision.fallback is True and decision.lead.id == world.d.gov.pk
    assert "区政府兜底" in decision.reason
    with clock.frozen(datetime(2025, 6, 3, 9, 0)):
        actions.route_and_record(world.c.cover, Place(grid=GRID1))
    gap = RoutingGap.objects.get()
    assert (gap.category, gap.place_code, gap.count) == (world.c.cover, GRID1, 2)
    assert gap.first_seen.date() == date(2025, 6, 2) and gap.last_seen.date() == date(2025, 6, 3)
    assert AuditEvent.objects.filter(verb="routing_gap_found").count() == 1
    # A routed case records no gap.
    actions.route_and_record(world.c.cover, Place(grid=GRID2))
    assert RoutingGap.objects.count() == 1


def test_route_itself_writes_nothing(world):
    route(world.c.cover, Place(grid=GRID1))
    assert not RoutingGap.objects.exists()


def test_validity_dates_decide_which_rule_routes_on_a_given_day(world):
    old = create(world, world.c.cover, "district", D, world.d.szsr, valid_to=date(2025, 12, 31))
    new = create(world, world.c.cover, "district", D, world.d.zls, valid_from=date(2026, 1, 1))
    assert route(world.c.cover, Place(grid=GRID1), on=date(2025, 12, 31)).rule.id == old.pk
    assert route(world.c.cover, Place(grid=GRID1), on=date(2026, 1, 1)).rule.id == new.pk
    with clock.frozen(datetime(2026, 3, 1, 10, 0)):
        assert route(world.c.cover, Place(grid=GRID1)).rule.id == new.pk


def test_the_rule_cache_sees_a_change_made_by_another_process(world):
    rule = create(world, world.c.public, "district", D, world.d.szsr)
    assert route(world.c.cover, Place(grid=GRID1)).rule.id == rule.pk
    # Another process switched it off: no cache clear here, only the stamp tells.
    DutyRule.objects.filter(pk=rule.pk).update(is_active=False, updated_at=clock.now())
    assert route(world.c.cover, Place(grid=GRID1)).fallback is True


def test_routing_a_case_costs_few_queries_once_the_rules_are_cached(world, django_assert_max_num_queries):
    create(world, world.c.public, "district", D, world.d.szsr)
    category = type(world.c.cover).objects.select_related("parent").get(pk=world.c.cover.pk)
    loader.ruleset()
    with django_assert_max_num_queries(
        1
    ):  # the cache stamp; the fallback department is asked only when needed
        route(category, Place(grid=GRID1))
