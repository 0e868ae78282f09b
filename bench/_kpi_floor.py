"""The floor of `kpi_fill_month`: every figure `assessment.actions.do_fill_month` computes, in hand-written SQL.

One `GROUP BY` per source, period field and unit kind (what the fill runs too), with a filtered `COUNT`
per rate and count and a filtered `SUM`/`MAX`/`COUNT` of the measure (in units of 0.0001, the fill's exact
rounding) per mean and max, only for the indicators that apply to that unit kind. Writes nothing.

The case sources (cases, whistle summonses, the five person sources over the case timeline) are written
out here completely. The other sources' rows (councils' patrols, projects' registers and ratings,
rectification's inspections, letters and street months, spaces, 便民 coverage) are each their owning
app's row query (the one the fill reads, compiled once as a derived table), with the figures over them
hand-written; the bench loads only cases, so those tables are empty there.

`check(...)` turns the floor's rows into figures (untimed) and compares them with the stored snapshot.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

RATE, COUNT, MEAN, MAX = "rate", "count", "mean", "max"
VALID = "state NOT IN ('not_filed', 'void', 'merged')"


def ratio_sql(start: str, end: str, limit: str) -> str:
    """超时倍数 of one record in units of 0.0001, half up, NULL without a positive time limit or with a
    negative time taken (integer microseconds, as the fill)."""
    taken = f"(EXTRACT(EPOCH FROM {end} - {start}) * 1000000)::bigint"
    allowed = f"(EXTRACT(EPOCH FROM {limit} - {start}) * 1000000)::bigint"
    return (
        f"CASE WHEN {allowed} > 0 AND {taken} >= 0 THEN ({taken} * 20000 + {allowed}) / ({allowed} * 2) END"
    )


def value_sql(field: str) -> str:
    return f"ROUND({field} * 10000)::bigint"


@dataclass(frozen=True)
class FloorSource:
    name: str
    rows: str  # FROM … WHERE …: the source's records, with the columns the figures read
    periods: dict  # period field -> (column, "datetime" | "date" | "month_text")
    units: dict  # unit kind -> column


@dataclass(frozen=True)
class FloorIndicator:
    code: str
    source: str
    how: str
    period: str
    kinds: tuple
    where: str  # the denominator's (or count's, or measured records') condition
    hit: str = ""  # a rate's numerator condition (within `where`)
    measure: str = ""  # a mean's or max's measure SQL


PLACES = ("district", "subdistrict", "community", "grid", "street", "department")
WIDE = ("district", "subdistrict", "community", "street", "department")
DISPATCHED = "valid AND dispatched_at IS NOT NULL"
NOT_PARKED = "state <> 'parked'"
LATE = ratio_sql("handle_started_at", "handled_at", "handle_deadline")


def _case_indicators() -> list[FloorIndicator]:
    r, d = "reported_at", "handle_deadline"
    return [
        FloorIndicator(
            "response_rate", "cases", RATE, r, PLACES, DISPATCHED, "responded_at <= response_deadline"
        ),
        FloorIndicator(
            "resolution_rate",
            "cases",
            RATE,
            r,
            PLACES,
            f"{DISPATCHED} AND {NOT_PARKED}",
            "state = 'closed' AND rating <> 'dissatisfied'",
        ),
        FloorIndicator(
            "satisfaction_rate",
            "cases",
            RATE,
            r,
            PLACES,
            "valid AND rating IS NOT NULL AND rating <> ''",
            "rating IN ('satisfied', 'basic')",
        ),
        FloorIndicator(
            "closure_rate",
            "cases",
            RATE,
            d,
            PLACES,
            f"valid AND handle_deadline IS NOT NULL AND {NOT_PARKED}",
            "state = 'closed'",
        ),
        FloorIndicator(
            "on_time_closure_rate",
            "cases",
            RATE,
            d,
            PLACES,
            f"valid AND handle_deadline IS NOT NULL AND {NOT_PARKED}",
            "state = 'closed' AND handled_at <= handle_deadline",
        ),
        FloorIndicator(
            "rework_rate", "cases", RATE, r, WIDE, "valid AND handled_at IS NOT NULL", "rework_count > 0"
        ),
        FloorIndicator("return_rate", "cases", RATE, r, WIDE, DISPATCHED, "return_count > 0"),
        FloorIndicator("extension_rate", "cases", RATE, r, WIDE, DISPATCHED, "extension_days > 0"),
        FloorIndicator("overdue_rate", "cases", RATE, r, WIDE, DISPATCHED, "first_overdue_at IS NOT NULL"),
        FloorIndicator("overdue_cases", "cases", COUNT, r, WIDE, "valid AND first_overdue_at IS NOT NULL"),
        FloorIndicator(
            "overdue_multiple_mean",
            "cases",
            MEAN,
            r,
            WIDE,
            "valid AND handled_at > handle_deadline",
            measure=LATE,
        ),
        FloorIndicator(
            "overdue_multiple_max",
            "cases",
            MAX,
            r,
            WIDE,
            "valid AND handled_at > handle_deadline",
            measure=LATE,
        ),
        FloorIndicator("reported_cases", "cases", COUNT, r, PLACES, "valid"),
        FloorIndicator("dispatched_cases", "cases", COUNT, r, WIDE, DISPATCHED),
    ]


def _person_rows(actions: tuple[str, ...], *, first_only: bool, inspector_only: bool = False) -> str:
    listed = ", ".join(f"'{a}'" for a in actions)
    rows = (
        "FROM cases_caseevent e JOIN (SELECT id AS case_pk, reported_at, state, handled_at, handle_started_at,"
        " handle_deadline, return_count, rework_count, source,"
        f" {VALID} AS valid FROM cases_case) c ON c.case_pk = e.case_id"
        f" WHERE e.action IN ({listed}) AND e.actor_id IS NOT NULL"
    )
    if inspector_only:
        rows += " AND c.source = 'inspector'"
    if first_only:
        rows += (
            " AND NOT EXISTS (SELECT 1 FROM cases_caseevent p WHERE p.case_id = e.case_id"
            f" AND p.action IN ({listed}) AND p.id < e.id)"
        )
    return rows


def _person_indicators() -> list[FloorIndicator]:
    def one(code, source, how, kind, where="TRUE", hit="", measure=""):
        return FloorIndicator(code, source, how, "case__reported_at", (kind,), where, hit, measure)

    return [
        one("person_reported", "person_reports", COUNT, "inspector"),
        one("person_valid_report_rate", "person_reports", RATE, "inspector", hit="valid"),
        one("person_checked", "person_checks", COUNT, "inspector"),
        one("person_filed", "person_filings", COUNT, "operator"),
        one(
            "person_filed_closure_rate",
            "person_filings",
            RATE,
            "operator",
            f"valid AND {NOT_PARKED}",
            "state = 'closed'",
        ),
        one("person_dispatched", "person_dispatches", COUNT, "dispatcher"),
        one("person_return_rate", "person_dispatches", RATE, "dispatcher", hit="return_count > 0"),
        one("person_handled", "person_feedbacks", COUNT, "handler"),
        one(
            "person_on_time_rate",
            "person_feedbacks",
            RATE,
            "handler",
            "handled_at IS NOT NULL",
            "handled_at <= handle_deadline",
        ),
        one("person_rework_rate", "person_feedbacks", RATE, "handler", hit="rework_count > 0"),
        one(
            "person_overdue_multiple_mean",
            "person_feedbacks",
            MEAN,
            "handler",
            "handled_at > handle_deadline",
            measure=LATE,
        ),
    ]


def _derived(qs, **columns) -> str:
    """`FROM (<an app's row query>) AS r`: the source's own records (the query the fill reads, compiled
    here once), with the named columns."""
    from django.db import connection
    from django.db.models import F

    sql, params = qs.values(**{alias: F(path) for alias, path in columns.items()}).query.sql_with_params()
    return f"FROM ({connection.ops.compose_sql(sql, params)}) AS r WHERE TRUE"


def _other_sources():
    """The non-case sources: their owning apps' row queries, with hand-written figures over them."""
    from jingzhi.assessment import registry
    from jingzhi.spaces.workflow import REUSED

    def rows(name, **columns):
        return _derived(registry.source(name).rows(), **columns)

    reused = ", ".join(f"'{s}'" for s in sorted(REUSED))
    grades = ("premium", "fine", "standard", "failing")
    sources = [
        FloorSource(
            "inspections",
            rows(
                "inspections",
                x_month="month",
                x_sub="subdistrict_code",
                x_street="street_code",
                x_official="is_official",
                x_score="score",
                x_below="version__downgrade_below",
            ),
            {"month": ("x_month", "month_text")},
            {"subdistrict": "x_sub", "street": "x_street"},
        ),
        FloorSource(
            "task_letters",
            rows("task_letters", x_issued="issued_at", x_street="street_code", x_signed="signed_at"),
            {"issued_at": ("x_issued", "datetime")},
            {"street": "x_street"},
        ),
        FloorSource(
            "street_months",
            rows(
                "street_months",
                x_month="month",
                x_district="district_code",
                x_sub="subdistrict_code",
                x_civilized="is_civilized",
                x_grade="grade",
            ),
            {"month": ("x_month", "month_text")},
            {"district": "x_district", "subdistrict": "x_sub"},
        ),
        FloorSource(
            "project_register",
            rows(
                "project_register",
                x_closed="closed_at",
                x_sub="subdistrict_code",
                x_community="community_code",
                x_voted="voted_at",
            ),
            {"closed_at": ("x_closed", "datetime")},
            {"subdistrict": "x_sub", "community": "x_community"},
        ),
        FloorSource(
            "project_ratings",
            rows(
                "project_ratings",
                x_created="created_at",
                x_sub="subdistrict_code",
                x_community="community_code",
                x_score="score",
            ),
            {"created_at": ("x_created", "datetime")},
            {"subdistrict": "x_sub", "community": "x_community"},
        ),
        FloorSource(
            "council_patrols",
            rows(
                "council_patrols",
                x_day="day",
                x_sub="subdistrict_code",
                x_community="community_code",
                x_street="street_code",
                x_finished="finished_at",
                x_round_day="round_day",
                x_findings="findings",
            ),
            {"day": ("x_day", "date")},
            {"subdistrict": "x_sub", "community": "x_community", "street": "x_street"},
        ),
        FloorSource(
            "convenience_coverage",
            rows(
                "convenience_coverage",
                x_month="month",
                x_sub="subdistrict_code",
                x_community="community_code",
                x_covered="covered",
            ),
            {"month": ("x_month", "month_text")},
            {"subdistrict": "x_sub", "community": "x_community"},
        ),
        FloorSource(
            "spaces",
            rows(
                "spaces",
                x_vacated="vacated_on",
                x_sub="subdistrict_code",
                x_community="community_code",
                x_state="state",
            ),
            {"vacated_on": ("x_vacated", "date")},
            {"subdistrict": "x_sub", "community": "x_community"},
        ),
    ]
    sc = ("subdistrict", "community")
    indicators = [
        FloorIndicator(
            "ten_pass_rate",
            "inspections",
            RATE,
            "month",
            ("subdistrict", "street"),
            "x_official",
            "x_score >= x_below",
        ),
        FloorIndicator(
            "ten_score_mean",
            "inspections",
            MEAN,
            "month",
            ("subdistrict", "street"),
            "x_official",
            measure=value_sql("x_score"),
        ),
        FloorIndicator(
            "ten_failing",
            "inspections",
            COUNT,
            "month",
            ("subdistrict", "street"),
            "x_official AND x_score < x_below",
        ),
        FloorIndicator(
            "letter_signed_rate",
            "task_letters",
            RATE,
            "issued_at",
            ("street",),
            "TRUE",
            "x_signed IS NOT NULL",
        ),
        FloorIndicator(
            "civilized_streets", "street_months", COUNT, "month", ("district", "subdistrict"), "x_civilized"
        ),
        *(
            FloorIndicator(
                f"streets_{g}",
                "street_months",
                COUNT,
                "month",
                ("district", "subdistrict"),
                f"x_grade = '{g}'",
            )
            for g in grades
        ),
        FloorIndicator(
            "project_turnout", "project_register", RATE, "closed_at", sc, "TRUE", "x_voted IS NOT NULL"
        ),
        FloorIndicator(
            "project_satisfaction_rate", "project_ratings", RATE, "created_at", sc, "TRUE", "x_score >= 4"
        ),
        FloorIndicator(
            "project_rating_mean",
            "project_ratings",
            MEAN,
            "created_at",
            sc,
            "TRUE",
            measure=value_sql("x_score"),
        ),
        FloorIndicator(
            "patrol_completion_rate",
            "council_patrols",
            RATE,
            "day",
            ("subdistrict", "community", "street"),
            "TRUE",
            "x_finished IS NOT NULL AND x_round_day <= x_day",
        ),
        FloorIndicator(
            "patrol_findings_mean",
            "council_patrols",
            MEAN,
            "day",
            ("subdistrict", "community", "street"),
            "x_finished IS NOT NULL",
            measure=value_sql("x_findings"),
        ),
        FloorIndicator(
            "convenience_coverage_rate", "convenience_coverage", RATE, "month", sc, "TRUE", "x_covered"
        ),
        FloorIndicator(
            "space_reuse_rate", "spaces", RATE, "vacated_on", sc, "TRUE", f"x_state IN ({reused})"
        ),
        FloorIndicator("spaces_vacated", "spaces", COUNT, "vacated_on", sc, "TRUE"),
    ]
    return sources, indicators


