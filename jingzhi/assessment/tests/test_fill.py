"""The snapshot fill: every figure equals a recomputation from the raw records with the pure definitions;
filling is idempotent and incremental; a late change re-fills its month; ranks and scores follow."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from decimal import Decimal

from django.core.management import call_command
from django.utils import timezone

from jingzhi.assessment import actions, registry, rules
from jingzhi.assessment.models import DirtyMonth, Figure, Score

from .conftest import MONTH, SUB1, SUB2


def recompute(month: str) -> set[tuple]:
    """Every figure of `month` from the raw rows, with `rules.tally` — no SQL conditions involved."""
    out = set()
    for indicator in registry.indicators():
        source = registry.source(indicator.source)
        fields = (
            indicator.where.fields()
            | indicator.hit.fields()
            | set(indicator.value_fields)
            | {indicator.period_field}
            | {source.unit_fields[k] for k in indicator.unit_kinds}
        )
        rows = list(source.rows().values(*sorted(fields)))
        in_month = []
        for row in rows:
            moment = row[indicator.period_field]
            if moment is None:
                continue
            if isinstance(moment, str):
                placed = moment
            elif isinstance(moment, datetime):
                placed = rules.month_of(timezone.localtime(moment))
            else:  # a date
                placed = rules.month_of(moment)
            if placed == month:
                in_month.append(row)
        for kind in indicator.unit_kinds:
            groups = defaultdict(list)
            for row in in_month:
                code = row[source.unit_fields[kind]]
                if code not in (None, ""):
                    groups[str(code)].append(row)
            for code, members in groups.items():
                t = rules.tally(indicator, members)
                if t.denominator == 0:
                    continue
                out.add((indicator.code, kind, code, t.numerator, t.denominator, t.value))
    return out


def stored(month: str) -> set[tuple]:
    return {
        (f.indicator, f.unit_kind, f.unit_code, f.numerator, f.denominator, f.value)
        for f in Figure.objects.filter(month=month)
    }


def snapshot(month: str) -> list[tuple]:
    figures = sorted(stored(month))
    scores = sorted(
        (
            s.unit_kind,
            s.unit_code,
            s.unit_name,
            s.score,
            s.grade,
            s.rank,
            s.ranked,
            s.weight_set,
            str(s.parts),
        )
        for s in Score.objects.filter(month=month)
    )
    return figures + scores


def test_every_figure_equals_a_recomputation_from_the_raw_records(history):
    actions.do_fill_month(MONTH, actor=None)
    assert stored(MONTH) == recompute(MONTH)
    assert {f[0] for f in stored(MONTH)} >= {
        "response_rate",
        "resolution_rate",
        "satisfaction_rate",
        "closure_rate",
        "on_time_closure_rate",
        "return_rate",
        "overdue_multiple_mean",
        "whistle_report_rate",
        "whistle_rating",
    }


def test_hand_counted_figures_of_the_month(history):
    actions.do_fill_month(MONTH, actor=None)

    def fig(code, kind="subdistrict", unit=SUB1):
        f = Figure.objects.get(month=MONTH, indicator=code, unit_kind=kind, unit_code=unit)
        return f.numerator, f.denominator, f.value

    # SUB1 dispatched: closed, handling, waiting, unhappy, returned, late (6; the void one never was).
    # Responded in time: closed, handling, unhappy, late (the returned one was returned, not accepted).
    assert fig("response_rate") == (4, 6, Decimal("0.6667"))
    # Rated: closed (满意) and unhappy (不满意) → 1 / 2.
    assert fig("satisfaction_rate") == (1, 2, Decimal("0.5000"))
    # Returned once: 1 of 6.
    assert fig("return_rate") == (1, 6, Decimal("0.1667"))
    # Voided cases are not counted at all: 6 valid cases in SUB1, 1 in SUB2.
    assert fig("reported_cases")[0] == 6
    assert fig("reported_cases", unit=SUB2)[0] == 1
    # Whistle: 市政市容委 in 20 min (on time), 自来水 in 50 (late) → 1 / 2; ratings 5 and 3 → mean 4.
    assert fig("whistle_report_rate") == (1, 2, Decimal("0.5000"))
    assert fig("whistle_rating")[2] == Decimal("4.0000")
    assert fig("whistle_report_rate", "department", "SZSR")[2] == Decimal("1.0000")


def test_filling_twice_gives_the_same_rows_and_month_by_month_equals_a_rebuild(history):
    actions.do_fill_month(MONTH, actor=None)
    first = snapshot(MONTH)
    actions.do_fill_month(MONTH, actor=None)
    assert snapshot(MONTH) == first
    actions.do_fill_month("2025-05", actor=None)
    actions.do_fill_month("2025-07", actor=None)
    before = {m: snapshot(m) for m in ("2025-05", MONTH, "2025-07")}
    call_command("assessment", "rebuild", "--month", "2025-05", "--to", "2025-07")
    assert {m: snapshot(m) for m in ("2025-05", MONTH, "2025-07")} == before


def test_a_reopened_case_marks_its_month_and_the_next_fill_changes_exactly_that(
    history, world, frozen, django_capture_on_commit_callbacks
):
    from jingzhi.cases import actions as case_actions

    actions.do_fill_month(MONTH, actor=None)
    DirtyMonth.objects.all().delete()
    resolved = Figure.objects.get(
        month=MONTH, indicator="closure_rate", unit_kind="subdistrict", unit_code=SUB1
    )
    with django_capture_on_commit_callbacks(execute=True):
        case_actions.do_reopen_case(actor=world.p.resident, case_id=history.unhappy.pk, reason="井盖又坏了")
    assert MONTH in set(DirtyMonth.objects.values_list("month", flat=True))
    runs = actions.do_fill_due(actor=None, now=history.unhappy.reported_at)
    assert MONTH in [r.month for r in runs]
    assert not DirtyMonth.objects.filter(month=MONTH).exists()
    after = Figure.objects.get(month=MONTH, indicator="closure_rate", unit_kind="subdistrict", unit_code=SUB1)
    assert after.numerator == resolved.numerator - 1
    assert stored(MONTH) == recompute(MONTH)


def test_scores_and_ranks_follow_the_weight_set_in_force(history, world):
    actions.do_fill_month(MONTH, actor=None)
    scores = {s.unit_code: s for s in Score.objects.filter(month=MONTH, unit_kind="subdistrict")}
    assert scores[SUB1].weight_set.startswith("默认")
    assert {s.rank for s in scores.values()} <= {1, 2, None}
    # A new version from 2025-06 scores June with response only.
    actions.do_set_weight_set(
        actor=world.p.district_admin,
        unit_kind="subdistrict",
        effective_from=MONTH,
        weights={"response_rate": 100},
    )
    assert DirtyMonth.objects.filter(month=MONTH).exists()
    actions.do_fill_month(MONTH, actor=None)
    response = Figure.objects.get(
        month=MONTH, indicator="response_rate", unit_kind="subdistrict", unit_code=SUB1
    )
    assert Score.objects.get(month=MONTH, unit_kind="subdistrict", unit_code=SUB1).score == (
        response.value * 100
    ).quantize(Decimal("0.01"))


def test_weight_sets_refuse_bad_input_and_outsiders(history, world):
    import pytest

    from jingzhi.core.errors import InvalidInput, NotFound

    with pytest.raises(NotFound):
        actions.do_set_weight_set(
            actor=world.p.sub_admin,
            unit_kind="subdistrict",
            effective_from=MONTH,
            weights={"response_rate": 1},
        )
    with pytest.raises(InvalidInput) as bad:
        actions.do_set_weight_set(
            actor=world.p.district_admin, unit_kind="subdistrict", effective_from="2025/06", weights={}
        )
    assert bad.value.fields == {"effective_from": "invalid"}
    actions.do_set_weight_set(
        actor=world.p.district_admin,
        unit_kind="subdistrict",
        effective_from=MONTH,
        weights={"response_rate": 1},
    )
    with pytest.raises(InvalidInput) as twice:
        actions.do_set_weight_set(
            actor=world.p.district_admin,
            unit_kind="subdistrict",
            effective_from=MONTH,
            weights={"response_rate": 2},
        )
    assert twice.value.fields == {"effective_from": "taken"}


def test_the_fill_is_audited(history):
    from jingzhi.core.models import AuditEvent

    run = actions.do_fill_month(MONTH, actor=None)
    event = AuditEvent.objects.get(verb="assessment.month_filled", target_id=str(run.pk))
    assert event.new_values["figures"] == run.figures > 0


def test_kinds_counted_together_give_the_figures_of_one_group_by_each(history, monkeypatch):
    """The cases' places are counted by one GROUP BY over grid, community, subdistrict and district and
    added up per kind: the same figures as one GROUP BY per kind, also for a case without a grid or a
    community (it still counts for its subdistrict)."""
    import dataclasses

    from jingzhi.assessment import compute
    from jingzhi.cases.models import Case

    assert registry.source("cases").rollup
    first = Case.objects.order_by("pk").first()
    Case.objects.filter(pk=first.pk).update(grid_code="", community_code="")
    together = sorted(compute.compute_month(MONTH))
    apart = dataclasses.replace(registry.source("cases"), rollup=())
    monkeypatch.setitem(registry._sources, "cases", apart)
    assert sorted(compute.compute_month(MONTH)) == together
    assert {(c[1], c[2]) for c in together} >= {("subdistrict", SUB1), ("district", SUB1[:6])}


def test_a_month_is_written_in_the_order_of_the_figures_key(history):
    """An empty month's figures go in ordered by (unit kind, unit code, indicator), the key's order (the
    database adds each key beside the last: about half the time of the order they are counted in)."""
    actions.do_fill_month(MONTH, actor=None)
    written = list(
        Figure.objects.filter(month=MONTH).order_by("pk").values_list("unit_kind", "unit_code", "indicator")
    )
    assert len(written) > 20
    assert written == sorted(written)
