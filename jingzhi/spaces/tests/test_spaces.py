"""The registry, its state changes and re-checks through the actions: each rule and each bad input."""

import io
from datetime import date

import pytest
from openpyxl import Workbook

from jingzhi.core.errors import InvalidInput, NotFound, PermissionDenied
from jingzhi.core.models import AuditEvent
from jingzhi.spaces import actions, queries
from jingzhi.spaces.exceptions import (
    LedgerImportError,
    OutsideEveryGrid,
    SafetyRecordRequired,
    TransitionRefused,
)
from jingzhi.spaces.models import Recheck, Space, SpaceEvent, Use
from jingzhi.spaces.testing import COMM1, IN_COMM1, IN_COMM2, OUTSIDE, register

pytestmark = pytest.mark.django_db


def use(code):
    return Use.objects.get(code=code)


def test_registering_locates_the_space_and_plans_its_first_recheck(world, at):
    space = register(world.p.sub_admin)
    assert space.state == "vacated" and space.community_code == COMM1
    assert space.subdistrict_name == "青槐街道" and space.grid_code == f"{COMM1}001"
    # Registered Wednesday 2025-06-11; 10 working days later is Wednesday 2025-06-25.
    assert space.next_recheck_on == date(2025, 6, 25)
    assert space.number.startswith("KJ2025")
    assert [e.kind for e in space.events.all()] == ["registered"]
    assert AuditEvent.objects.filter(verb="spaces.space_registered", target_id=str(space.pk)).exists()


def test_a_polygon_is_kept_with_a_point_inside_it(world, at):
    poly = {
        "type": "Polygon",
        "coordinates": [[[116.301, 39.901], [116.302, 39.901], [116.302, 39.902], [116.301, 39.901]]],
    }
    space = register(world.p.sub_admin, geometry=poly, lon=None, lat=None)
    assert space.geometry["type"] == "Polygon" and 116.301 < space.lon < 116.302


@pytest.mark.parametrize("area", ["0", "-5", "abc"])
def test_zero_negative_or_bad_area_is_refused(world, at, area):
    with pytest.raises(InvalidInput) as err:
        register(world.p.sub_admin, area_m2=area)
    assert "面积" in err.value.message and "area_m2" in err.value.fields
    assert not Space.objects.exists()


def test_a_location_outside_every_grid_is_refused(world, at):
    with pytest.raises(OutsideEveryGrid) as err:
        register(world.p.sub_admin, where=OUTSIDE)
    assert "网格" in err.value.message


def test_an_unknown_origin_names_the_choices(world, at):
    with pytest.raises(InvalidInput) as err:
        register(world.p.sub_admin, origin="火星")
    assert "拆违" in err.value.message


def test_only_an_admin_of_the_place_may_register(world, at):
    with pytest.raises(PermissionDenied):
        register(world.p.sub_admin2)  # 002's admin, a place in 001
    with pytest.raises(PermissionDenied):
        register(world.p.inspector)
    assert register(world.p.district_admin, where=IN_COMM2).subdistrict_code.endswith("002")


def test_the_main_path_with_reasons_and_history(world, at):
    p = world.p
    space = register(p.sub_admin)
    actions.do_change_space_state(
        actor=p.sub_admin, space_id=space.pk, to_state="awaiting", reason="清理完毕"
    )
    actions.do_change_space_state(
        actor=p.sub_admin,
        space_id=space.pk,
        to_state="planning",
        reason="居民议事",
        planned_use="convenience",
    )
    actions.do_change_space_state(actor=p.sub_admin, space_id=space.pk, to_state="building", reason="开工")
    space = actions.do_change_space_state(
        actor=p.sub_admin, space_id=space.pk, to_state="in_use", reason="开业", actual_use="便民服务"
    )
    assert space.state == "in_use" and space.actual_use.code == "convenience"
    steps = list(
        space.events.filter(kind="transition").values_list("from_state", "to_state", "reason", "actor_label")
    )
    assert steps[0] == ("vacated", "awaiting", "清理完毕", "wu")
    assert len(steps) == 4
    assert AuditEvent.objects.filter(verb="spaces.space_transitioned").count() == 4


