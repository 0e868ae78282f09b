"""多元共治 indicators: patrol completion and findings per patrol, recomputed from the raw shifts, rounds and
findings; a council's patrols open for its own subdistrict only."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from jingzhi.assessment import actions, queries
from jingzhi.assessment.models import Figure
from jingzhi.core import clock
from jingzhi.core.errors import NotFound

from .test_fill import recompute, stored

MONTH = "2025-06"


def moment(y, m, d, h=9):
    return timezone.make_aware(datetime(y, m, d, h, 0))


@pytest.fixture
def patrols(db, django_capture_on_commit_callbacks):
    """June's roster of the 槐柏树胡同 street council; on 13 June two patrols are finished (11 and 13 June,
    the first with two findings) and one was started but never finished (12 June)."""
    from jingzhi.councils import actions as c
    from jingzhi.councils.models import Shift
    from jingzhi.councils.testing import ON_STREET, make_world

    world = make_world()
    with clock.frozen(moment(2025, 6, 1)):
        roster = c.do_generate_roster(actor=None, council_id=world.council.pk, month="2025-06")
        c.do_publish_roster(actor=None, roster_id=roster.pk)
    shifts = {s.day: s for s in Shift.objects.filter(roster=roster).select_related("member__user")}
    with django_capture_on_commit_callbacks(execute=True):
        for day, findings, finish in ((11, 2, True), (12, 0, False), (13, 0, True)):
            shift = shifts[date(2025, 6, day)]
            me = shift.member.user
            with clock.frozen(moment(2025, 6, day)):
                c.do_start_patrol(actor=me, shift_id=shift.pk, lon=ON_STREET[0], lat=ON_STREET[1])
                for n in range(findings):
                    c.do_report_finding(
                        actor=me,
                        shift_id=shift.pk,
                        description=f"井盖缺失 {n}",
                        lon=ON_STREET[0],
                        lat=ON_STREET[1],
                    )
            if finish:
                with clock.frozen(moment(2025, 6, day, 11)):
                    c.do_finish_patrol(actor=me, shift_id=shift.pk)
    world.shifts = shifts
    return world


def _fill():
    with clock.frozen(moment(2025, 6, 13, 12)):
        actions.do_fill_month(MONTH, actor=None)
        return recompute(MONTH)


def fig(code, kind, unit):
    f = Figure.objects.get(month=MONTH, indicator=code, unit_kind=kind, unit_code=unit)
    return f.numerator, f.denominator, f.value


def test_patrol_figures_equal_a_recomputation_and_the_hand_count(patrols):
    from jingzhi.councils.models import Finding, PatrolRound, Shift
    from jingzhi.councils.testing import STREET1, SUB1

    expected = _fill()
    assert stored(MONTH) == expected
    # By hand from the raw rows: due = published June shifts before the 13th, plus the 13th (finished).
    due = Shift.objects.filter(roster__published_at__isnull=False, day__lt=date(2025, 6, 13)).count() + 1
    done = PatrolRound.objects.filter(finished_at__isnull=False).count()
    assert done == 2
    assert fig("patrol_completion_rate", "street", STREET1) == (
        Decimal(done),
        Decimal(due),
        (Decimal(done) / Decimal(due)).quantize(Decimal("0.0001")),
    )
    assert fig("patrol_completion_rate", "subdistrict", SUB1)[:2] == (done, due)
    assert Finding.objects.count() == 2
    assert fig("patrol_findings_mean", "street", STREET1) == (2, 2, Decimal("1.0000"))
    # A street council has no community figure.
    assert not Figure.objects.filter(indicator__startswith="patrol_", unit_kind="community").exists()


def test_a_shift_not_yet_due_is_not_counted(patrols):
    from jingzhi.councils.testing import STREET1

    _fill()
    due = fig("patrol_completion_rate", "street", STREET1)[1]
    with clock.frozen(moment(2025, 6, 20)):
        actions.do_fill_month(MONTH, actor=None)
    assert fig("patrol_completion_rate", "street", STREET1)[1] > due


def test_patrols_open_for_their_subdistrict_only(patrols):
    from jingzhi.councils.testing import STREET1, SUB1, SUB2

    _fill()
    p = patrols.p
    got = queries.explain(p.sub_admin, MONTH, "patrol_completion_rate", "subdistrict", SUB1)
    assert sum(1 for r in got.records if r["in_numerator"]) == 2
    assert all("何淑珍" not in str(r) for r in got.records)  # no member names in the list
    assert got.records[0]["title"].startswith("槐柏树胡同自治共建理事会")
    with pytest.raises(NotFound):
        queries.explain(p.sub_admin2, MONTH, "patrol_completion_rate", "street", STREET1)
    assert SUB2 != SUB1


def test_the_unit_report_shows_the_patrol_figures(patrols, client):
    from jingzhi.councils.testing import SUB1

    _fill()
    client.force_login(patrols.p.sub_admin)
    response = client.get(f"/assessment/subdistrict/{SUB1}/?month={MONTH}")
    assert response.status_code == 200
    assert "巡查按时完成率" in response.content.decode()
