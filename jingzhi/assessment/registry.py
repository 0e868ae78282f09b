"""The indicator registry: which record sources exist, and which indicators are computed over them.

A *source* is one kind of record another app owns (cases, whistle summonses, 十无 inspections, …): how to
read all of it for the fill, how to read the part a given person may see (for "explain"), which field places
a record in a month, which fields name its units (subdistrict, department, street …), and how to show one
record in a drill-down list. An *indicator* (`rules.Indicator`) is pure data over a source.

Each feature app's indicators live in one module, `jingzhi/assessment/sources/<app label>.py`, that calls
`register(source, indicators)` at import; `AssessmentConfig.ready()` imports the module of every installed
app that has one. The modules sit inside assessment (not in the feature apps) because of the import
direction: assessment reads the feature apps, never the other way round, so a feature app cannot import
this registry. Adding an app's indicators is one new file here and nothing else (docs/assessment.md).
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from jingzhi.assessment.rules import Indicator

DATETIME, DATE, MONTH_TEXT = "datetime", "date", "month_text"


@dataclass(frozen=True)
class Source:
    """`rows()` — every record (a QuerySet, unscoped: the scoreboard counts everything); `visible(user)` —
    the records `user` may open (the owning app's scoped query); `unit_fields` — unit kind → field path;
    `period_kinds` — period field → DATETIME, DATE or MONTH_TEXT; `describe(record)` → {"ref", "title",
    "subtitle", "link": (url name, args) or None} for the drill-down list; `prefetch(qs)` pre-joins what
    `describe` reads."""

    name: str
    label: Any
    rows: Callable[[], Any]
    visible: Callable[[Any], Any]
    unit_fields: dict[str, str]
    period_kinds: dict[str, str]
    describe: Callable[[Any], dict]
    prefetch: Callable[[Any], Any] = field(default=lambda qs: qs)
    app_label: str = ""
    # Called with the month before the fill computes it, for a source whose records are a snapshot its app
    # takes on demand (便民 coverage): the app brings the month's records up to date. None: nothing to do.
    prepare: Callable[[str], None] | None = None
    # Unit kinds nested in one another, coarsest first (a grid lies in one community, a community in one
    # subdistrict …): each tuple is counted by ONE GROUP BY over all its kinds' fields and added up level
    # by level (counts and sums add, maxima take the max): one scan of the month for several kinds. Exact
    # for any codes; worth it when the combined groups are about as many as the finest kind's. Kinds not
    # named: one GROUP BY each.
    rollup: tuple[tuple[str, ...], ...] = ()


_sources: dict[str, Source] = {}
_indicators: dict[str, Indicator] = {}


def register(source: Source, indicators: Iterable[Indicator]) -> None:
    """Add a source and its indicators (idempotent for the same names; a clash of codes is an error)."""
    _sources[source.name] = source
    for indicator in indicators:
        known = _indicators.get(indicator.code)
        if known is not None and known.source != indicator.source:
            raise ValueError(
                f"indicator code {indicator.code!r} is used by {known.source} and {indicator.source}"
            )
        if indicator.source != source.name:
            raise ValueError(
                f"indicator {indicator.code!r} names source {indicator.source!r}, not {source.name!r}"
            )
        if indicator.period_field not in source.period_kinds:
            raise ValueError(
                f"indicator {indicator.code!r}: {indicator.period_field!r} is not a period field"
            )
        missing = set(indicator.unit_kinds) - set(source.unit_fields)
        if missing:
            raise ValueError(f"indicator {indicator.code!r}: source has no unit field for {sorted(missing)}")
        _indicators[indicator.code] = indicator


def discover(app_labels: Iterable[str]) -> list[str]:
    """Import `jingzhi.assessment.sources.<label>` for each installed app that has one; the labels found."""
    found = []
    for label in app_labels:
        module = f"jingzhi.assessment.sources.{label}"
        if importlib.util.find_spec(module) is not None:
            importlib.import_module(module)
            found.append(label)
    return found


def prepare(month: str) -> None:
    """Let every source that keeps month snapshots bring `month`'s up to date (before a fill)."""
    for src in _sources.values():
        if src.prepare is not None:
            src.prepare(month)


def sources() -> list[Source]:
    return list(_sources.values())


def source(name: str) -> Source:
    return _sources[name]


def indicators() -> list[Indicator]:
    return sorted(_indicators.values(), key=lambda i: (i.order, i.code))


def indicator(code: str) -> Indicator | None:
    return _indicators.get(code)


def indicators_for(unit_kind: str) -> list[Indicator]:
    return [i for i in indicators() if unit_kind in i.unit_kinds]


def unit_kinds() -> list[str]:
    from jingzhi.assessment.rules import UNIT_KINDS

    used = {kind for i in _indicators.values() for kind in i.unit_kinds}
    return [kind for kind in UNIT_KINDS if kind in used]


def applies_to() -> dict[str, tuple[str, ...]]:
    """indicator code → the unit kinds it applies to (for checking weight sets)."""
    return {code: i.unit_kinds for code, i in _indicators.items()}


def directions() -> dict[str, str]:
    return {code: i.direction for code, i in _indicators.items()}