def test_a_forbidden_transition_says_which_are_allowed(world, at):
    space = register(world.p.sub_admin)
    with pytest.raises(TransitionRefused) as err:
        actions.do_change_space_state(
            actor=world.p.sub_admin, space_id=space.pk, to_state="in_use", reason="x"
        )
    assert "待利用" in err.value.message and err.value.details["allowed"] == ["awaiting"]
    assert Space.objects.get().state == "vacated"


def test_a_reason_is_required(world, at):
    space = register(world.p.sub_admin)
    with pytest.raises(InvalidInput) as err:
        actions.do_change_space_state(
            actor=world.p.sub_admin, space_id=space.pk, to_state="awaiting", reason=" "
        )
    assert "reason" in err.value.fields


def test_underground_in_use_needs_the_safety_record(world, at):
    p = world.p
    space = register(p.sub_admin, underground=True, origin="basement")
    for state, extra in (("awaiting", {}), ("planning", {"planned_use": "parking"}), ("building", {})):
        actions.do_change_space_state(
            actor=p.sub_admin, space_id=space.pk, to_state=state, reason="推进", **extra
        )
    with pytest.raises(SafetyRecordRequired) as err:
        actions.do_change_space_state(
            actor=p.sub_admin, space_id=space.pk, to_state="in_use", reason="启用", actual_use="parking"
        )
    assert "安全条件" in err.value.message and err.value.code == "safety_required"
    actions.do_record_safety(
        actor=p.sub_admin, space_id=space.pk, record="消防验收合格，机械通风，两处疏散口"
    )
    space = actions.do_change_space_state(
        actor=p.sub_admin, space_id=space.pk, to_state="in_use", reason="启用", actual_use="parking"
    )
    assert space.state == "in_use"


def test_a_clear_recheck_plans_the_next_one(world, at):
    space = register(world.p.sub_admin)
    recheck = actions.do_record_recheck(
        actor=world.p.inspector, space_id=space.pk, checked_on="2025-06-11", outcome="clear"
    )
    space.refresh_from_db()
    assert recheck.case is None and space.state == "vacated"
    assert space.last_recheck_on == date(2025, 6, 11) and space.next_recheck_on == date(2025, 6, 25)


def test_a_rebound_recheck_opens_a_case_routed_by_the_responsibility_list(world, at):
    from jingzhi.duties.loader import route
    from jingzhi.geo.locate import locate

    p = world.p
    space = register(p.sub_admin)
    actions.do_change_space_state(
        actor=p.sub_admin, space_id=space.pk, to_state="awaiting", reason="清理完毕"
    )
    recheck = actions.do_record_recheck(
        actor=p.inspector,
        space_id=space.pk,
        checked_on="2025-06-11",
        outcome="reoccupied",
        note="又搭起了彩钢房",
    )
    space.refresh_from_db()
    assert space.state == "rebound"
    case = recheck.case
    assert case is not None and case.source == "inspector"
    assert case.category.shiwu_item == "illegal_construction" and "彩钢房" in case.description
    assert route(case.category, locate(space.lon, space.lat)).department_ids == [p.cg.pk]
    event = space.events.get(kind="recheck")
    assert (event.from_state, event.to_state) == ("awaiting", "rebound")
    # Cleared again: back to 腾退.
    actions.do_change_space_state(actor=p.sub_admin, space_id=space.pk, to_state="vacated", reason="再次拆除")


def test_a_recheck_dated_before_vacating_is_refused(world, at):
    space = register(world.p.sub_admin, vacated_on="2025-05-06")
    with pytest.raises(InvalidInput) as err:
        actions.do_record_recheck(
            actor=world.p.inspector, space_id=space.pk, checked_on="2025-05-01", outcome="clear"
        )
    assert "早于" in err.value.message and "2025-05-06" in err.value.message
    assert not Recheck.objects.exists()


