"""The hotline import's bulk path (`actions.bulk.BulkIntake`): what `do_open_case` does for one report —
numbers, places, categories, clocks, possible duplicates, the timeline event and the sealed audit row, the
notices — done for a whole file at once, all or nothing, with progress."""

from __future__ import annotations

import io

import pytest

from jingzhi.cases import actions, workflow
from jingzhi.cases.exceptions import HotlineImportError
from jingzhi.cases.models import Case, CaseEvent
from jingzhi.cases.testing import IN_SUB1, IN_SUB2, open_case
from jingzhi.core import audit
from jingzhi.core.models import AuditEvent

pytestmark = pytest.mark.django_db

HEADER = "工单编号,诉求内容,经度,纬度,分类编码,分类类型,诉求人,联系电话\n"


def _csv(rows):
    return io.BytesIO((HEADER + "\n".join(rows) + "\n").encode("utf-8"))


def test_an_import_opens_each_order_like_intake_with_events_audit_and_duplicates(world, frozen):
    before = open_case(world, description="井盖丢了")  # an open 上水井盖 case at the same spot
    rows = [
        f"H201,井盖丢了,{IN_SUB1[0]},{IN_SUB1[1]},0101,部件,张三,13900000000",
        f"H202,井盖又丢了,{IN_SUB1[0]},{IN_SUB1[1]},0101,component,李四,13900000001",
        f"H203,路灯不亮,{IN_SUB2[0]},{IN_SUB2[1]},,,王五,13900000002",
    ]
    seen = []
    counts = actions.do_import_hotline_orders(
        actor=world.p.operator, file=_csv(rows), progress=lambda *a: seen.append(a)
    )
    assert counts == {"created": 3, "existing": 0, "rows": 3}
    assert seen[-1] == ("write", 3, 3) and ("check", 3, 3) in seen
    made = {c.external_ref: c for c in Case.objects.filter(source="hotline")}
    first, second = made["H201"], made["H202"]
    assert first.category == world.t.cover and first.grid_code and first.step_deadline is not None
    assert (
        first.state == workflow.REPORTED
        and first.reporter_name == "张三"
        and first.created_by == world.p.operator
    )
    numbers = {c.number for c in made.values()} | {before.number}
    assert len(numbers) == 4  # one sequence for intake and import
    # Possible duplicates: the stored open case, and for the second order also the first one of the file.
    opened = {e.case.external_ref: e for e in CaseEvent.objects.filter(action="open", case__source="hotline")}
    assert opened["H201"].data["possible_duplicates"] == [before.pk]
    assert set(opened["H202"].data["possible_duplicates"]) == {before.pk, first.pk}
    assert second.pk != first.pk
    # One sealed audit row per case, and the chain still verifies.
    assert AuditEvent.objects.filter(target_type="cases.case", target_id=str(first.pk)).count() == 1
    assert audit.verify() is None


def test_an_import_sends_each_operator_one_summary_notice_not_one_per_case(
    world, frozen, django_capture_on_commit_callbacks
):
    from jingzhi.core.models import Notification, OutboxJob

    rows = [f"H3{i:02d},井盖丢了,{IN_SUB1[0]},{IN_SUB1[1]},0101,部件,张三,1" for i in range(5)]
    rows += [f"H4{i:02d},路灯不亮,{IN_SUB2[0]},{IN_SUB2[1]},,,李四,2" for i in range(2)]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        actions.do_import_hotline_orders(actor=world.p.operator, file=_csv(rows))
        assert not Notification.objects.exists()  # nothing is sent inside the import
    for callback in callbacks:
        callback()  # the embedded profile runs the queued job here
    # One job for the whole import (not one per case, nor one per few hundred cases).
    assert OutboxJob.objects.filter(task__endswith="notify_import_summary").count() == 1
    assert not OutboxJob.objects.filter(task__endswith="notify_case_opened").exists()
    notes = list(Notification.objects.all())
    assert not [n for n in notes if n.verb == "case_opened"]
    by_user = {}
    for note in notes:
        by_user.setdefault(note.recipient_id, []).append(note)
    # Each operator hears once, of the cases in their own subdistrict only.
    assert len(by_user[world.p.operator.pk]) == 1 and len(by_user[world.p.operator2.pk]) == 1
    assert "5 件" in by_user[world.p.operator.pk][0].title
    assert (
        "2 件" in by_user[world.p.operator2.pk][0].title
        and "待核实" in by_user[world.p.operator2.pk][0].title
    )
    assert by_user[world.p.operator.pk][0].link.endswith("?queue=verify")
    assert world.p.shift_lead.pk not in by_user  # new cases wait for an operator, not the shift lead


