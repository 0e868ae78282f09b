"""The routing rule engine: which department handles a case of this category at this place, and why.

This module is pure. `decide()` takes plain records (`RuleRecord`, `CategoryRef`, `Place`) and returns a
`RouteDecision`; it never touches the database, so it is tested with hand-made records and can be evaluated
thousands of times in memory (the coverage report does). `jingzhi.duties.loader` turns the tables into
those records (and caches them); `loader.route()` is the convenience that loads and decides.

Specificity. Of the rules that apply, the most specific wins, compared **place first, then category**:
scope rank (grid > street > community > subdistrict > district > everywhere), then the depth of the rule's
category (a rule for 上水井盖 beats one for its 大类 公用设施). Place comes first because a local rule is a
deliberate exception made by the people who run that place (属地管理), while a category rule is the
general list; see docs/duties.md for the worked example. Equally specific rules that name the same
departments agree (the lowest id is reported); naming different departments is a `RoutingConflict`.
With no rule at all the district government's fallback department takes the case (兜底) and the decision
says `fallback=True` so the caller records the gap (`actions.do_record_routing_gap`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date

from django.utils.translation import gettext as _

from jingzhi.core.ids import is_code
from jingzhi.core.text import listing
from jingzhi.duties.exceptions import RoutingConflict
from jingzhi.duties.rules import (
    COMMUNITY,
    DISTRICT,
    EVERYWHERE,
    GRID,
    SCOPE_LABELS,
    SCOPE_RANK,
    STREET,
    SUBDISTRICT,
)


@dataclass(frozen=True)
class DepartmentRef:
    id: int
    code: str
    name: str

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class CategoryRef:
    """A category and its ancestry: `chain` is the category's id, then its parent's, up to the 大类."""

    id: int
    name: str
    chain: tuple[int, ...]

    @property
    def depth(self) -> int:
        return len(self.chain)


@dataclass(frozen=True)
class Place:
    """Where a case is, as codes; any may be None. A finer code implies the coarser ones (a grid code
    starts with its community's, a street code with its subdistrict's), so a caller may pass only what it
    knows. `label` is a human name for messages (the grid's, say)."""

    grid: str | None = None
    community: str | None = None
    subdistrict: str | None = None
    district: str | None = None
    street: str | None = None
    label: str = ""

    @classmethod
    def of(cls, value: object) -> Place:
        """A Place from a Place, a code string, a dict of codes (or of `{"code", "name"}` dicts) or anything
        with grid/community/subdistrict/district/street attributes — such as `geo.locate`'s Location."""
        if isinstance(value, Place):
            return value
        if value is None:
            return cls()
        if isinstance(value, str):
            return cls.from_code(value)
        get = (
            value.get if isinstance(value, dict) else (lambda key, default=None: getattr(value, key, default))
        )
        codes, label = {}, ""
        for level in (GRID, STREET, COMMUNITY, SUBDISTRICT, DISTRICT):
            item = get(level, None)
            if isinstance(item, dict):
                code = item.get("code")
                label = label or item.get("name") or ""
            else:
                code = getattr(item, "code", item)
                if item is not None and not isinstance(item, str):
                    label = label or getattr(item, "name", "")
            codes[level] = str(code).strip() if code not in (None, "") else None
        return cls(label=get("label", "") or label, **codes)

    @classmethod
    def from_code(cls, code: str) -> Place:
        """A Place from one code, its level told by its shape."""
        code = (code or "").strip()
        if not code:
            return cls()
        if not is_code(code):
            return cls(street=code)
        level = {6: DISTRICT, 9: SUBDISTRICT, 12: COMMUNITY, 15: GRID}.get(len(code))
        if level is None:
            raise ValueError(f"not a place code: {code!r}")
        return cls(**{level: code})

    def code_at(self, level: str) -> str | None:
        """This place's code at `level`, derived from a finer code when not given."""
        if level == EVERYWHERE:
            return ""
        explicit: str | None = getattr(self, level)
        if level in (GRID, STREET):
            return explicit
        if explicit:
            return explicit
        width = {DISTRICT: 6, SUBDISTRICT: 9, COMMUNITY: 12}[level]
        finer = [self.grid, self.community, self.subdistrict] if level != COMMUNITY else [self.grid]
        if level != COMMUNITY:
            finer.append(self.street)
        for code in finer:
            if code and len(code) > width and is_code(code[:width]):
                return code[:width]
        return None

    @property
    def most_specific_code(self) -> str:
        for level in (GRID, STREET, COMMUNITY, SUBDISTRICT, DISTRICT):
            code = self.code_at(level)
            if code:
                return code
        return ""

    def __str__(self) -> str:
        return self.label or self.most_specific_code or _("未知地点")


@dataclass(frozen=True)
class RuleRecord:
    """One DutyRule as plain data. `departments` lists the lead first."""

    id: int
    category_id: int
    category_name: str
    scope_kind: str
    scope_code: str
    departments: tuple[DepartmentRef, ...]
    lead_id: int | None
    exact_only: bool = False
    scope_label: str = ""
    is_active: bool = True
    valid_from: date | None = None
    valid_to: date | None = None
    basis: str = ""

    @property
    def scope_rank(self) -> int:
        return SCOPE_RANK[self.scope_kind]

    @property
    def lead(self) -> DepartmentRef | None:
        return next((d for d in self.departments if d.id == self.lead_id), None)

    @property
    def department_key(self) -> tuple[int | None, frozenset[int]]:
        return self.lead_id, frozenset(d.id for d in self.departments)

    def valid_on(self, day: date | None) -> bool:
        if not self.is_active:
            return False
        if day is None:
            return True
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_to is None or day <= self.valid_to
        )

    def covers(self, place: Place) -> bool:
        if self.scope_kind == EVERYWHERE:
            return True
        return place.code_at(self.scope_kind) == self.scope_code

    @property
    def where(self) -> str:
        if self.scope_kind == EVERYWHERE:
            return _(SCOPE_LABELS[EVERYWHERE])
        return self.scope_label or f"{_(SCOPE_LABELS[self.scope_kind])} {self.scope_code}"

    @property
    def label(self) -> str:
        """ "规则 #17（公用设施，西长安街街道）"."""
        return _("规则 #%(id)s（%(category)s，%(where)s）") % {
            "id": self.id,
            "category": self.category_name,
            "where": self.where,
        }


