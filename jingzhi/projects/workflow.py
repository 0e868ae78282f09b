"""民意立项 as plain data: the three project types, their states and one transition table, the rules frozen
when a vote opens, and the arithmetic that decides a project (channel dedup, tallies, thresholds, tie-breaks,
co-applicant thresholds, case patterns, satisfaction). PURE: no table is read here.

`TRANSITIONS[(state, action)]` says where an action leads, which kinds of actor may take it ("office": the
staff of the subdistrict or district whose scope the project is in; "resident": a household on the project's
register; "system": the platform itself) and for which project types. Facts that are not states (the
co-applicant threshold, an unanswered objection, the publicity period) are guards in `guard_problem()`.
`diagram_svg()` draws the same table as the public 民意立项路线图, so the picture cannot drift from the code.

Proportions are exact `Fraction`s: "≥ 2/3 of votes cast" is compared without floating point, and a
proportion exactly at its threshold meets it (the tie-break the handbook's "达到" reads as).
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jingzhi.core.text import listing

# ------------------------------------------------------------------------------------------------ types
SOLICIT = "solicit"
DECLARE = "declare"
DRIVEN = "driven"
TYPE_LABELS = {
    SOLICIT: gettext_lazy("民意征求型"),
    DECLARE: gettext_lazy("民需申报型"),
    DRIVEN: gettext_lazy("民情推动型"),
}
TYPES = tuple(TYPE_LABELS)

# ------------------------------------------------------------------------------------------------ states
DRAFT = "draft"
DECLARED = "declared"
PENDING_ACCEPTANCE = "pending_acceptance"
PROPOSED = "proposed"
DISMISSED = "dismissed"
DELIBERATION = "deliberation"
VOTING = "voting"
PUBLICITY = "publicity"
APPROVED = "approved"
REJECTED = "rejected"
DELIVERING = "delivering"
ACCEPTED = "accepted"
CLOSED = "closed"

STATE_LABELS = {
    DRAFT: gettext_lazy("草拟"),
    DECLARED: gettext_lazy("联署征集中"),
    PENDING_ACCEPTANCE: gettext_lazy("待受理"),
    PROPOSED: gettext_lazy("系统提议"),
    DISMISSED: gettext_lazy("不予受理"),
    DELIBERATION: gettext_lazy("议事协商"),
    VOTING: gettext_lazy("表决中"),
    PUBLICITY: gettext_lazy("公示中"),
    APPROVED: gettext_lazy("已立项"),
    REJECTED: gettext_lazy("未立项"),
    DELIVERING: gettext_lazy("实施中"),
    ACCEPTED: gettext_lazy("已验收"),
    CLOSED: gettext_lazy("已办结"),
}
STATES = tuple(STATE_LABELS)
TERMINAL = frozenset({DISMISSED, REJECTED, CLOSED})
# Before these a project is the office's working paper: not on public pages.
UNPUBLISHED = frozenset({DRAFT, PROPOSED})
START = {SOLICIT: DRAFT, DECLARE: DECLARED, DRIVEN: PROPOSED}

# ------------------------------------------------------------------------------------------------ actions
SUBMIT = "submit"
COSIGN = "cosign"
REACH_THRESHOLD = "reach_threshold"
ACCEPT = "accept"
REFUSE = "refuse"
ADOPT = "adopt"
DISMISS = "dismiss"
HOLD_MEETING = "hold_meeting"
OPEN_VOTE = "open_vote"
BALLOT = "ballot"
NEW_ROUND = "new_round"
CLOSE_VOTE_PASS = "close_vote_pass"
CLOSE_VOTE_FAIL = "close_vote_fail"
OBJECT = "object"
ANSWER = "answer"
REVOTE = "revote"
APPROVE = "approve"
REJECT = "reject"
START_DELIVERY = "start_delivery"
MILESTONE = "milestone"
ACCEPT_DELIVERY = "accept_delivery"
RATE = "rate"
CLOSE = "close"

ACTION_LABELS = {
    SUBMIT: gettext_lazy("提交征求"),
    COSIGN: gettext_lazy("联署"),
    REACH_THRESHOLD: gettext_lazy("联署达到比例"),
    ACCEPT: gettext_lazy("受理"),
    REFUSE: gettext_lazy("不予受理"),
    ADOPT: gettext_lazy("采纳"),
    DISMISS: gettext_lazy("驳回"),
    HOLD_MEETING: gettext_lazy("召开议事协商会"),
    OPEN_VOTE: gettext_lazy("开启表决"),
    BALLOT: gettext_lazy("投票"),
    NEW_ROUND: gettext_lazy("改规则重新表决"),
    CLOSE_VOTE_PASS: gettext_lazy("表决通过"),
    CLOSE_VOTE_FAIL: gettext_lazy("表决未通过"),
    OBJECT: gettext_lazy("提出异议"),
    ANSWER: gettext_lazy("答复异议"),
    REVOTE: gettext_lazy("重新表决"),
    APPROVE: gettext_lazy("立项"),
    REJECT: gettext_lazy("不予立项"),
    START_DELIVERY: gettext_lazy("开始实施"),
    MILESTONE: gettext_lazy("记录进度"),
    ACCEPT_DELIVERY: gettext_lazy("验收"),
    RATE: gettext_lazy("满意度评价"),
    CLOSE: gettext_lazy("办结"),
}

OFFICE = "office"
RESIDENT = "resident"
SYSTEM = "system"
ACTOR_LABELS = {
    OFFICE: gettext_lazy("街道/区"),
    RESIDENT: gettext_lazy("居民"),
    SYSTEM: gettext_lazy("系统"),
}


@dataclass(frozen=True)
class Transition:
    to: str
    actors: frozenset[str]
    types: frozenset[str] = frozenset(TYPES)


def _t(to: str, *actors: str, types: Iterable[str] = TYPES) -> Transition:
    return Transition(to, frozenset(actors), frozenset(types))


TRANSITIONS: dict[tuple[str, str], Transition] = {
    # 民意征求型: the office drafts and consults.
    (DRAFT, SUBMIT): _t(DELIBERATION, OFFICE, types=[SOLICIT]),
    # 民需申报型: residents co-sign; enough co-applicants put it before the office.
    (DECLARED, COSIGN): _t(DECLARED, RESIDENT, types=[DECLARE]),
    (DECLARED, REACH_THRESHOLD): _t(PENDING_ACCEPTANCE, SYSTEM, types=[DECLARE]),
    (PENDING_ACCEPTANCE, ACCEPT): _t(DELIBERATION, OFFICE, types=[DECLARE]),
    (PENDING_ACCEPTANCE, REFUSE): _t(DISMISSED, OFFICE, types=[DECLARE]),
    # 民情推动型: the system proposes from cases; staff adopt or dismiss.
    (PROPOSED, ADOPT): _t(DELIBERATION, OFFICE, types=[DRIVEN]),
    (PROPOSED, DISMISS): _t(DISMISSED, OFFICE, types=[DRIVEN]),
    # All types continue alike.
    (DELIBERATION, HOLD_MEETING): _t(DELIBERATION, OFFICE),
    (DELIBERATION, OPEN_VOTE): _t(VOTING, OFFICE),
    (VOTING, BALLOT): _t(VOTING, RESIDENT, OFFICE),
    (VOTING, NEW_ROUND): _t(VOTING, OFFICE),
    (VOTING, CLOSE_VOTE_PASS): _t(PUBLICITY, OFFICE, SYSTEM),
    (VOTING, CLOSE_VOTE_FAIL): _t(REJECTED, OFFICE, SYSTEM),
    (PUBLICITY, OBJECT): _t(PUBLICITY, RESIDENT),
    (PUBLICITY, ANSWER): _t(PUBLICITY, OFFICE),
    (PUBLICITY, REVOTE): _t(VOTING, OFFICE),
    (PUBLICITY, APPROVE): _t(APPROVED, OFFICE),
    (PUBLICITY, REJECT): _t(REJECTED, OFFICE),
    (APPROVED, START_DELIVERY): _t(DELIVERING, OFFICE),
    (DELIVERING, MILESTONE): _t(DELIVERING, OFFICE),
    (DELIVERING, ACCEPT_DELIVERY): _t(ACCEPTED, OFFICE),
    (ACCEPTED, RATE): _t(ACCEPTED, RESIDENT),
    (ACCEPTED, CLOSE): _t(CLOSED, OFFICE),
}


def state_label(state: str) -> str:
    return str(STATE_LABELS.get(state, state))


def action_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))


def type_label(kind: str) -> str:
    return str(TYPE_LABELS.get(kind, kind))


def transition(project_type: str, state: str, action: str) -> Transition | None:
    """The transition `action` takes from `state` for a project of `project_type`, or None."""
    t = TRANSITIONS.get((state, action))
    return t if t is not None and project_type in t.types else None


def allowed_actions(project_type: str, state: str, actors: Iterable[str]) -> list[str]:
    """The actions any of `actors` may take now, in table order."""
    held = set(actors)
    return [
        action
        for (s, action), t in TRANSITIONS.items()
        if s == state and project_type in t.types and t.actors & held
    ]


def path_of(project_type: str) -> list[str]:
    """The main path of a type, start to 已办结 (what the flowchart's column shows)."""
    return [START[project_type], *_TYPE_LEAD[project_type], *MAIN_PATH]


_TYPE_LEAD = {SOLICIT: [], DECLARE: [PENDING_ACCEPTANCE], DRIVEN: []}
MAIN_PATH = [DELIBERATION, VOTING, PUBLICITY, APPROVED, DELIVERING, ACCEPTED, CLOSED]

# ------------------------------------------------------------------------------------------------ rules
UNIT_HOUSEHOLD = "household"
UNIT_PERSON = "person"
UNIT_OWNER = "owner"
UNIT_LABELS = {
    UNIT_HOUSEHOLD: gettext_lazy("户代表（一户一票）"),
    UNIT_PERSON: gettext_lazy("居民个人（一人一票）"),
    UNIT_OWNER: gettext_lazy("产权人（一户一票，仅产权户）"),
}

FULL = "full"
PARTIAL = "partial"
OPPOSE = "oppose"
ABSTAIN = "abstain"
CHOICE_LABELS = {
    FULL: gettext_lazy("完全赞同"),
    PARTIAL: gettext_lazy("部分赞同"),
    OPPOSE: gettext_lazy("反对"),
    ABSTAIN: gettext_lazy("弃权"),
}
CHOICES = tuple(CHOICE_LABELS)

ONLINE = "online"
MEETING = "meeting"
PAPER = "paper"
CHANNEL_LABELS = {
    ONLINE: gettext_lazy("网上投票"),
    MEETING: gettext_lazy("会议现场"),
    PAPER: gettext_lazy("入户纸质票"),
}
CHANNELS = tuple(CHANNEL_LABELS)

PASSED_FULL = "passed_full"
PASSED_PARTIAL = "passed_partial"
FAILED_SUPPORT = "failed_support"
FAILED_TURNOUT = "failed_turnout"
OUTCOME_LABELS = {
    PASSED_FULL: gettext_lazy("通过（完全赞同达到比例）"),
    PASSED_PARTIAL: gettext_lazy("部分通过（按缩减方案实施，保护少数意见）"),
    FAILED_SUPPORT: gettext_lazy("未通过：赞同比例不足"),
    FAILED_TURNOUT: gettext_lazy("未通过：参与率不足"),
}
PASSED = frozenset({PASSED_FULL, PASSED_PARTIAL})


@dataclass(frozen=True)
class Rules:
    """What decides a round, frozen when it opens. `support` is the share of decided votes (赞同+反对, by
    weight) that must support; `turnout` the share of eligible voting units that must take part (by count);
    partial support (部分赞同) counts toward support only when `partial_allowed`, and a project passed only
    with it goes ahead in its reduced form. `group_weights` weight stakeholder groups (a group not named
    weighs 1); `weight_by_area` multiplies by the household's floor area."""

    unit: str = UNIT_HOUSEHOLD
    support: Fraction = Fraction(2, 3)
    turnout: Fraction = Fraction(1, 2)
    partial_allowed: bool = True
    weight_by_area: bool = False
    group_weights: Mapping[str, Fraction] = field(default_factory=dict)
    secret: bool = True
    publicity_days: int = 5
    revote_on_objection: bool = False

    def as_data(self) -> dict:
        return {
            "unit": self.unit,
            "support": f"{self.support.numerator}/{self.support.denominator}",
            "turnout": f"{self.turnout.numerator}/{self.turnout.denominator}",
            "partial_allowed": self.partial_allowed,
            "weight_by_area": self.weight_by_area,
            "group_weights": {g: str(w) for g, w in sorted(self.group_weights.items())},
            "secret": self.secret,
            "publicity_days": self.publicity_days,
            "revote_on_objection": self.revote_on_objection,
        }

    @classmethod
    def from_data(cls, data: Mapping) -> Rules:
        return cls(
            unit=str(data.get("unit", UNIT_HOUSEHOLD)),
            support=parse_proportion(data.get("support", "2/3")),
            turnout=parse_proportion(data.get("turnout", "1/2")),
            partial_allowed=bool(data.get("partial_allowed", True)),
            weight_by_area=bool(data.get("weight_by_area", False)),
            group_weights={
                str(g): Fraction(str(w)) for g, w in dict(data.get("group_weights") or {}).items()
            },
            secret=bool(data.get("secret", True)),
            publicity_days=int(data.get("publicity_days", 5)),
            revote_on_objection=bool(data.get("revote_on_objection", False)),
        )


def parse_proportion(value: object) -> Fraction:
    """'2/3', '66.7%', '0.5', Decimal or Fraction → a Fraction in [0, 1]; ValueError otherwise."""
    if isinstance(value, Fraction):
        result = value
    elif isinstance(value, (int, Decimal)):
        result = Fraction(value)
    else:
        text = str(value).strip().replace("％", "%").replace("／", "/")
        if not text:
            raise ValueError("empty")
        try:
            if text.endswith("%"):
                result = Fraction(text[:-1].strip()) / 100
            else:
                result = Fraction(text)
        except (ValueError, ZeroDivisionError):
            raise ValueError(text) from None
    if not 0 <= result <= 1:
        raise ValueError(str(value))
    return result


def percent(value: Fraction | None) -> str:
    """A proportion as a percentage with one decimal (display only), '—' for none."""
    if value is None:
        return "—"
    return f"{float(value) * 100:.1f}%"


def rules_problems(data: Mapping) -> dict[str, str]:
    """Field → Chinese message for rules that cannot be frozen (empty when they can)."""
    problems: dict[str, str] = {}
    if data.get("unit", UNIT_HOUSEHOLD) not in UNIT_LABELS:
        problems["unit"] = _("表决单位只能是户代表、个人或产权人")
    for key, label in (("support", _("赞同比例")), ("turnout", _("参与率"))):
        try:
            value = parse_proportion(data.get(key, "1/2"))
        except ValueError:
            problems[key] = _("%(label)s应为 0 到 1 之间的比例，如 2/3 或 50%%") % {"label": label}
            continue
        if key == "support" and value == 0:
            problems[key] = _("赞同比例不能为 0")
    for group, weight in dict(data.get("group_weights") or {}).items():
        try:
            if Fraction(str(weight)) <= 0:
                raise ValueError
        except (ValueError, ZeroDivisionError):
            problems["group_weights"] = _("利益相关群体“%(g)s”的权重应为正数") % {"g": group}
    try:
        days = int(data.get("publicity_days", 5))
        if not 1 <= days <= 60:
            raise ValueError
    except (TypeError, ValueError):
        problems["publicity_days"] = _("公示期应为 1 到 60 天")
    return problems


def unit_weight(rules: Rules, *, group: str = "", floor_area: Decimal | None = None) -> Fraction:
    """The weight of one voting unit under `rules`. A weighted-by-area rule with no area is a register
    problem caught before opening (`weight_problem`), never silently weight 1."""
    weight = Fraction(rules.group_weights.get(group, Fraction(1)))
    if rules.weight_by_area:
        if floor_area is None or floor_area <= 0:
            raise ValueError("floor area needed")
        weight *= Fraction(floor_area)
    return weight


def weight_problem(rules: Rules, floor_area: Decimal | None) -> bool:
    return rules.weight_by_area and (floor_area is None or floor_area <= 0)


# ------------------------------------------------------------------------------------------------ ballots
@dataclass(frozen=True)
class BallotRecord:
    """One ballot as recorded: the voting unit, the choice, the channel and its order of arrival."""

    unit: str
    choice: str
    channel: str
    seq: int


def dedup(ballots: Iterable[BallotRecord]) -> dict[str, BallotRecord]:
    """The one counted ballot per voting unit across channels: the first ballot given on paper or at the
    meeting wins (a later one on any channel is refused); without one, the unit's latest online ballot (an
    online ballot may be changed until close). The actions enforce the same rule as ballots arrive; this
    replays it from the raw record for the reconciliation report and the tally benchmark."""
    counted: dict[str, BallotRecord] = {}
    for b in sorted(ballots, key=lambda b: b.seq):
        earlier = counted.get(b.unit)
        if earlier is None or (earlier.channel == ONLINE and b.channel == ONLINE):
            counted[b.unit] = b
    return counted


def ballot_refusal(earlier_channel: str | None, new_channel: str) -> str | None:
    """Why a new ballot of a unit is refused given the channel of its counted one, or None to accept. An
    online ballot replaces the unit's earlier online ballot; anything else after a counted ballot is a
    duplicate."""
    if earlier_channel is None:
        return None
    if earlier_channel == ONLINE and new_channel == ONLINE:
        return None
    return "duplicate"


@dataclass(frozen=True)
class Tally:
    eligible_units: int
    voted_units: int
    weights: Mapping[str, Fraction]
    outcome: str

    @property
    def turnout(self) -> Fraction | None:
        return Fraction(self.voted_units, self.eligible_units) if self.eligible_units else None

    @property
    def decided(self) -> Fraction:
        return (
            self.weights.get(FULL, Fraction(0))
            + self.weights.get(PARTIAL, Fraction(0))
            + self.weights.get(OPPOSE, Fraction(0))
        )

    def share(self, *choices: str) -> Fraction | None:
        decided = self.decided
        if not decided:
            return None
        return sum((self.weights.get(c, Fraction(0)) for c in choices), Fraction(0)) / decided

    @property
    def passed(self) -> bool:
        return self.outcome in PASSED

    def as_data(self) -> dict:
        return {
            "eligible_units": self.eligible_units,
            "voted_units": self.voted_units,
            "weights": {c: str(self.weights.get(c, Fraction(0))) for c in CHOICES},
            "turnout": percent(self.turnout),
            "support": percent(self.share(FULL, PARTIAL)),
            "full_support": percent(self.share(FULL)),
            "outcome": self.outcome,
        }


def tally(eligible: Mapping[str, Fraction], counted: Mapping[str, str], rules: Rules) -> Tally:
    """Decide a round. `eligible` maps each voting unit on the frozen register to its weight; `counted`
    maps each unit that voted to its one counted choice (after `dedup`). Units not on the register are not
    counted (the actions never record them; a replayed record is filtered here too).

    - turnout = units that voted / eligible units (by count); short of `rules.turnout` → failed_turnout;
      an empty register never passes.
    - support = weight of 完全赞同 (+ 部分赞同 when allowed) / weight of 赞同 + 部分赞同 + 反对 (弃权 count
      for turnout only); at or above `rules.support` passes. Full support alone reaching it passes in
      full; only with partial support, in the reduced form. A proportion exactly at a threshold meets it.
    """
    weights: dict[str, Fraction] = {c: Fraction(0) for c in CHOICES}
    voted = 0
    for unit, choice in counted.items():
        if unit not in eligible or choice not in weights:
            continue
        voted += 1
        weights[choice] += eligible[unit]
    return decide(len(eligible), voted, weights, rules)


def tally_groups(eligible_units: int, groups: Iterable[tuple[str, Fraction, int]], rules: Rules) -> Tally:
    """The same decision from counted ballots grouped as (choice, weight, how many), which is what the
    database hands over in one GROUP BY when each unit's one counted ballot is already marked (the actions
    and the unique constraint see to that). Equal to `tally()` on the same ballots (a property test)."""
    weights: dict[str, Fraction] = {c: Fraction(0) for c in CHOICES}
    voted = 0
    for choice, weight, count in groups:
        if choice not in weights:
            continue
        voted += count
        weights[choice] += Fraction(weight) * count
    return decide(eligible_units, voted, weights, rules)


def decide(n: int, voted: int, weights: Mapping[str, Fraction], rules: Rules) -> Tally:
    """Turnout first, then support (see `tally`)."""
    if n == 0 or Fraction(voted, n) < rules.turnout:
        return Tally(n, voted, weights, FAILED_TURNOUT)
    full, partial = weights.get(FULL, Fraction(0)), weights.get(PARTIAL, Fraction(0))
    decided = full + partial + weights.get(OPPOSE, Fraction(0))
    if decided == 0:
        return Tally(n, voted, weights, FAILED_SUPPORT)
    if full / decided >= rules.support:
        return Tally(n, voted, weights, PASSED_FULL)
    if rules.partial_allowed and (full + partial) / decided >= rules.support:
        return Tally(n, voted, weights, PASSED_PARTIAL)
    return Tally(n, voted, weights, FAILED_SUPPORT)


def show_of_hands(for_: int, against: int, abstain: int, present: int) -> str:
    """A meeting item's counted show of hands: carried when more than half of those present raised a hand
    for it (a tie is not carried); refused counts that exceed those present."""
    if min(for_, against, abstain) < 0 or for_ + against + abstain > present:
        raise ValueError("counts")
    return "carried" if present and 2 * for_ > present else "not_carried"


def quorum_met(signed_in: int, quorum: int) -> bool:
    return signed_in >= quorum


# ------------------------------------------------------------------------------------------------ declare / driven
def cosign_threshold_met(co_applicants: int, households: int, threshold: Fraction) -> bool:
    """A declared need opens when co-applicant households reach `threshold` of the households in scope
    (an empty scope never opens)."""
    return households > 0 and Fraction(co_applicants, households) >= threshold


def cases_needed(count: int, minimum: int) -> bool:
    """A 民情推动型 rule fires when the cases of its category in one community within its window reach
    `minimum`."""
    return minimum > 0 and count >= minimum


# ------------------------------------------------------------------------------------------------ satisfaction
POOR = 2  # a score of 1 or 2 out of 5 is poor


@dataclass(frozen=True)
class Satisfaction:
    ratings: int
    average: Fraction | None
    poor: int
    flagged: bool


def satisfaction(scores: Iterable[int]) -> Satisfaction:
    """Scores 1–5 from the eligible households. The operator is flagged for replacement when most of
    those who rated (more than half) rated it poorly."""
    values = [int(s) for s in scores]
    if not values:
        return Satisfaction(0, None, 0, False)
    poor = sum(1 for s in values if s <= POOR)
    return Satisfaction(len(values), Fraction(sum(values), len(values)), poor, 2 * poor > len(values))


# ------------------------------------------------------------------------------------------------ guards
def guard_problem(action: str, facts: Mapping) -> str | None:
    """The rule (Chinese) that keeps `action` from happening given the project's facts, or None."""
    if action == OPEN_VOTE and not facts.get("meeting_held"):
        return _("开启表决前须召开议事协商会并确认会议纪要")
    if action == OPEN_VOTE and not facts.get("eligible_units"):
        return _("表决范围内没有登记的住户，无法开启表决")
    if action == APPROVE:
        if facts.get("unanswered_objections"):
            return _("还有 %(n)d 条异议未答复，答复后才能立项") % {"n": facts["unanswered_objections"]}
        if not facts.get("publicity_over"):
            return _("公示期尚未结束，不能立项")
        if not facts.get("passed"):
            return _("表决未通过，不能立项")
    if action == OBJECT and facts.get("publicity_over"):
        return _("公示期已结束，不再受理异议")
    return None


# ------------------------------------------------------------------------------------------------ diagram
def diagram_svg() -> str:
    """The 民意立项路线图 drawn from TRANSITIONS: one column per type for its opening steps, then the shared
    path; each arrow is a transition labelled with its action and who takes it, self-loops listed in the
    box. No script and no style element, so it can be inlined under the strict CSP."""
    col_w, row_h, box_w, box_h, margin = 250, 84, 190, 46, 20
    layout: dict[str, tuple[float, float]] = {
        DRAFT: (0, 0),
        DECLARED: (1, 0),
        PROPOSED: (2, 0),
        PENDING_ACCEPTANCE: (1, 1),
        DISMISSED: (2.2, 1),
        DELIBERATION: (1, 2),
        VOTING: (1, 3),
        PUBLICITY: (1, 4),
        REJECTED: (2.2, 4),
        APPROVED: (1, 5),
        DELIVERING: (1, 6),
        ACCEPTED: (1, 7),
        CLOSED: (1, 8),
    }
    pos = {s: (margin + c * col_w, margin + 30 + r * row_h) for s, (c, r) in layout.items()}
    width = int(margin * 2 + 2.2 * col_w + box_w)
    height = int(margin * 2 + 30 + 9 * row_h)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
        f'font-family="sans-serif" font-size="11" role="img" aria-label="{html.escape(_("民意立项路线图"))}">',
        "<defs><marker id='pj-arrow' viewBox='0 0 10 10' refX='9' refY='5' markerWidth='7' markerHeight='7' "
        "orient='auto-start-reverse'><path d='M0,0 L10,5 L0,10 z' fill='#555'/></marker></defs>",
        f"<title>{html.escape(_('民意立项路线图（由流转表生成）'))}</title>",
    ]
    for kind, (c, _r) in ((SOLICIT, layout[DRAFT]), (DECLARE, layout[DECLARED]), (DRIVEN, layout[PROPOSED])):
        out.append(
            f'<text x="{margin + c * col_w + box_w / 2}" y="{margin + 16}" text-anchor="middle" '
            f'font-size="13" font-weight="bold" fill="#234">{html.escape(type_label(kind))}</text>'
        )
    loops: dict[str, list[str]] = {}
    seen: set[tuple[str, str]] = set()
    for (state, action), t in TRANSITIONS.items():
        if t.to == state:
            loops.setdefault(state, []).append(action)
            continue
        if (state, t.to) in seen:
            continue
        seen.add((state, t.to))
        (x1, y1), (x2, y2) = pos[state], pos[t.to]
        ax, ay = x1 + box_w / 2, y1 + box_h / 2
        bx, by = x2 + box_w / 2, y2 + box_h / 2
        # Leave and enter through the box edges facing each other.
        if abs(by - ay) >= abs(bx - ax):
            ay, by = (y1 + box_h, y2) if by > ay else (y1, y2 + box_h)
        else:
            ax, bx = (x1 + box_w, x2) if bx > ax else (x1, x2 + box_w)
        bow = 60 if by < ay else 0  # the re-vote goes back up: bow it out to the side
        cx, cy = (ax + bx) / 2 + bow, (ay + by) / 2
        colour = "#b33" if t.to in (DISMISSED, REJECTED) else "#555"
        out.append(
            f'<path d="M{ax:.0f},{ay:.0f} Q{cx:.0f},{cy:.0f} {bx:.0f},{by:.0f}" fill="none" stroke="{colour}" '
            f'stroke-width="1.3" marker-end="url(#pj-arrow)"/>'
        )
        who = "/".join(str(ACTOR_LABELS[a]) for a in (OFFICE, RESIDENT, SYSTEM) if a in t.actors)
        label = _("%(action)s（%(who)s）") % {"action": action_label(action), "who": who}
        out.append(
            f'<text x="{(ax + 2 * cx + bx) / 4 + 4:.0f}" y="{(ay + 2 * cy + by) / 4 + 3:.0f}" fill="{colour}" '
            f'paint-order="stroke" stroke="#fff" stroke-width="3">{html.escape(label)}</text>'
        )
    for state, (x, y) in pos.items():
        fill = "#fde2e2" if state in (DISMISSED, REJECTED) else ("#e2f5e9" if state == CLOSED else "#e8eef9")
        out.append(
            f'<g data-state="{state}"><rect x="{x}" y="{y}" width="{box_w}" height="{box_h}" rx="8" '
            f'fill="{fill}" stroke="#345"/>'
            f'<text x="{x + box_w / 2}" y="{y + 19}" text-anchor="middle" font-size="13" font-weight="bold">'
            f"{html.escape(state_label(state))}</text>"
        )
        if state in loops:
            listed = listing(action_label(a) for a in loops[state])
            out.append(
                f'<text x="{x + box_w / 2}" y="{y + 36}" text-anchor="middle" font-size="10" fill="#555">'
                f"{html.escape(_('可：%(actions)s') % {'actions': listed})}</text>"
            )
        out.append("</g>")
    out.append("</svg>")
    return "\n".join(out)
