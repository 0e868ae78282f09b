"""The only writer of assessment's tables: filling a month's snapshot, the incremental job's pass over the
months that need it, marking months a late change touched, and versioned weight sets.

`do_fill_month` computes every figure of the month from the sources (`compute.compute_month`), scores every
unit kind with the weight set in force for that month, ranks, and replaces the month's rows in ONE
transaction with an audit row: readers see the old month or the new one, never half. Filling is a pure
function of the source records, so filling twice gives the same rows, and filling month by month gives the
same rows as a rebuild. `do_fill_due` is the background job's body: the months marked dirty by hooks
(a reopened case, a rating, a recorded inspection, a new weight set), plus the current and the previous
month (where ordinary transitions land); each month commits on its own and removes its dirty mark in the
same transaction, so an interrupted run resumes where it stopped.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jingzhi.assessment import compute, permissions, registry, rules, units
from jingzhi.assessment.models import DirtyMonth, Figure, FillRun, Score, WeightSet
from jingzhi.assessment.verbs import AuditVerb
from jingzhi.core import audit, clock
from jingzhi.core.errors import InvalidInput, NotFound
from jingzhi.core.types import Actor


def _user(actor):
    return actor if getattr(actor, "pk", None) else None


def weight_set_of(row: WeightSet) -> rules.WeightSet:
    return rules.WeightSet(
        unit_kind=row.unit_kind,
        effective_from=row.effective_from,
        weights=tuple(sorted((code, Decimal(str(points))) for code, points in row.weights.items())),
        band_indicator=row.band_indicator,
        bands=tuple((int(t), Decimal(str(p))) for t, p in row.bands),
        grades=tuple(Decimal(str(g)) for g in row.grades) or rules.DEFAULT_WEIGHT_SETS["department"].grades,
        label=row.label,
    )


def weight_sets() -> list[rules.WeightSet]:
    return [weight_set_of(row) for row in WeightSet.objects.all()]


def score_cells(month: str, cells: list[compute.Cell], configured: list[rules.WeightSet]) -> list[dict]:
    """Scores and ranks of every unit kind that has a weight set, from the month's figures."""
    values: dict[tuple[str, str], dict[str, Decimal | None]] = defaultdict(dict)
    for cell in cells:
        values[(cell.unit_kind, cell.unit_code)][cell.indicator] = cell.value
    directions = registry.directions()
    scored: list[dict] = []
    for kind in registry.unit_kinds():
        chosen = rules.pick_weight_set(configured, kind, month)
        if chosen is None:
            continue
        rows = []
        for (unit_kind, code), unit_values in sorted(values.items()):
            if unit_kind != kind:
                continue
            points, parts = rules.score(unit_values, chosen, directions)
            rows.append(
                {
                    "unit_kind": kind,
                    "unit_code": code,
                    "score": points,
                    "grade": rules.grade(points, chosen.grades),
                    "weight_set": chosen.label or chosen.effective_from,
                    "parts": {k: str(v) for k, v in parts.items()},
                }
            )
        ranks = dict(rules.rank([(r["unit_code"], r["score"]) for r in rows]))
        ranked = sum(1 for r in rows if r["score"] is not None)
        for row in rows:
            row["rank"] = ranks[row["unit_code"]]
            row["ranked"] = ranked
        scored += rows
    return scored


_FIGURE_COLUMNS = (
    "month",
    "indicator",
    "unit_kind",
    "unit_code",
    "unit_name",
    "district_code",
    "numerator",
    "denominator",
    "value",
)


