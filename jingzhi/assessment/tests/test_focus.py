"""治理类街乡: the focus list of a quarter from the subdistricts' Score rows (rule as data, idempotent), the
improvement plans kept by each subdistrict and read by the district — actions, web pages, API, command."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from jingzhi.assessment import actions, queries, topic_rules
from jingzhi.assessment.models import FocusEntry, PlanItem, Score
from jingzhi.core.audit import AuditEvent
from jingzhi.core.errors import InvalidInput, NotFound, PermissionDenied

from .conftest import MONTH, SUB1, SUB2

Q = "2025Q2"


@pytest.fixture
def scored(history):
    actions.do_fill_month(MONTH, actor=None)
    return history


def _low_high():
    rows = {s.unit_code: s.score for s in Score.objects.filter(month=MONTH, unit_kind="subdistrict")}
    low = min(rows, key=lambda c: (rows[c] if rows[c] is not None else Decimal(999), c))
    return low, ({SUB1, SUB2} - {low}).pop()


def test_pure_focus_rules():
    assert topic_rules.quarter_months("2026Q3") == ["2026-07", "2026-08", "2026-09"]
    assert topic_rules.quarter_of("2026-11") == "2026Q4"
    assert topic_rules.shift_quarter("2026Q1", -1) == "2025Q4"
    for bad in ("2026Q5", "2026Q0", "2026-07", "", "26Q1"):
        with pytest.raises(InvalidInput) as err:
            topic_rules.parse_quarter(bad)
        assert err.value.fields == {"quarter": "invalid"}
    means = topic_rules.mean_scores(
        [("a", Decimal(80)), ("a", Decimal(70)), ("b", Decimal(60)), ("c", Decimal(60)), ("d", None)]
    )
    assert means == {"a": (Decimal("75.00"), 2), "b": (Decimal("60.00"), 1), "c": (Decimal("60.00"), 1)}
    bottom = topic_rules.focus_list(means, topic_rules.FocusRule("2000Q1", bottom=1, below=None))
    assert [(p.code, p.rank, p.reasons) for p in bottom] == [
        ("b", 2, ("bottom",)),
        ("c", 2, ("bottom",)),
    ]  # a tie
    below = topic_rules.focus_list(means, topic_rules.FocusRule("2000Q1", bottom=0, below=Decimal(76)))
    assert [p.code for p in below] == ["b", "c", "a"]
    assert topic_rules.is_overdue(date(2026, 1, 1), "doing", date(2026, 1, 2))
    assert not topic_rules.is_overdue(date(2026, 1, 1), "done", date(2026, 1, 2))
    with pytest.raises(InvalidInput):
        topic_rules.check_focus_rule(0, "")


def test_the_focus_list_follows_the_rule_and_is_idempotent(scored, world):
    low, high = _low_high()
    listed = actions.do_compute_focus(Q, actor=world.p.district_admin)
    assert {e.unit_code for e in listed} == {SUB1, SUB2}  # the default rule: bottom 3 of two
    actions.do_set_focus_rule(actor=world.p.district_admin, effective_from=Q, bottom=1, label="末 1 位")
    first = [(e.unit_code, e.mean_score, e.rank, e.reasons) for e in actions.do_compute_focus(Q, actor=None)]
    assert [c for c, *_ in first] == [low]
    second = [(e.unit_code, e.mean_score, e.rank, e.reasons) for e in actions.do_compute_focus(Q, actor=None)]
    assert first == second and FocusEntry.objects.filter(quarter=Q).count() == 1
    assert AuditEvent.objects.filter(verb="assessment.focus_computed").count() == 3
    with pytest.raises(InvalidInput) as bad:
        actions.do_compute_focus("2025Q5", actor=None)
    assert bad.value.fields == {"quarter": "invalid"}
    with pytest.raises(InvalidInput) as empty:
        actions.do_compute_focus("2024Q1", actor=None)
    assert empty.value.fields == {"quarter": "empty"}
    with pytest.raises(NotFound):
        actions.do_compute_focus(Q, actor=world.p.sub_admin)


def test_an_entry_with_a_plan_stays_when_the_rule_drops_it(scored, world):
    low, high = _low_high()
    actions.do_compute_focus(Q, actor=None)
    chief = world.p.sub_admin if high == SUB1 else world.p.sub_admin2
    actions.do_add_plan_item(
        actor=chief, quarter=Q, unit_code=high, what="补齐井盖台账", due_date="2025-06-30"
    )
    actions.do_set_focus_rule(actor=None, effective_from=Q, bottom=1)
    actions.do_compute_focus(Q, actor=None)
    kept = FocusEntry.objects.get(quarter=Q, unit_code=high)
    assert kept.listed is False and kept.items.count() == 1


def test_the_plan_is_kept_by_its_own_subdistrict_only(scored, world, frozen):
    actions.do_compute_focus(Q, actor=None)
    own, other, district = world.p.sub_admin, world.p.sub_admin2, world.p.district_admin
    item = actions.do_add_plan_item(
        actor=own,
        quarter=Q,
        unit_code=SUB1,
        what="井盖巡查每日一次",
        department="SZSR",
        due_date="2025-06-20",
        note="已部署",
    )
    assert item.department.code == "SZSR" and item.notes.count() == 1
    with pytest.raises(InvalidInput) as early:
        actions.do_add_plan_item(actor=own, quarter=Q, unit_code=SUB1, what="x", due_date="2025-03-31")
    assert early.value.fields == {"due_date": "before_quarter"}
    with pytest.raises(InvalidInput) as dept:
        actions.do_add_plan_item(
            actor=own, quarter=Q, unit_code=SUB1, what="x", department="NOPE", due_date="2025-06-30"
        )
    assert dept.value.fields == {"department": "invalid"}
    with pytest.raises(NotFound):  # another subdistrict: the same 404 as a missing plan
        actions.do_add_plan_item(actor=other, quarter=Q, unit_code=SUB1, what="x", due_date="2025-06-30")
    with pytest.raises(NotFound):
        actions.do_update_plan_item(actor=other, quarter=Q, unit_code=SUB1, item_id=item.pk, status="done")
    with pytest.raises(NotFound):
        queries.focus_plan(other, Q, SUB1)
    with pytest.raises(PermissionDenied):  # the district reads but does not keep the plan
        actions.do_update_plan_item(actor=district, quarter=Q, unit_code=SUB1, item_id=item.pk, status="done")
    frozen.to(frozen_day(2025, 6, 25))
    plan = queries.focus_plan(district, Q, SUB1)
    assert [r.overdue for r in plan.items] == [True] and plan.can_edit is False
    rows = {r.entry.unit_code: r for r in queries.focus_list(district, Q)}
    assert rows[SUB1].overdue == 1 and rows[SUB1].can_open
    assert {r.entry.unit_code: r.can_open for r in queries.focus_list(other, Q)}[SUB1] is False
    changed = actions.do_update_plan_item(
        actor=own, quarter=Q, unit_code=SUB1, item_id=item.pk, status="done", note="完成"
    )
    assert changed.status == "done" and changed.done_at is not None
    assert [r.overdue for r in queries.focus_plan(own, Q, SUB1).items] == [False]
    with pytest.raises(InvalidInput):
        actions.do_update_plan_item(actor=own, quarter=Q, unit_code=SUB1, item_id=item.pk, status="finished")
    with pytest.raises(InvalidInput):
        actions.do_update_plan_item(
            actor=own, quarter=Q, unit_code=SUB1, item_id=item.pk, due_date="2025-01-01"
        )
    verbs = list(
        AuditEvent.objects.filter(verb__startswith="assessment.plan_").values_list("verb", flat=True)
    )
    assert verbs.count("assessment.plan_item_added") == 1 and "assessment.plan_item_changed" in verbs
    assert verbs.count("assessment.plan_note_added") == 1


def frozen_day(y, m, d):
    from datetime import datetime

    from django.utils import timezone

    return timezone.make_aware(datetime(y, m, d, 10, 0))


def test_the_focus_command(scored, world):
    from io import StringIO

    out = StringIO()
    call_command("assessment", "focus", "--quarter", Q, stdout=out)
    assert SUB1 in out.getvalue() or "青槐街道" in out.getvalue()
    before = list(FocusEntry.objects.values_list("unit_code", "mean_score", "rank"))
    call_command("assessment", "focus", "--quarter", Q, stdout=StringIO())
    assert list(FocusEntry.objects.values_list("unit_code", "mean_score", "rank")) == before
    with pytest.raises(CommandError, match="YYYYQn"):
        call_command("assessment", "focus", "--quarter", "2026Q5")


# ------------------------------------------------------------------------------------------------ web and API
def test_focus_pages(client, scored, world):
    actions.do_compute_focus(Q, actor=None)
    client.force_login(world.p.sub_admin)
    page = client.get("/assessment/focus/", {"quarter": Q})
    assert page.status_code == 200 and "治理类街乡" in page.content.decode()
    assert client.get("/assessment/focus/", {"quarter": "2026Q5"}).status_code == 400
    plan = client.get(f"/assessment/focus/{Q}/{SUB1}/")
    assert plan.status_code == 200 and "整改计划" in plan.content.decode()
    added = client.post(
        f"/assessment/focus/{Q}/{SUB1}/",
        {"do": "add", "what": "清理堆物", "department": "", "due_date": "2025-06-30"},
    )
    assert added.status_code == 302
    early = client.post(
        f"/assessment/focus/{Q}/{SUB1}/", {"do": "add", "what": "清理堆物", "due_date": "2025-03-01"}
    )
    assert early.status_code == 400 and "早于" in early.content.decode()
    item = PlanItem.objects.get()
    moved = client.post(
        f"/assessment/focus/{Q}/{SUB1}/",
        {"do": "update", "item": item.pk, "status": "doing", "note": "进行中"},
    )
    assert moved.status_code == 302 and PlanItem.objects.get().status == "doing"
    # Another subdistrict: 404, the same as a subdistrict not on the list.
    assert client.get(f"/assessment/focus/{Q}/{SUB2}/").status_code == 404
    assert (
        client.post(
            f"/assessment/focus/{Q}/{SUB2}/", {"do": "add", "what": "x", "due_date": "2025-06-30"}
        ).status_code
        == 404
    )
    assert client.get(f"/assessment/focus/{Q}/110199999/").status_code == 404
    client.force_login(world.p.sub_admin2)
    assert (
        client.post(
            f"/assessment/focus/{Q}/{SUB1}/", {"do": "update", "item": item.pk, "status": "done"}
        ).status_code
        == 404
    )
    client.force_login(world.p.district_admin)
    assert client.get(f"/assessment/focus/{Q}/{SUB1}/").status_code == 200
    assert client.post("/assessment/focus/", {"do": "compute", "quarter": Q}).status_code == 302
    assert client.post("/assessment/focus/", {"do": "compute", "quarter": "2026Q5"}).status_code == 400
