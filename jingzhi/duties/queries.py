"""Reads of the responsibility list: rules for the admin and exports, and the coverage report.

The coverage report loads every rule once and evaluates the pure engine in memory for each active leaf
category × each subdistrict of the active boundary generation; conflicts are pairs of active rules with the
same category and scope whose validity overlaps but whose departments (or lead) differ — exactly the pairs
on which `routing.decide` would raise `RoutingConflict`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from itertools import combinations

from django.utils.translation import gettext as _

from jingzhi.duties import loader, rules
from jingzhi.duties.routing import Place, RuleRecord, RuleSet, department_names


@dataclass(frozen=True)
class CoverageGap:
    category_id: int
    category_code: str
    category_kind: str
    category_name: str
    subdistrict_code: str
    subdistrict_name: str
    finer_rules: int  # rules for a community/street/grid inside: the subdistrict is only partly covered

    def __str__(self) -> str:
        text = _("%(kind)s %(code)s %(name)s × %(sub)s（%(sc)s）无适用规则") % {
            "kind": self.category_kind,
            "code": self.category_code,
            "name": self.category_name,
            "sub": self.subdistrict_name,
            "sc": self.subdistrict_code,
        }
        if self.finer_rules:
            text += _("（仅有 %(n)d 条社区/街巷/网格级规则）") % {"n": self.finer_rules}
        return text


@dataclass(frozen=True)
class RuleConflict:
    first: RuleRecord
    second: RuleRecord

    def __str__(self) -> str:
        return _("%(a)s → %(da)s 与 %(b)s → %(db)s 冲突") % {
            "a": self.first.label,
            "da": department_names(self.first.departments, self.first.lead_id),
            "b": self.second.label,
            "db": department_names(self.second.departments, self.second.lead_id),
        }


@dataclass
class CoverageReport:
    on: date
    district_code: str | None
    categories: int
    subdistricts: list[tuple[str, str]]
    gaps: list[CoverageGap] = field(default_factory=list)
    conflicts: list[RuleConflict] = field(default_factory=list)
    recorded_gaps: list = field(default_factory=list)

    @property
    def cells(self) -> int:
        return self.categories * len(self.subdistricts)

    def as_lines(self) -> list[str]:
        lines = [
            _("职责覆盖报告（%(on)s%(d)s）：%(c)d 个末级分类 × %(s)d 个街道，空白 %(g)d 处，冲突 %(k)d 对")
            % {
                "on": self.on,
                "d": f"，{self.district_code}" if self.district_code else "",
                "c": self.categories,
                "s": len(self.subdistricts),
                "g": len(self.gaps),
                "k": len(self.conflicts),
            }
        ]
        if self.conflicts:
            lines.append(_("冲突："))
            lines.extend(f"  {conflict}" for conflict in self.conflicts)
        if self.gaps:
            lines.append(_("空白："))
            lines.extend(f"  {gap}" for gap in self.gaps)
        if self.recorded_gaps:
            lines.append(_("已发生的兜底派遣："))
            lines.extend(
                _("  %(cat)s @ %(place)s：%(n)d 次，最近 %(at)s")
                % {
                    "cat": g.category.name,
                    "place": g.place_code or "-",
                    "n": g.count,
                    "at": g.last_seen.strftime("%Y-%m-%d %H:%M"),
                }
                for g in self.recorded_gaps
            )
        return lines


def _in_district(record: RuleRecord, district_code: str | None) -> bool:
    if not district_code or record.scope_kind == rules.EVERYWHERE:
        return True
    return record.scope_code.startswith(district_code)


def conflicts_in(records, *, on: date | None = None, district_code: str | None = None) -> list[RuleConflict]:
    """Pairs of active, not yet expired rules that tie on specificity everywhere both apply and disagree."""
    groups: dict[tuple, list[RuleRecord]] = {}
    for record in records:
        if not record.is_active or (on and record.valid_to and record.valid_to < on):
            continue
        if not _in_district(record, district_code):
            continue
        groups.setdefault((record.category_id, record.scope_kind, record.scope_code), []).append(record)
    found = []
    for group in groups.values():
        for a, b in combinations(sorted(group, key=lambda r: r.id), 2):
            if a.department_key != b.department_key and rules.periods_overlap(
                a.valid_from, a.valid_to, b.valid_from, b.valid_to
            ):
                found.append(RuleConflict(a, b))
    return found


def coverage_report(district_code: str | None = None, *, on: date | None = None) -> CoverageReport:
    from jingzhi.duties.models import DutyRule, RoutingGap
    from jingzhi.geo.models import Subdistrict
    from jingzhi.taxonomy.models import Category

    on = on or loader.today()
    subdistricts = Subdistrict.objects.filter(generation__is_active=True)
    if district_code:
        subdistricts = subdistricts.filter(code__startswith=district_code)
    subdistricts = list(subdistricts.order_by("code").values_list("code", "name"))
    categories = list(
        Category.objects.filter(is_active=True).values_list("id", "parent_id", "kind", "code", "name")
    )
    parents_with_active_children = {parent for _pk, parent, *_rest in categories if parent}
    leaves = [row for row in categories if row[0] not in parents_with_active_children]
    refs = loader.category_refs()
    records = loader.load_records(DutyRule.objects.filter(is_active=True))
    ruleset = RuleSet(records)
    kind_labels = dict(Category._meta.get_field("kind").choices)

    gaps = []
    for pk, _parent, kind, code, name in sorted(leaves, key=lambda row: (row[2], row[3])):
        ref = refs[pk]
        candidates = [r for cid in ref.chain for r in ruleset.by_category.get(cid, ()) if r.valid_on(on)]
        for sub_code, sub_name in subdistricts:
            if ruleset.applicable(ref, Place(subdistrict=sub_code), on=on):
                continue
            finer = sum(
                1
                for r in candidates
                if r.scope_rank > rules.SCOPE_RANK[rules.SUBDISTRICT] and r.scope_code.startswith(sub_code)
            )
            gaps.append(
                CoverageGap(pk, code, str(kind_labels.get(kind, kind)), name, sub_code, sub_name, finer)
            )

    recorded = RoutingGap.objects.select_related("category").order_by("-count", "-last_seen")
    if district_code:
        recorded = recorded.filter(place_code__startswith=district_code)
    return CoverageReport(
        on=on,
        district_code=district_code,
        categories=len(leaves),
        subdistricts=subdistricts,
        gaps=gaps,
        conflicts=conflicts_in(records, on=on, district_code=district_code),
        recorded_gaps=list(recorded[:50]),
    )


def rules_for_export():
    """Every rule with its category and departments, for the Excel export and the admin."""
    from jingzhi.duties.models import DutyRule

    return (
        DutyRule.objects.select_related("category")
        .prefetch_related("assignments__department")
        .order_by("category__kind", "category__code", "id")
    )


def route_reasons(category, place, *, on: date | None = None) -> dict[str, str]:
    """The routing reason for a case of `category` at `place` in each interface language: stored with an
    automatic dispatch, so the case page shows it in the reader's language (`core.text.in_reader_language`)."""
    from jingzhi.core.text import in_each_language

    return in_each_language(lambda: loader.route(category, place, on=on).reason)