def insert_rows(table: str, columns: Sequence[str], rows: Iterable[Sequence]) -> int:
    """Insert rows with hand-written multi-row statements (`INSERT … VALUES (…), (…), …`) run in batches
    (`executemany`, which psycopg pipelines): the fill's one write path on SQLite and PostgreSQL, no COPY.
    Rows per statement: on PostgreSQL as many as keep a statement within psycopg's parsed-statement cache
    (50 parameters — a longer statement is re-parsed in Python on every run, which cost more than the
    round trips it saved: docs/benchmarks.md); on SQLite as many as its parameter limit allows. Returns
    the rows written."""
    quote = connection.ops.quote_name
    width = len(columns)
    cap = 50 if connection.vendor == "postgresql" else (connection.features.max_query_params or 999)
    per = max(1, cap // width)
    head = "INSERT INTO {} ({}) VALUES ".format(quote(table), ", ".join(quote(c) for c in columns))
    one = "(" + ", ".join(["%s"] * width) + ")"
    full = head + ", ".join([one] * per)
    written, count, params, batch = 0, 0, [], []
    with connection.cursor() as cursor:
        for row in rows:
            params.extend(row)
            count += 1
            if count == per:
                batch.append(params)
                written, count, params = written + count, 0, []
                if len(batch) >= 500:
                    cursor.executemany(full, batch)
                    batch = []
        if batch:
            cursor.executemany(full, batch)
        if count:
            cursor.execute(head + ", ".join([one] * count), params)
            written += count
    return written


def _write_figures(month: str, cells: list[compute.Cell], named) -> int:
    """Make the month's stored figures equal `cells`, touching only what differs: rows whose figure
    changed or went are deleted, rows new or changed are inserted. A re-fill (the job refills the current
    and the previous month every few minutes) mostly finds nothing to write. Returns the rows there were."""
    wanted: dict[tuple[str, str, str], tuple] = {}
    for c in cells:
        name, district = named[c.unit_kind][c.unit_code]
        wanted[(c.unit_kind, c.indicator, c.unit_code)] = (
            name[:100],
            district[:6],
            c.numerator,
            c.denominator,
            c.value,
        )
    stale: list[int] = []
    kept: set[tuple[str, str, str]] = set()
    rows = Figure.objects.filter(month=month).values_list(
        "pk",
        "unit_kind",
        "indicator",
        "unit_code",
        "unit_name",
        "district_code",
        "numerator",
        "denominator",
        "value",
    )
    old = 0
    for pk, kind, indicator, code, *stored in rows.iterator(chunk_size=10000):
        old += 1
        key = (kind, indicator, code)
        if wanted.get(key) == tuple(stored):
            kept.add(key)
        else:
            stale.append(pk)
    if stale and len(stale) == old:
        Figure.objects.filter(month=month).delete()
    else:
        step = max(1, (connection.features.max_query_params or 65535) - 1)
        for n in range(0, len(stale), step):
            Figure.objects.filter(pk__in=stale[n : n + step]).delete()
    insert_rows(
        Figure._meta.db_table,
        _FIGURE_COLUMNS,
        (
            (month, indicator, kind, code, *values)
            for (kind, indicator, code), values in wanted.items()
            if (kind, indicator, code) not in kept
        ),
    )
    return old


def do_fill_month(month: str, *, actor: Actor = None, trigger: str = "manual") -> FillRun:
    """Replace `month`'s figures and scores with freshly computed ones (idempotent, atomic)."""
    month = rules.parse_month(month)
    if actor is not None and not permissions.can_fill(actor):
        raise NotFound()
    started = clock.now()
    cells = compute.compute_month(month)
    scores = score_cells(month, cells, weight_sets())
    named: dict[str, dict[str, tuple[str, str]]] = {}
    by_kind: dict[str, set[str]] = defaultdict(set)
    for cell in cells:
        by_kind[cell.unit_kind].add(cell.unit_code)
    for kind, codes in by_kind.items():
        named[kind] = units.names(kind, codes)
    with transaction.atomic():
        old = {
            "figures": _write_figures(month, cells, named),
            "scores": Score.objects.filter(month=month).count(),
        }
        Score.objects.filter(month=month).delete()
        Score.objects.bulk_create(
            [
                Score(
                    month=month,
                    unit_name=named[s["unit_kind"]][s["unit_code"]][0][:100],
                    district_code=named[s["unit_kind"]][s["unit_code"]][1][:6],
                    **s,
                )
                for s in scores
            ],
            batch_size=2000,
        )
        DirtyMonth.objects.filter(month=month, marked_at__lte=started).delete()
        run = FillRun.objects.create(
            month=month,
            trigger=trigger[:32],
            started_at=started,
            finished_at=clock.now(),
            figures=len(cells),
            scores=len(scores),
        )
        audit.record(
            actor=_user(actor),
            verb=AuditVerb.MONTH_FILLED,
            target=run,
            old=old,
            new={"month": month, "figures": len(cells), "scores": len(scores), "trigger": trigger},
        )
    return run


def current_month(now: datetime | None = None) -> str:
    return rules.month_of(timezone.localtime(now or clock.now()))


def due_months(now: datetime | None = None) -> list[str]:
    this = current_month(now)
    months = {this, rules.shift_month(this, -1), *DirtyMonth.objects.values_list("month", flat=True)}
    return sorted(m for m in months if m <= this)


def do_fill_due(*, actor: Actor = None, now: datetime | None = None) -> list[FillRun]:
    """The background job: fill every month that needs it, oldest first, each in its own transaction."""
    return [do_fill_month(month, actor=actor, trigger="job") for month in due_months(now)]


def do_mark_month_dirty(month: str, *, reason: str) -> None:
    """Note that a late change touched `month` (bookkeeping for the job, not a domain change: the fill that
    follows is audited)."""
    if not rules.MONTH_RE.match(month or ""):
        return
    DirtyMonth.objects.update_or_create(
        month=month, defaults={"reason": reason[:64], "marked_at": clock.now()}
    )


def do_set_weight_set(
    *,
    actor: Actor,
    unit_kind: str,
    effective_from: str,
    weights,
    label: str = "",
    band_indicator: str = "",
    bands=(),
    grades=(),
    note: str = "",
) -> WeightSet:
    """A new version of a unit kind's weights from a month on; the months it governs are re-filled."""
    if actor is not None and not permissions.can_set_weights(actor):
        raise NotFound()
    if unit_kind not in registry.unit_kinds():
        raise InvalidInput(_("未知的单位类型“%(k)s”。") % {"k": unit_kind}, fields={"unit_kind": "invalid"})
    effective_from = rules.parse_month(effective_from, "effective_from")
    pairs = rules.parse_weights(weights, registry.applies_to(), unit_kind)
    if band_indicator and registry.indicator(band_indicator) is None:
        raise InvalidInput(
            _("未知的量级指标“%(c)s”。") % {"c": band_indicator}, fields={"band_indicator": "invalid"}
        )
    parsed_bands = []
    for n, band in enumerate(bands or (), start=1):
        try:
            threshold, points = int(band[0]), Decimal(str(band[1]))
        except (TypeError, ValueError, IndexError, ArithmeticError):
            raise InvalidInput(
                _("第 %(n)d 个量级分档应为 [件数下限, 分值]。") % {"n": n}, fields={"bands": str(n)}
            ) from None
        parsed_bands.append([threshold, str(points)])
    parsed_grades = []
    for n, bound in enumerate(grades or (), start=1):
        try:
            parsed_grades.append(str(Decimal(str(bound))))
        except ArithmeticError:
            raise InvalidInput(
                _("第 %(n)d 个等次分数线不是数字。") % {"n": n}, fields={"grades": str(n)}
            ) from None
    if parsed_grades and (
        len(parsed_grades) != 4 or sorted(parsed_grades, key=Decimal, reverse=True) != parsed_grades
    ):
        raise InvalidInput(
            _("等次分数线应为从高到低的 4 个数（A、B、C、D 的下限）。"), fields={"grades": "invalid"}
        )
    with transaction.atomic():
        if WeightSet.objects.filter(unit_kind=unit_kind, effective_from=effective_from).exists():
            raise InvalidInput(
                _("%(k)s自 %(m)s 起已有权重方案；请从另一个月份起用新版本。")
                % {"k": rules.UNIT_KINDS[unit_kind], "m": effective_from},
                fields={"effective_from": "taken"},
            )
        row = WeightSet.objects.create(
            unit_kind=unit_kind,
            effective_from=effective_from,
            label=(label or f"{effective_from}")[:100],
            weights={code: str(points) for code, points in pairs},
            band_indicator=band_indicator,
            bands=parsed_bands,
            grades=parsed_grades,
            note=note,
            created_by=_user(actor),
        )
        audit.record(
            actor=_user(actor),
            verb=AuditVerb.WEIGHTS_SET,
            target=row,
            new={"unit_kind": unit_kind, "effective_from": effective_from, "weights": row.weights},
        )
        for month in set(Score.objects.filter(month__gte=effective_from).values_list("month", flat=True)):
            do_mark_month_dirty(month, reason="weights")
    return row