def floor_plan():
    """(sources, indicators) of the floor: every source and indicator the fill computes."""
    from jingzhi.cases import workflow as w

    case_rows = (
        f"FROM (SELECT c.*, dep.code AS department_code, c.{VALID} AS valid FROM cases_case c"
        " LEFT JOIN accounts_department dep ON dep.id = c.lead_department_id) AS c WHERE TRUE"
    )
    sources = [
        FloorSource(
            "cases",
            case_rows,
            {"reported_at": ("reported_at", "datetime"), "handle_deadline": ("handle_deadline", "datetime")},
            {
                "district": "district_code",
                "subdistrict": "subdistrict_code",
                "community": "community_code",
                "grid": "grid_code",
                "street": "street_code",
                "department": "department_code",
            },
        ),
        FloorSource(
            "whistle_summonses",
            "FROM cases_whistlesummons s JOIN cases_whistle w ON w.id = s.whistle_id"
            " JOIN accounts_department dep ON dep.id = s.department_id WHERE TRUE",
            {"whistle__blown_at": ("w.blown_at", "datetime")},
            {"subdistrict": "w.subdistrict_code", "department": "dep.code"},
        ),
    ]
    person = {"case__reported_at": ("c.reported_at", "datetime")}
    for name, kind, rows in (
        ("person_reports", "inspector", _person_rows((w.OPEN,), first_only=True, inspector_only=True)),
        ("person_checks", "inspector", _person_rows((w.CHECK_PASS, w.CHECK_FAIL), first_only=False)),
        ("person_filings", "operator", _person_rows((w.FILE,), first_only=True)),
        ("person_dispatches", "dispatcher", _person_rows((w.DISPATCH,), first_only=True)),
        ("person_feedbacks", "handler", _person_rows((w.FEEDBACK,), first_only=True)),
    ):
        sources.append(FloorSource(name, rows, person, {kind: "e.actor_id::text"}))
    whistles = [
        FloorIndicator(
            "whistle_report_rate",
            "whistle_summonses",
            RATE,
            "whistle__blown_at",
            ("subdistrict", "department"),
            "s.report_deadline IS NOT NULL",
            "s.reported_at <= s.report_deadline",
        ),
        FloorIndicator(
            "whistle_rating",
            "whistle_summonses",
            MEAN,
            "whistle__blown_at",
            ("subdistrict", "department"),
            "s.rating IS NOT NULL",
            measure=value_sql("s.rating"),
        ),
        FloorIndicator(
            "whistle_summonses",
            "whistle_summonses",
            COUNT,
            "whistle__blown_at",
            ("subdistrict", "department"),
            "s.report_deadline IS NOT NULL",
        ),
    ]
    others, other_indicators = _other_sources()
    return sources + others, _case_indicators() + whistles + _person_indicators() + other_indicators


