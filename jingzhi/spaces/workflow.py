"""The life of a vacated space as plain data: states, the transition table, the guards that depend on a
space's facts, and the re-check schedule. PURE: nothing here reads a table.

腾退 → 待利用 → 规划中 → 建设中 → 利用中 is the main path; a re-check that finds the space re-occupied moves it
to 反弹 from any state, and a 反弹 space is cleared again (→ 腾退). Underground space may not be put to use
(利用中) before the safety conditions of its use are recorded. Re-checks are due after a number of WORKING
days that depends on the state and the origin (`RecheckPolicy`, data with defaults here); the calendar
arithmetic is passed in by the caller (`add_working_days`), so this module stays pure.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from django.db.models.enums import TextChoices
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jingzhi.core.text import listing


class State(TextChoices):
    VACATED = "vacated", gettext_lazy("腾退")
    AWAITING = "awaiting", gettext_lazy("待利用")
    PLANNING = "planning", gettext_lazy("规划中")
    BUILDING = "building", gettext_lazy("建设中")
    IN_USE = "in_use", gettext_lazy("利用中")
    REBOUND = "rebound", gettext_lazy("反弹")


class Origin(TextChoices):
    DEMOLITION = "demolition", gettext_lazy("拆违")
    WALL_OPENING = "wall_opening", gettext_lazy("开墙打洞封堵")
    MARKET = "market", gettext_lazy("市场外迁")
    BASEMENT = "basement", gettext_lazy("地下空间清理")
    OTHER = "other", gettext_lazy("其他")


# The 十无 item whose category a 反弹 case is filed under, by origin (the responsibility list routes it).
REBOUND_ITEM = {
    Origin.DEMOLITION: "illegal_construction",
    Origin.WALL_OPENING: "wall_openings",
    Origin.MARKET: "illegal_business",
    Origin.BASEMENT: "illegal_business",
    Origin.OTHER: "illegal_construction",
}

# (from, to) pairs a person may take by hand. → 反弹 is not here: only a re-check records it.
TRANSITIONS: frozenset[tuple[str, str]] = frozenset(
    {
        (State.VACATED, State.AWAITING),
        (State.AWAITING, State.PLANNING),
        (State.PLANNING, State.AWAITING),
        (State.PLANNING, State.BUILDING),
        (State.BUILDING, State.PLANNING),
        (State.BUILDING, State.IN_USE),
        (State.IN_USE, State.PLANNING),
        (State.REBOUND, State.VACATED),
    }
)
# A re-check that finds the space re-occupied moves it here from any other state.
REBOUND_FROM = frozenset(s for s in State.values if s != State.REBOUND)
# States whose planned use must be set.
NEEDS_PLANNED_USE = frozenset({State.PLANNING, State.BUILDING, State.IN_USE})
# Counted as reused in the reuse rate.
REUSED = frozenset({State.IN_USE})


def allowed_targets(state: str) -> list[str]:
    """The states a person may move a space to from `state`, in the table's order of states."""
    return [to for to in State.values if (state, to) in TRANSITIONS]


@dataclass(frozen=True)
class Refusal:
    """Why a transition is refused: a stable code, a Chinese message and the states allowed now."""

    code: str
    message: str
    allowed: tuple[str, ...] = ()


def label(state: str) -> str:
    try:
        return str(State(state).label)
    except ValueError:
        return state


def transition_problem(
    state: str,
    target: str,
    *,
    underground: bool,
    safety_recorded: bool,
    planned_use: bool,
    actual_use: bool,
) -> Refusal | None:
    """None when `state → target` may be taken for a space with these facts; the reason otherwise."""
    allowed = tuple(allowed_targets(state))
    if target not in State.values:
        return Refusal(
            "unknown_state",
            _("状态“%(target)s”不存在。可选：%(states)s")
            % {"target": target, "states": listing(label(s) for s in State.values)},
            allowed,
        )
    if (state, target) not in TRANSITIONS:
        if target == State.REBOUND:
            message = _("“反弹”只能由复查记录产生，请录入一次复查。")
        elif allowed:
            message = _("不能从“%(from)s”改为“%(to)s”。当前可改为：%(allowed)s") % {
                "from": label(state),
                "to": label(target),
                "allowed": listing(label(s) for s in allowed),
            }
        else:
            message = _("“%(from)s”状态下不能手动改变状态。") % {"from": label(state)}
        return Refusal("transition_not_allowed", message, allowed)
    if target in NEEDS_PLANNED_USE and not planned_use:
        return Refusal("use_required", _("进入“%(to)s”前须先填写规划用途。") % {"to": label(target)}, allowed)
    if target == State.IN_USE and not actual_use:
        return Refusal("use_required", _("进入“利用中”须填写实际用途。"), allowed)
    if target == State.IN_USE and underground and not safety_recorded:
        return Refusal(
            "safety_required",
            _("地下空间投入使用（利用中）前，须先登记其用途的安全条件（消防、通风、疏散等）。"),
            allowed,
        )
    return None


# ------------------------------------------------------------------------------------------- re-check plan
# Working days between re-checks by state; a rule for (state, origin) beats one for the state alone.
# Fresh and idle space slides back most easily, so it is looked at most often; space in use least.
DEFAULT_RECHECK_DAYS: Mapping[str, int] = {
    State.VACATED: 10,
    State.AWAITING: 20,
    State.PLANNING: 20,
    State.BUILDING: 40,
    State.IN_USE: 60,
    State.REBOUND: 5,
}
DEFAULT_RECHECK_BY_ORIGIN: Mapping[tuple[str, str], int] = {
    # 开墙打洞 reopens fastest (a door is cut in a day); underground space is hardest to see from outside.
    (State.VACATED, Origin.WALL_OPENING): 5,
    (State.AWAITING, Origin.WALL_OPENING): 10,
    (State.AWAITING, Origin.BASEMENT): 10,
}


def recheck_days(state: str, origin: str, rules: Iterable[tuple[str, str, int]] = ()) -> int:
    """Working days until the next re-check for a space in `state` from `origin`. `rules` are configured
    (state, origin or "", days) rows; the most specific wins, then the defaults above."""
    by_pair = {(s, o): d for s, o, d in rules}
    for key in ((state, origin), (state, "")):
        if key in by_pair:
            return int(by_pair[key])
    if (state, origin) in DEFAULT_RECHECK_BY_ORIGIN:
        return DEFAULT_RECHECK_BY_ORIGIN[(state, origin)]
    return DEFAULT_RECHECK_DAYS.get(state, 20)


def next_recheck(
    last: date, state: str, origin: str, add_working_days: Callable[[date, int], date], rules=()
) -> date:
    """The day the next re-check falls due, counted on the working calendar from `last`."""
    return add_working_days(last, recheck_days(state, origin, rules))


def is_overdue(due: date | None, today: date) -> bool:
    return due is not None and due < today


def reuse_rate(area_by_state: Mapping[str, float]) -> float | None:
    """Share of registered area in use (0–1); None when nothing is registered."""
    total = sum(area_by_state.values())
    if total <= 0:
        return None
    return sum(v for s, v in area_by_state.items() if s in REUSED) / total


def diagram_edges() -> list[tuple[str, str, str]]:
    """(from label, to label, kind) for drawing the table: 'hand' for a person's change, 'recheck' for 反弹."""
    edges = [(label(a), label(b), "hand") for a, b in sorted(TRANSITIONS)]
    edges += [(label(s), label(State.REBOUND), "recheck") for s in State.values if s in REBOUND_FROM]
    return edges