class RuleSet:
    """Rules indexed by category id, for fast repeated decisions."""

    def __init__(self, rules: Iterable[RuleRecord]):
        self.rules = tuple(rules)
        self.by_category: dict[int, list[RuleRecord]] = defaultdict(list)
        for rule in self.rules:
            self.by_category[rule.category_id].append(rule)

    def __len__(self) -> int:
        return len(self.rules)

    def applicable(
        self, category: CategoryRef, place: Place, *, on: date | None
    ) -> list[tuple[RuleRecord, tuple]]:
        """[(rule, specificity)] of every rule that applies, most specific first (then lowest id)."""
        found = []
        for index, category_id in enumerate(category.chain):
            for rule in self.by_category.get(category_id, ()):
                if index > 0 and rule.exact_only:
                    continue
                if not rule.valid_on(on) or not rule.covers(place):
                    continue
                depth = len(category.chain) - index  # the 大类 has depth 1
                found.append((rule, (rule.scope_rank, depth)))
        found.sort(key=lambda pair: (-pair[1][0], -pair[1][1], pair[0].id))
        return found


@dataclass(frozen=True)
class BeatenRule:
    rule: RuleRecord
    why: str


@dataclass(frozen=True)
class RouteDecision:
    departments: tuple[DepartmentRef, ...]
    lead: DepartmentRef | None
    rule: RuleRecord | None
    reason: str
    beaten_rules: tuple[BeatenRule, ...] = field(default_factory=tuple)
    fallback: bool = False

    @property
    def department_ids(self) -> list[int]:
        return [d.id for d in self.departments]

    def as_dict(self) -> dict:
        """A JSON-ready summary a case can store beside its dispatch (the reason stays readable later)."""
        return {
            "departments": [{"id": d.id, "code": d.code, "name": d.name} for d in self.departments],
            "lead": self.lead.id if self.lead else None,
            "rule": self.rule.id if self.rule else None,
            "beaten_rules": [{"rule": b.rule.id, "why": b.why} for b in self.beaten_rules],
            "fallback": self.fallback,
            "reason": self.reason,
        }


def department_names(departments: tuple[DepartmentRef, ...], lead_id: int | None) -> str:
    if len(departments) == 1:
        return departments[0].name
    return listing(d.name + (_("（牵头）") if d.id == lead_id else "") for d in departments)


def _why_beaten(winner: tuple, loser: tuple) -> str:
    if winner == loser:
        return _("与之相同，取编号较小者")
    if winner[0] > loser[0]:
        return _("范围更具体")
    return _("分类更具体")


def decide(
    category: CategoryRef,
    place: Place,
    rules: RuleSet,
    *,
    on: date | None,
    fallback: DepartmentRef | Callable[[], DepartmentRef | None] | None,
) -> RouteDecision:
    """The departments for a case of `category` at `place` on day `on`, with the reason. Pure.
    `fallback` is the 兜底 department, or a function giving it, asked only when no rule applies."""
    place = Place.of(place)
    applicable = rules.applicable(category, place, on=on)
    if not applicable:
        if callable(fallback):
            fallback = fallback()
        if fallback is None:
            reason = _("无适用规则（%(category)s，%(place)s），且未配置兜底单位，请人工派遣") % {
                "category": category.name,
                "place": place,
            }
            return RouteDecision(departments=(), lead=None, rule=None, reason=reason, fallback=True)
        reason = _("%(dept)s — 无适用规则（%(category)s，%(place)s），由%(dept)s兜底") % {
            "dept": fallback.name,
            "category": category.name,
            "place": place,
        }
        return RouteDecision(departments=(fallback,), lead=fallback, rule=None, reason=reason, fallback=True)

    best_key = applicable[0][1]
    tied = [rule for rule, key in applicable if key == best_key]
    if len({rule.department_key for rule in tied}) > 1:
        listing = "；".join(
            _("%(rule)s → %(depts)s")
            % {"rule": rule.label, "depts": department_names(rule.departments, rule.lead_id)}
            for rule in tied
        )
        raise RoutingConflict(
            _(
                "职责规则冲突：分类“%(category)s”在%(place)s有 %(n)d 条同样具体的规则指向不同部门：%(list)s。"
                "请人工派遣，并在职责清单中修正。"
            )
            % {"category": category.name, "place": place, "n": len(tied), "list": listing},
            rules=tied,
        )
    winner = applicable[0][0]
    beaten = tuple(BeatenRule(rule, _why_beaten(best_key, key)) for rule, key in applicable[1:])
    who = department_names(winner.departments, winner.lead_id)
    if beaten:
        others = "；".join(_("%(rule)s：%(why)s") % {"rule": b.rule.label, "why": b.why} for b in beaten)
        reason = _("%(who)s — %(winner)s优先于%(others)s") % {
            "who": who,
            "winner": winner.label,
            "others": others,
        }
    else:
        reason = _("%(who)s — 按%(winner)s，无其他适用规则") % {"who": who, "winner": winner.label}
    return RouteDecision(
        departments=winner.departments,
        lead=winner.lead,
        rule=winner,
        reason=reason,
        beaten_rules=beaten,
        fallback=False,
    )
