"""A late change in a newer source (patrols, project ratings, vacated spaces, task letters, 十无 month-end
states) marks exactly the months it touches; the next due fill re-fills them and their figures change; a
month it did not touch is not re-filled. (Cases: `test_fill.py`.)

Every change is made two months after the month it touches, so that month is not "due" anyway (the job
always fills the current and previous months)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.utils import timezone

from jingzhi.assessment import actions
from jingzhi.assessment.models import DirtyMonth, Figure, FillRun
from jingzhi.core import clock

from .test_councils import patrols  # noqa: F401  (fixture)
from .test_fill import recompute, stored
from .test_projects import delivered  # noqa: F401  (fixture)
from .test_rectification import STREET1, STREET2, months, streets  # noqa: F401  (fixtures)
from .test_spaces import vacated  # noqa: F401  (fixture)

JUNE, MAY = "2025-06", "2025-05"


def at(y, m, d, h=12):
    return timezone.make_aware(datetime(y, m, d, h, 0))


def figure(month, code, kind, unit):
    f = Figure.objects.filter(month=month, indicator=code, unit_kind=kind, unit_code=unit).first()
    return (f.numerator, f.denominator, f.value) if f else None


def fill_before(moment, *which):
    """Fill the months as they stood, then forget every mark (the fixtures' own changes marked some)."""
    with clock.frozen(moment):
        for month in which:
            actions.do_fill_month(month, actor=None)
    DirtyMonth.objects.all().delete()


def dirty() -> set[str]:
    return set(DirtyMonth.objects.values_list("month", flat=True))


def refill_due(moment) -> list[str]:
    with clock.frozen(moment):
        return [run.month for run in actions.do_fill_due(actor=None, now=moment)]


def test_a_patrol_finished_late_marks_its_shifts_month(patrols, django_capture_on_commit_callbacks):  # noqa: F811
    from jingzhi.councils import actions as c
    from jingzhi.councils.testing import STREET1 as COUNCIL_STREET

    late = at(2025, 8, 2)
    fill_before(late - timedelta(days=1), MAY, JUNE)
    before = figure(JUNE, "patrol_findings_mean", "street", COUNCIL_STREET)
    may_runs = FillRun.objects.filter(month=MAY).count()
    shift = patrols.shifts[date(2025, 6, 12)]  # started on the day, never finished
    with clock.frozen(late), django_capture_on_commit_callbacks(execute=True):
        c.do_finish_patrol(actor=shift.member.user, shift_id=shift.pk)
    assert dirty() == {JUNE}
    assert JUNE in refill_due(late)
    after = figure(JUNE, "patrol_findings_mean", "street", COUNCIL_STREET)
    assert before[1] + 1 == after[1]  # one more finished patrol in June's mean
    assert FillRun.objects.filter(month=MAY).count() == may_runs
    with clock.frozen(late):
        assert stored(JUNE) == recompute(JUNE)


def test_a_late_second_rating_marks_the_replaced_ratings_month(delivered, django_capture_on_commit_callbacks):  # noqa: F811
    from jingzhi.projects import actions as pa
    from jingzhi.projects.testing import COMM1

    late = at(2025, 8, 20)
    fill_before(late - timedelta(days=1), MAY, JUNE)
    assert figure(JUNE, "project_satisfaction_rate", "community", COMM1)[:2] == (1, 2)
    may_runs = FillRun.objects.filter(month=MAY).count()
    with clock.frozen(late), django_capture_on_commit_callbacks(execute=True):
        pa.do_rate(actor=delivered.p.neighbour, project_id=delivered.project.pk, score=5)
    assert dirty() == {JUNE, "2025-08"}
    assert JUNE in refill_due(late)
    assert figure(JUNE, "project_satisfaction_rate", "community", COMM1)[:2] == (1, 1)
    assert figure("2025-08", "project_satisfaction_rate", "community", COMM1)[:2] == (1, 1)
    assert FillRun.objects.filter(month=MAY).count() == may_runs


def test_a_space_changing_state_marks_the_month_it_was_vacated(vacated, django_capture_on_commit_callbacks):  # noqa: F811
    from jingzhi.spaces import actions as sa
    from jingzhi.spaces.models import Space
    from jingzhi.spaces.testing import COMM1

    late = at(2025, 8, 5)
    fill_before(late - timedelta(days=1), MAY, JUNE)
    assert figure(JUNE, "space_reuse_rate", "community", COMM1)[:2] == (1, 2)
    may_runs = FillRun.objects.filter(month=MAY).count()
    second = Space.objects.get(name="二号点")  # vacated 10 June
    with clock.frozen(late), django_capture_on_commit_callbacks(execute=True):
        for state, extra in (
            ("awaiting", {}),
            ("planning", {"planned_use": "convenience"}),
            ("building", {}),
            ("in_use", {"actual_use": "便民服务"}),
        ):
            sa.do_change_space_state(
                actor=vacated.p.sub_admin, space_id=second.pk, to_state=state, reason="推进", **extra
            )
    assert dirty() == {JUNE}
    assert JUNE in refill_due(late)
    assert figure(JUNE, "space_reuse_rate", "community", COMM1)[:2] == (2, 2)
    assert FillRun.objects.filter(month=MAY).count() == may_runs


def test_a_space_registered_late_marks_its_vacating_month(vacated, django_capture_on_commit_callbacks):  # noqa: F811
    from jingzhi.spaces.testing import COMM1, register

    late = at(2025, 8, 5)
    fill_before(late - timedelta(days=1), MAY, JUNE)
    june_runs = FillRun.objects.filter(month=JUNE).count()
    with clock.frozen(late), django_capture_on_commit_callbacks(execute=True):
        register(vacated.p.sub_admin, vacated_on="2025-05-20", name="补登点")
    assert dirty() == {MAY}
    assert MAY in refill_due(late)
    assert figure(MAY, "spaces_vacated", "community", COMM1)[2] == 2
    assert FillRun.objects.filter(month=JUNE).count() == june_runs


def test_a_task_letter_signed_late_marks_the_month_it_was_issued(streets, django_capture_on_commit_callbacks):  # noqa: F811
    from jingzhi.rectification import actions as r
    from jingzhi.rectification.models import TaskLetter

    p = streets.p
    with clock.frozen(at(2025, 6, 20)), django_capture_on_commit_callbacks(execute=True):
        first = TaskLetter.objects.get(street_code=STREET1, is_active=True)
        r.do_end_task_letter(actor=p.district_admin, letter_id=first.pk, reason="目标调整")
        letter = r.do_issue_task_letter(
            actor=p.district_admin,
            street_code=STREET1,
            title="槐柏树街第二份任务书",
            targets=["清理堆物"],
            starts_on=date(2025, 6, 20),
            due_on=date(2025, 9, 30),
        )
    late = at(2025, 8, 5)
    fill_before(late - timedelta(days=1), MAY, JUNE)
    assert figure(JUNE, "letter_signed_rate", "street", STREET1)[:2] == (1, 2)
    may_runs = FillRun.objects.filter(month=MAY).count()
    with clock.frozen(late), django_capture_on_commit_callbacks(execute=True):
        r.do_sign_task_letter(actor=p.chief, letter_id=letter.pk)
    assert dirty() == {JUNE}
    assert JUNE in refill_due(late)
    assert figure(JUNE, "letter_signed_rate", "street", STREET1)[:2] == (2, 2)
    assert FillRun.objects.filter(month=MAY).count() == may_runs


def test_a_late_inspection_marks_every_month_end_state_it_rewrote(months, django_capture_on_commit_callbacks):  # noqa: F811
    """STREET1 was clean in July and September, not inspected in August. A failing August inspection
    entered in November changes August's grade and September's month-end state too: both are marked (the
    inspection alone would mark August); June and July are not."""
    from jingzhi.rectification import actions as r
    from jingzhi.rectification.models import StreetMonth

    def grade_counts(month):
        rows = Figure.objects.filter(month=month, unit_kind="subdistrict", indicator__startswith="streets_")
        return dict(rows.values_list("indicator", "numerator"))

    late = at(2025, 11, 5)
    fill_before(late - timedelta(days=1), "2025-07", "2025-08", "2025-09")
    september = grade_counts("2025-09")
    states = dict(StreetMonth.objects.filter(street_code=STREET1).values_list("month", "grade"))
    july_runs = FillRun.objects.filter(month="2025-07").count()
    with clock.frozen(late), django_capture_on_commit_callbacks(execute=True):
        r.do_record_inspection(
            actor=months.p.assessor,
            street_code=STREET1,
            kind="city_monthly",
            inspected_on=date(2025, 8, 12),
            results=[
                {"item": "illegal_parking", "passed": False, "count": 5},
                {"item": "piled_materials", "passed": False, "count": 2},
            ],
        )
    rewritten = dict(StreetMonth.objects.filter(street_code=STREET1).values_list("month", "grade"))
    changed = {m for m in set(states) | set(rewritten) if states.get(m) != rewritten.get(m)}
    assert "2025-09" in changed and not changed & {JUNE, "2025-07"}
    assert dirty() == changed | {"2025-08"}
    assert {"2025-08", "2025-09"} <= set(refill_due(late))
    assert grade_counts("2025-09") != september
    for month in ("2025-08", "2025-09"):
        with clock.frozen(late):
            assert stored(month) == recompute(month)
    assert FillRun.objects.filter(month="2025-07").count() == july_runs