def build_queries(month: str, plan):
    """[(sql, params, steps)] — one GROUP BY per source, period field and unit kind; `steps` say how each
    indicator's figure is read from a row: (code, kind, how, column numbers)."""
    from jingzhi.assessment import rules

    sources, indicators = plan
    first, after = rules.month_bounds(month)
    import datetime as dt

    from django.utils import timezone

    zone = timezone.get_current_timezone()
    start = timezone.make_aware(dt.datetime.combine(first, dt.time.min), zone)
    end = timezone.make_aware(dt.datetime.combine(after, dt.time.min), zone)
    queries = []
    for source in sources:
        mine = [i for i in indicators if i.source == source.name]
        for period, (column, period_kind) in source.periods.items():
            chosen = [i for i in mine if i.period == period]
            kinds = sorted({k for i in chosen for k in i.kinds})
            for kind in kinds:
                unit = source.units[kind]
                at: dict[str, int] = {}  # aggregate SQL -> its column (column 0 is the unit)
                steps = []
                for i in chosen:
                    if kind not in i.kinds:
                        continue
                    if i.how == RATE:
                        cols = (
                            at.setdefault(f"COUNT(*) FILTER (WHERE ({i.where}) AND ({i.hit}))", len(at) + 1),
                            at.setdefault(f"COUNT(*) FILTER (WHERE {i.where})", len(at) + 1),
                        )
                    elif i.how == COUNT:
                        cols = (at.setdefault(f"COUNT(*) FILTER (WHERE {i.where})", len(at) + 1),)
                    else:
                        m = f"({i.measure})"
                        cols = (
                            at.setdefault(f"SUM{m} FILTER (WHERE {i.where})", len(at) + 1),
                            at.setdefault(f"MAX{m} FILTER (WHERE {i.where})", len(at) + 1),
                            at.setdefault(f"COUNT{m} FILTER (WHERE {i.where})", len(at) + 1),
                        )
                    steps.append((i.code, kind, i.how, cols))
                if period_kind == "month_text":
                    bounds, params = f"{column} = %s", [month]
                elif period_kind == "date":
                    bounds, params = f"{column} >= %s AND {column} < %s", [first, after]
                else:
                    bounds, params = f"{column} >= %s AND {column} < %s", [start, end]
                sql = (
                    f"SELECT {unit}, {', '.join(at)} {source.rows} AND {bounds}"
                    f" AND {unit} IS NOT NULL AND {unit} <> '' GROUP BY {unit}"
                )
                queries.append((sql, params, steps))
    return queries