def test_the_summary_counts_a_district_wide_operator_once_for_every_case(world, frozen):
    from jingzhi.cases.actions.bulk import send_import_summary
    from jingzhi.cases.models import Case
    from jingzhi.core.models import Notification

    rows = [f"H5{i:02d},井盖丢了,{IN_SUB1[0]},{IN_SUB1[1]},0101,部件,张三,1" for i in range(3)]
    rows += [f"H6{i:02d},路灯不亮,{IN_SUB2[0]},{IN_SUB2[1]},,,李四,2" for i in range(4)]
    actions.do_import_hotline_orders(actor=world.p.operator, file=_csv(rows))
    Notification.objects.all().delete()
    grid1 = Case.objects.filter(external_ref="H500").values_list("grid_code", "street_code")[0]
    grid2 = Case.objects.filter(external_ref="H600").values_list("grid_code", "street_code")[0]
    places = [[grid1[0], grid1[1], 3], [grid2[0], grid2[1], 4]]
    # 待立案 (a grid inspector's own reports) goes to the district's shift lead: all seven in one notice.
    assert send_import_summary("hotline", workflow.PENDING_FILING, places, world.p.operator.pk) == 1
    (note,) = Notification.objects.all()
    assert note.recipient_id == world.p.shift_lead.pk and "7 件" in note.title and "待立案" in note.title


def test_one_bad_row_anywhere_imports_nothing_and_each_row_is_named(world, frozen):
    rows = [
        f"H401,井盖丢了,{IN_SUB1[0]},{IN_SUB1[1]},0101,部件,张三,1",
        f"H402,井盖丢了,{IN_SUB1[0]},{IN_SUB1[1]},9999,部件,张三,1",
        f"H403,井盖丢了,{IN_SUB1[0]},{IN_SUB1[1]},0109,部件,张三,1",
        f"H404,井盖丢了,{IN_SUB1[0]},{IN_SUB1[1]},0101,部件,张三,1",
    ]
    events = AuditEvent.objects.count()
    with pytest.raises(HotlineImportError) as info:
        actions.do_import_hotline_orders(actor=world.p.operator, file=_csv(rows))
    problems = info.value.problems
    assert len(problems) == 2
    assert problems[0].startswith("第 3 行") and "9999" in problems[0]
    assert problems[1].startswith("第 4 行") and "停用" in problems[1]
    assert not Case.objects.filter(source="hotline").exists() and AuditEvent.objects.count() == events


def test_a_resident_cannot_import_even_through_the_bulk_path(world, frozen):
    from jingzhi.cases.actions.bulk import BulkIntake
    from jingzhi.core.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        BulkIntake(actor=world.p.resident, source="hotline")


def test_the_bulk_write_path_stores_what_bulk_create_stores(world, frozen):
    """`core.bulkwrite.insert_rows` (COPY on PostgreSQL, executemany on SQLite) against the ORM's
    `bulk_create` for the same attribute values: every column reads back equal (JSON, times, FKs, blanks)."""
    from jingzhi.core import clock
    from jingzhi.core.bulkwrite import defaults_of, insert_rows

    values = {
        "source": "hotline",
        "state": workflow.REPORTED,
        "category_id": world.t.cover.pk,
        "suggestion": [{"category": 1, "score": 0.5, "words": ["井盖"]}],
        "description": "井盖丢了 'quoted' \\ back\\slash\ttab",
        "lon": IN_SUB1[0],
        "lat": IN_SUB1[1],
        "reporter_name": "张三",
        "created_by_id": world.p.operator.pk,
        "reported_at": clock.now(),
        "step_deadline": clock.now(),
        "updated_at": clock.now(),
    }
    template = defaults_of(Case, **values)
    template.pop("id")
    fields = tuple(template)
    (ours,) = insert_rows(Case, fields, [tuple({**template, "number": "B1"}[f] for f in fields)])
    theirs = Case.objects.bulk_create([Case(**values, number="B2")])[0].pk

    def row(pk):
        case = Case.objects.get(pk=pk)
        return {f.attname: getattr(case, f.attname) for f in Case._meta.concrete_fields}

    a, b = row(ours), row(theirs)
    assert {k: v for k, v in a.items() if k not in ("id", "number")} == {
        k: v for k, v in b.items() if k not in ("id", "number")
    }
    # New ids keep coming from the same sequence after the reserved ones.
    assert Case.objects.bulk_create([Case(**values, number="B3")])[0].pk > max(ours, theirs)