def test_a_rebound_needs_a_note_and_a_future_date_is_refused(world, at):
    space = register(world.p.sub_admin)
    with pytest.raises(InvalidInput):
        actions.do_record_recheck(
            actor=world.p.inspector, space_id=space.pk, checked_on="2025-06-11", outcome="reoccupied"
        )
    with pytest.raises(InvalidInput):
        actions.do_record_recheck(
            actor=world.p.inspector, space_id=space.pk, checked_on="2025-07-01", outcome="clear"
        )


def test_missing_and_forbidden_spaces_look_the_same(world, at):
    p = world.p
    space = register(p.sub_admin)
    for user, key in (
        (p.inspector2, space.pk),
        (p.resident, space.pk),
        (p.nobody, space.pk),
        (p.inspector, 99999),
    ):
        with pytest.raises(NotFound) as err:
            actions.do_record_recheck(actor=user, space_id=key, checked_on="2025-06-11", outcome="clear")
        assert err.value.status == 404
    with pytest.raises(PermissionDenied):
        actions.do_change_space_state(actor=p.inspector, space_id=space.pk, to_state="awaiting", reason="x")


def test_overdue_rechecks_are_listed_for_the_responsible_community(world, at):
    from jingzhi.spaces.testing import day

    p = world.p
    space = register(p.sub_admin)
    other = register(p.sub_admin2, where=IN_COMM2)
    at(day(2025, 7, 1))
    assert list(queries.overdue_rechecks(p.inspector)) == [space]
    assert list(queries.overdue_rechecks(p.inspector2)) == [other]
    assert set(queries.overdue_rechecks(p.district_admin)) == {space, other}
    assert list(queries.overdue_rechecks(p.resident)) == []


def ledger(rows, header=None):
    wb = Workbook()
    ws = wb.active
    ws.append(
        header
        or [
            "编号",
            "名称",
            "地址",
            "经度",
            "纬度",
            "面积（平方米）",
            "地上/地下",
            "来源",
            "腾退日期",
            "规划用途",
        ]
    )
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_a_ledger_imports_every_row(world, at):
    data = ledger(
        [
            ["L-1", "甲", "甲地址", IN_COMM1[0], IN_COMM1[1], 50, "地上", "拆违", date(2025, 5, 1), ""],
            [
                "L-2",
                "乙",
                "乙地址",
                IN_COMM1[0],
                IN_COMM1[1],
                "80.5",
                "地下",
                "地下空间清理",
                "2025-04-01",
                "停车",
            ],
        ]
    )
    created = actions.do_import_ledger(actor=world.p.sub_admin, file=data)
    assert [s.number for s in created] == ["L-1", "L-2"]
    assert created[1].underground and created[1].planned_use.code == "parking"
    assert AuditEvent.objects.filter(verb="spaces.ledger_imported").count() == 1


def test_a_ledger_with_bad_rows_imports_nothing_and_names_each_row(world, at):
    data = ledger(
        [
            ["L-1", "甲", "甲地址", IN_COMM1[0], IN_COMM1[1], 50, "地上", "拆违", "2025-05-01", ""],
            ["L-2", "乙", "乙地址", IN_COMM1[0], IN_COMM1[1], 0, "地上", "拆违", "2025-05-01", ""],
            ["L-3", "丙", "丙地址", OUTSIDE[0], OUTSIDE[1], 10, "地上", "拆违", "2025-05-01", ""],
            ["L-1", "丁", "丁地址", IN_COMM1[0], IN_COMM1[1], 10, "半地下", "拆违", "2025-05-01", ""],
            ["L-5", "戊", "戊地址", IN_COMM1[0], IN_COMM1[1], 10, "地上", "拆违", "昨天", "火箭发射"],
            ["L-6", "己", "己地址", IN_COMM2[0], IN_COMM2[1], 10, "地上", "拆违", "2025-05-01", ""],
        ]
    )
    with pytest.raises(LedgerImportError) as err:
        actions.do_import_ledger(actor=world.p.sub_admin, file=data)
    problems = err.value.problems
    assert problems[0].startswith("第 3 行") and "面积" in problems[0]
    assert problems[1].startswith("第 4 行") and "网格" in problems[1]
    assert problems[2].startswith("第 5 行") and "地上/地下" in problems[2]
    assert problems[3].startswith("第 6 行") and "腾退日期" in problems[3]
    assert problems[4].startswith("第 7 行") and "无权" in problems[4]
    assert "未导入任何数据" in err.value.message
    assert not Space.objects.exists()