def run(cursor, queries) -> list:
    """The timed part: run every GROUP BY and fetch its rows."""
    results = []
    for sql, params, _steps in queries:
        cursor.execute(sql, params)
        results.append(cursor.fetchall())
    return results


def _q4(x: Decimal) -> Decimal:
    from jingzhi.assessment import rules

    return rules.q4(x)


def figures(queries, results) -> dict:
    """The floor's rows as figures: (indicator, unit kind, unit code) -> (numerator, denominator, value)."""
    out = {}
    for (_sql, _params, steps), rows in zip(queries, results, strict=True):
        for row in rows:
            unit = str(row[0])
            for code, kind, how, cols in steps:
                if how == RATE:
                    n, d = row[cols[0]], row[cols[1]]
                    if d:
                        out[(code, kind, unit)] = (Decimal(n), Decimal(d), _q4(Decimal(n) / Decimal(d)))
                elif how == COUNT:
                    if row[cols[0]]:
                        c = Decimal(row[cols[0]])
                        out[(code, kind, unit)] = (c, c, c)
                else:
                    total, top, count = row[cols[0]], row[cols[1]], row[cols[2]]
                    if not count:
                        continue
                    if how == MEAN:
                        t = Decimal(total).scaleb(-4)
                        out[(code, kind, unit)] = (t, Decimal(count), _q4(t / count))
                    else:
                        t = Decimal(top).scaleb(-4)
                        out[(code, kind, unit)] = (t, Decimal(count), t)
    return out


def check(month: str, queries, results) -> tuple[int, int]:
    """Compare the floor's figures with the stored snapshot of `month`: (figures, mismatches). Also checks
    that the floor covers every indicator and unit kind the registry has."""
    from jingzhi.assessment import registry
    from jingzhi.assessment.models import Figure

    covered = {(code, kind) for _s, _p, steps in queries for code, kind, _h, _c in steps}
    wanted = {(i.code, kind) for i in registry.indicators() for kind in i.unit_kinds}
    assert covered == wanted, f"floor misses {sorted(wanted - covered)}, extra {sorted(covered - wanted)}"
    mine = figures(queries, results)
    stored = {
        (f.indicator, f.unit_kind, f.unit_code): (f.numerator, f.denominator, f.value)
        for f in Figure.objects.filter(month=month).only(
            "indicator", "unit_kind", "unit_code", "numerator", "denominator", "value"
        )
    }
    wrong = sum(1 for key in mine.keys() | stored.keys() if mine.get(key) != stored.get(key))
    return len(mine), wrong