def test_a_repeated_number_in_a_ledger_names_both_rows(world, at):
    data = ledger(
        [
            ["L-1", "甲", "甲地址", IN_COMM1[0], IN_COMM1[1], 50, "地上", "拆违", "2025-05-01", ""],
            ["L-1", "乙", "乙地址", IN_COMM1[0], IN_COMM1[1], 50, "地上", "拆违", "2025-05-01", ""],
        ]
    )
    with pytest.raises(LedgerImportError) as err:
        actions.do_import_ledger(actor=world.p.sub_admin, file=data)
    assert err.value.problems == ["第 3 行：编号 L-1 与第 2 行重复"]


def test_the_exported_ledger_carries_no_people_and_reads_back(world, at):
    from openpyxl import load_workbook

    space = register(world.p.sub_admin, owner="区国资公司")
    actions.do_add_merchant(
        actor=world.p.sub_admin,
        space_id=space.pk,
        name="老王水果",
        destination="固安",
        contact="王师傅 13900000000",
    )
    data = queries.ledger_xlsx(queries.spaces_for(world.p.sub_admin))
    rows = list(load_workbook(io.BytesIO(data)).active.values)
    assert rows[1][0] == space.number and rows[1][8] == "区国资公司"
    assert "13900000000" not in str(rows)
    with pytest.raises(LedgerImportError) as err:  # the same numbers are already registered
        actions.do_import_ledger(actor=world.p.sub_admin, file=data)
    assert "已登记" in err.value.problems[0]


def test_history_lists_every_change_in_order(world, at):
    p = world.p
    space = register(p.sub_admin)
    actions.do_edit_space(actor=p.sub_admin, space_id=space.pk, manager="青槐街道", reason="移交街道")
    actions.do_change_space_state(
        actor=p.sub_admin, space_id=space.pk, to_state="awaiting", reason="清理完毕"
    )
    kinds = [e.kind for e in queries.history(space)]
    assert kinds == [SpaceEvent.Kind.REGISTERED, SpaceEvent.Kind.EDITED, SpaceEvent.Kind.TRANSITION]


def test_merchants_are_followed_until_support_is_delivered(world, at):
    from jingzhi.spaces.models import SupportItem

    p = world.p
    space = register(p.sub_admin, origin="market")
    merchant = actions.do_add_merchant(
        actor=p.sub_admin,
        space_id=space.pk,
        name="老王水果",
        destination="河北固安",
        support=[("租金减免三个月", "2025-06-01")],
    )
    actions.do_add_follow_up(
        actor=p.sub_admin, merchant_id=merchant.pk, on="2025-06-10", note="已开业，客流一般"
    )
    with pytest.raises(InvalidInput) as err:
        actions.do_close_merchant(actor=p.sub_admin, merchant_id=merchant.pk, on="2025-06-11")
    assert "租金减免三个月" in err.value.message
    actions.do_deliver_support(
        actor=p.sub_admin, support_id=SupportItem.objects.get().pk, delivered_on="2025-06-05"
    )
    assert actions.do_close_merchant(actor=p.sub_admin, merchant_id=merchant.pk, on="2025-06-11").closed_on
    assert list(queries.merchants_for(p.sub_admin, open_only=True)) == []
    assert list(queries.merchants_for(p.sub_admin2)) == []


def test_a_livelihood_needing_action_opens_a_case_without_the_name(world, at):
    p = world.p
    space = register(p.sub_admin, origin="market")
    row = actions.do_record_livelihood(
        actor=p.sub_admin,
        space_id=space.pk,
        person="张大姐",
        impact="stall",
        needs_action=True,
        request="需要推荐就业岗位",
    )
    assert row.case is not None and "张大姐" not in row.case.description and "就业" in row.case.description


def test_dashboard_counts_area_and_reuse(world, at):
    p = world.p
    a = register(p.sub_admin, area_m2="100")
    register(p.sub_admin2, where=IN_COMM2, area_m2="300")
    for state, extra in (
        ("awaiting", {}),
        ("planning", {"planned_use": "green"}),
        ("building", {}),
        ("in_use", {"actual_use": "green"}),
    ):
        actions.do_change_space_state(
            actor=p.sub_admin, space_id=a.pk, to_state=state, reason="推进", **extra
        )
    board = queries.dashboard(p.district_admin)
    assert board["total"] == 2 and board["reuse_rate"] == 0.25
    assert {t.key: t.count for t in board["by_subdistrict"]} == {a.subdistrict_code: 1, "110199002": 1}
    assert [t.label for t in board["by_use"]] == ["留白增绿"]
    assert queries.dashboard(p.sub_admin)["total"] == 1
    assert queries.dashboard(p.resident)["total"] == 0


def test_the_uses_list_is_edited_through_its_action_with_one_audit_row(world, at):
    from jingzhi.spaces.models import ServiceKind

    use = Use(code="market_stall", name="便民摊区")
    actions.do_save_use(
        actor=world.p.district_admin, use=use, service_kinds=ServiceKind.objects.filter(code="vegetables")
    )
    assert [k.code for k in Use.objects.get(code="market_stall").service_kinds.all()] == ["vegetables"]
    assert AuditEvent.objects.filter(verb="spaces.use_saved", target_id=str(use.pk)).count() == 1
    with pytest.raises(PermissionDenied):
        actions.do_save_use(actor=world.p.sub_admin, use=Use(code="x", name="y"))
    with pytest.raises(InvalidInput):
        actions.do_save_use(actor=world.p.district_admin, use=Use(code="market_stall", name="重复"))


def test_state_changes_and_rebounds_fire_their_hooks_after_commit(
    world, at, django_capture_on_commit_callbacks
):
    from jingzhi.core import hooks
    from jingzhi.spaces.hooks import SPACE_REBOUNDED, SPACE_STATE_CHANGED

    heard = []

    def changed(**payload):
        heard.append(("changed", payload["from_state"], payload["to_state"]))

    def rebounded(**payload):
        heard.append(("rebounded", payload["case_id"] is not None))

    hooks.register(SPACE_STATE_CHANGED)(changed)
    hooks.register(SPACE_REBOUNDED)(rebounded)
    try:
        space = register(world.p.sub_admin)
        with django_capture_on_commit_callbacks(execute=True):
            actions.do_change_space_state(
                actor=world.p.sub_admin, space_id=space.pk, to_state="awaiting", reason="清理完毕"
            )
        with django_capture_on_commit_callbacks(execute=True):
            actions.do_record_recheck(
                actor=world.p.inspector,
                space_id=space.pk,
                checked_on="2025-06-11",
                outcome="reoccupied",
                note="复建",
            )
    finally:
        hooks.unregister(SPACE_STATE_CHANGED, changed)
        hooks.unregister(SPACE_REBOUNDED, rebounded)
    assert heard == [
        ("changed", "vacated", "awaiting"),
        ("changed", "awaiting", "rebound"),
        ("rebounded", True),
    ]


def test_the_admin_sets_a_recheck_period_through_the_action_and_it_plans_rechecks(world, at, client):
    from jingzhi.accounts.actions import do_create_user
    from jingzhi.spaces.models import RecheckRule

    boss = do_create_user(
        actor=None, username="root", password="x-secret-1", display_name="root", is_staff=True
    )
    boss.is_superuser = True
    boss.save(update_fields=["is_superuser"])
    client.force_login(boss)
    r = client.post("/admin/spaces/recheckrule/add/", {"state": "vacated", "origin": "", "working_days": "3"})
    assert r.status_code == 302, r.content.decode()[:500]
    assert RecheckRule.objects.get().working_days == 3
    assert AuditEvent.objects.filter(verb="spaces.recheck_rule_set").count() == 1
    # Registered Wednesday 2025-06-11: 3 working days later is Monday 2025-06-16.
    assert register(world.p.sub_admin).next_recheck_on == date(2025, 6, 16)
