"""The case loop as plain data: states, actions, the transition table, guards and SLA arithmetic. PURE.

Nothing here touches the database. `TRANSITIONS[(state, action)]` says where an action leads and which
roles may take it; the roles a *person* holds on a *case* (their jurisdiction covers it, their department
is assigned to it, they reported it) are worked out by `jingzhi.cases.permissions` and passed in as a set
of role names. `guard_problem()` holds the few rules that depend on the case's facts rather than its state
(reopen only once and only when dissatisfied, ...). The SLA functions take the elapsed-time measure as an
argument so that working-time arithmetic (the calendar, which reads tables) is injected by the caller.
`diagram_svg()` / `diagram_mermaid()` draw the table itself for the help page, so the picture cannot drift.

Role names are the values of `accounts.models.Role`, plus the pseudo-role "reporter" (the case's own
reporter); a test checks they match.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jingzhi.core.text import listing

# ---------------------------------------------------------------------------------------------------- states
REPORTED = "reported"
VERIFYING = "verifying"
PENDING_FILING = "pending_filing"
PENDING_DISPATCH = "pending_dispatch"
PENDING_RESPONSE = "pending_response"
HANDLING = "handling"
PARKED = "parked"
PENDING_CHECK = "pending_check"
PENDING_CALLBACK = "pending_callback"
CLOSED = "closed"
NOT_FILED = "not_filed"
VOID = "void"
MERGED = "merged"

STATE_LABELS = {
    REPORTED: gettext_lazy("待核实"),
    VERIFYING: gettext_lazy("核实中"),
    PENDING_FILING: gettext_lazy("待立案"),
    PENDING_DISPATCH: gettext_lazy("待派遣"),
    PENDING_RESPONSE: gettext_lazy("待响应"),
    HANDLING: gettext_lazy("处置中"),
    PARKED: gettext_lazy("挂账/缓办"),
    PENDING_CHECK: gettext_lazy("待核查"),
    PENDING_CALLBACK: gettext_lazy("待回访"),
    CLOSED: gettext_lazy("已结案"),
    NOT_FILED: gettext_lazy("不予立案"),
    VOID: gettext_lazy("已作废"),
    MERGED: gettext_lazy("已合并"),
}
STATES = tuple(STATE_LABELS)
# Terminal: nothing ever leaves them. A closed case is finished but may be rated and reopened once.
TERMINAL = frozenset({NOT_FILED, VOID, MERGED})
FINISHED = TERMINAL | {CLOSED}
OPEN_STATES = tuple(s for s in STATES if s not in FINISHED)

# ---------------------------------------------------------------------------------------------------- actions
OPEN = "open"  # intake: not in the table (there is no state before it), recorded on the timeline
VERIFY_REQUEST = "verify_request"
VERIFY = "verify"
FILE = "file"
NOT_FILE = "not_file"
VOID_ACTION = "void"
MERGE = "merge"
DISPATCH = "dispatch"
ACCEPT = "accept"
RETURN = "return"
REQUEST_EXTENSION = "request_extension"
APPROVE_EXTENSION = "approve_extension"
REFUSE_EXTENSION = "refuse_extension"
PARK = "park"
UNPARK = "unpark"
FEEDBACK = "feedback"
CHECK_PASS = "check_pass"
CHECK_FAIL = "check_fail"
CALLBACK = "callback"
CLOSE = "close"
RATE = "rate"
REOPEN = "reopen"
SUPERVISE = "supervise"
WHISTLE = "whistle"
# Timeline-only entries written by actions outside the table.
FOLLOW = "follow"
MERGED_IN = "merged_in"
REPORT_IN = "report_in"
RATE_WHISTLE = "rate_whistle"
REMIND = "remind"
ESCALATE = "escalate"

ACTION_LABELS = {
    OPEN: gettext_lazy("上报"),
    VERIFY_REQUEST: gettext_lazy("派核实"),
    VERIFY: gettext_lazy("核实"),
    FILE: gettext_lazy("立案"),
    NOT_FILE: gettext_lazy("不予立案"),
    VOID_ACTION: gettext_lazy("作废"),
    MERGE: gettext_lazy("合并"),
    DISPATCH: gettext_lazy("派遣"),
    ACCEPT: gettext_lazy("响应"),
    RETURN: gettext_lazy("退单"),
    REQUEST_EXTENSION: gettext_lazy("申请延期"),
    APPROVE_EXTENSION: gettext_lazy("批准延期"),
    REFUSE_EXTENSION: gettext_lazy("不批准延期"),
    PARK: gettext_lazy("挂账"),
    UNPARK: gettext_lazy("恢复办理"),
    FEEDBACK: gettext_lazy("处置反馈"),
    CHECK_PASS: gettext_lazy("核查通过"),
    CHECK_FAIL: gettext_lazy("核查不通过（返工）"),
    CALLBACK: gettext_lazy("回访"),
    CLOSE: gettext_lazy("结案"),
    RATE: gettext_lazy("评价"),
    REOPEN: gettext_lazy("重新办理"),
    SUPERVISE: gettext_lazy("督办"),
    WHISTLE: gettext_lazy("吹哨"),
    FOLLOW: gettext_lazy("关注"),
    MERGED_IN: gettext_lazy("合并入重复件"),
    REPORT_IN: gettext_lazy("部门报到"),
    RATE_WHISTLE: gettext_lazy("评价报到"),
    REMIND: gettext_lazy("超时提醒"),
    ESCALATE: gettext_lazy("升级"),
}

# ---------------------------------------------------------------------------------------------------- roles
RESIDENT = "resident"
INSPECTOR = "inspector"
OPERATOR = "operator"
SHIFT_LEAD = "shift_lead"
DISPATCHER = "dispatcher"
HANDLER = "handler"
DEPARTMENT_HEAD = "department_head"  # reads the department's cases; acts on none (a handler does)
STREET_CHIEF = "street_chief"
STEWARD = "steward"
COUNCIL_MEMBER = "council_member"
SUBDISTRICT_ADMIN = "subdistrict_admin"
DISTRICT_ADMIN = "district_admin"
ASSESSOR = "assessor"
REPORTER = "reporter"  # pseudo-role: the person who reported this very case

ALL_ROLES = (
    RESIDENT,
    INSPECTOR,
    OPERATOR,
    SHIFT_LEAD,
    DISPATCHER,
    HANDLER,
    DEPARTMENT_HEAD,
    STREET_CHIEF,
    STEWARD,
    COUNCIL_MEMBER,
    SUBDISTRICT_ADMIN,
    DISTRICT_ADMIN,
    ASSESSOR,
    REPORTER,
)
ROLE_LABELS = {
    RESIDENT: gettext_lazy("居民"),
    INSPECTOR: gettext_lazy("监督员"),
    OPERATOR: gettext_lazy("受理员"),
    SHIFT_LEAD: gettext_lazy("值班长"),
    DISPATCHER: gettext_lazy("派遣员"),
    HANDLER: gettext_lazy("处置部门"),
    DEPARTMENT_HEAD: gettext_lazy("部门负责人"),
    STREET_CHIEF: gettext_lazy("街巷长"),
    STEWARD: gettext_lazy("小巷管家"),
    COUNCIL_MEMBER: gettext_lazy("理事会成员"),
    SUBDISTRICT_ADMIN: gettext_lazy("街道管理员"),
    DISTRICT_ADMIN: gettext_lazy("区管理员"),
    ASSESSOR: gettext_lazy("考核员"),
    REPORTER: gettext_lazy("上报人"),
}
# Roles that see cases by jurisdiction (place code); handlers see by department, the rest their own.
PLACE_ROLES = frozenset(
    {INSPECTOR, OPERATOR, SHIFT_LEAD, DISPATCHER, STREET_CHIEF, SUBDISTRICT_ADMIN, DISTRICT_ADMIN, ASSESSOR}
)
# Roles that see the cases their department was ever assigned (handlers act on them; a head only reads).
DEPARTMENT_READERS = (HANDLER, DEPARTMENT_HEAD)

# ---------------------------------------------------------------------------------------------------- steps
# The running clock, named after taxonomy's Step values so limits come from `taxonomy.limits.limit_for`.
STEP_VERIFY = "verify"
STEP_FILE = "file"
STEP_DISPATCH = "dispatch"
STEP_RESPOND = "respond"
STEP_HANDLE = "handle"
STEP_CHECK = "check"
STEP_LABELS = {
    STEP_VERIFY: gettext_lazy("核实"),
    STEP_FILE: gettext_lazy("立案"),
    STEP_DISPATCH: gettext_lazy("派遣"),
    STEP_RESPOND: gettext_lazy("响应"),
    STEP_HANDLE: gettext_lazy("处置"),
    STEP_CHECK: gettext_lazy("核查"),
}
# Which clock runs in each state ("" = none: parked waits for its review date, call-back has no limit).
STATE_STEP = {
    REPORTED: STEP_VERIFY,
    VERIFYING: STEP_VERIFY,
    PENDING_FILING: STEP_FILE,
    PENDING_DISPATCH: STEP_DISPATCH,
    PENDING_RESPONSE: STEP_RESPOND,
    HANDLING: STEP_HANDLE,
    PENDING_CHECK: STEP_CHECK,
    PARKED: "",
    PENDING_CALLBACK: "",
    CLOSED: "",
    NOT_FILED: "",
    VOID: "",
    MERGED: "",
}

# Sources whose reporter may file directly (their own report is already an on-site observation).
DIRECT_FILING_SOURCES = frozenset({"inspector"})


# ---------------------------------------------------------------------------------------------------- table
@dataclass(frozen=True)
class Transition:
    to: str | None  # None: the state does not change (supervise, extension requests, ...)
    roles: frozenset[str]
    requires: tuple[str, ...] = ()


def _t(to: str | None, roles: Iterable[str], *requires: str) -> Transition:
    return Transition(to, frozenset(roles), tuple(requires))


_PRE_FILING = (REPORTED, VERIFYING, PENDING_FILING)
_SUPERVISORS = (SHIFT_LEAD, SUBDISTRICT_ADMIN, DISTRICT_ADMIN)
_CENTRE = (OPERATOR, SHIFT_LEAD)

TRANSITIONS: dict[tuple[str, str], Transition] = {
    (REPORTED, VERIFY_REQUEST): _t(VERIFYING, _CENTRE),
    (REPORTED, VERIFY): _t(PENDING_FILING, (INSPECTOR,)),
    (VERIFYING, VERIFY): _t(PENDING_FILING, (INSPECTOR,)),
    (PENDING_FILING, FILE): _t(PENDING_DISPATCH, (SHIFT_LEAD,)),
    **{(s, NOT_FILE): _t(NOT_FILED, _CENTRE, "reason") for s in _PRE_FILING},
    **{(s, VOID_ACTION): _t(VOID, (SHIFT_LEAD,), "reason") for s in (*_PRE_FILING, PENDING_DISPATCH)},
    **{
        (s, MERGE): _t(MERGED, (OPERATOR, SHIFT_LEAD, DISPATCHER), "target")
        for s in (*_PRE_FILING, PENDING_DISPATCH)
    },
    (PENDING_DISPATCH, DISPATCH): _t(PENDING_RESPONSE, (DISPATCHER,)),
    (PENDING_RESPONSE, ACCEPT): _t(HANDLING, (HANDLER,)),
    (PENDING_RESPONSE, RETURN): _t(PENDING_DISPATCH, (HANDLER,), "reason"),
    (HANDLING, RETURN): _t(PENDING_DISPATCH, (HANDLER,), "reason"),
    (HANDLING, REQUEST_EXTENSION): _t(None, (HANDLER,), "reason", "days"),
    (HANDLING, APPROVE_EXTENSION): _t(None, (DISPATCHER, SHIFT_LEAD)),
    (HANDLING, REFUSE_EXTENSION): _t(None, (DISPATCHER, SHIFT_LEAD), "reason"),
    (HANDLING, PARK): _t(PARKED, (DISPATCHER, SHIFT_LEAD), "reason", "review_date"),
    (PARKED, UNPARK): _t(HANDLING, (DISPATCHER, SHIFT_LEAD)),
    (HANDLING, FEEDBACK): _t(PENDING_CHECK, (HANDLER,), "note"),
    (PENDING_CHECK, CHECK_PASS): _t(PENDING_CALLBACK, (INSPECTOR,)),
    (PENDING_CHECK, CHECK_FAIL): _t(HANDLING, (INSPECTOR,), "reason"),
    (PENDING_CALLBACK, CALLBACK): _t(CLOSED, (OPERATOR,)),
    (PENDING_CALLBACK, CLOSE): _t(CLOSED, (SHIFT_LEAD,)),
    (PENDING_CALLBACK, RATE): _t(CLOSED, (REPORTER,), "rating"),
    (CLOSED, RATE): _t(None, (REPORTER,), "rating"),
    (CLOSED, REOPEN): _t(PENDING_DISPATCH, (REPORTER,), "reason"),
    **{(s, SUPERVISE): _t(None, _SUPERVISORS, "note") for s in OPEN_STATES},
    **{(s, WHISTLE): _t(None, (SUBDISTRICT_ADMIN,)) for s in OPEN_STATES},
}
ACTIONS = tuple(dict.fromkeys(action for _s, action in TRANSITIONS))
# What each action takes besides its note (reason) and photos: every interface reads these fields for the
# action and passes them on as they came; `actions.do_transition` parses and checks them (one place).
ACTION_INPUTS: dict[str, tuple[str, ...]] = {
    FILE: ("category", "filing_condition"),
    DISPATCH: ("departments", "lead"),
    MERGE: ("target",),
    REQUEST_EXTENSION: ("days",),
    PARK: ("review_date",),
    CALLBACK: ("rating", "comment"),
    RATE: ("rating", "comment"),
}
# The main path, in order: the diagram draws it as its spine.
MAIN_PATH = (
    REPORTED,
    VERIFYING,
    PENDING_FILING,
    PENDING_DISPATCH,
    PENDING_RESPONSE,
    HANDLING,
    PENDING_CHECK,
    PENDING_CALLBACK,
    CLOSED,
)


# Who takes an open case's next step. When no active person holding one of these roles covers the case —
# inspectors, shift leads, dispatchers and operators by the case's place codes, handlers through the
# departments the case is assigned to — the case is "无人可接" and is flagged to the operator
# (`queries.no_taker_q`), so that it does not sit in a queue no one reads. A reported case needs an
# inspector for the on-site verification that comes next, even before the operator sends it.
TAKERS: dict[str, tuple[str, ...]] = {
    REPORTED: (INSPECTOR,),
    VERIFYING: (INSPECTOR,),
    PENDING_FILING: (SHIFT_LEAD,),
    PENDING_DISPATCH: (DISPATCHER,),
    PENDING_RESPONSE: (HANDLER,),
    HANDLING: (HANDLER,),
    PARKED: (DISPATCHER, SHIFT_LEAD),
    PENDING_CHECK: (INSPECTOR,),
    PENDING_CALLBACK: (OPERATOR, SHIFT_LEAD),
}


def no_taker_reason(state: str) -> str:
    """Why a case in `state` that no one can take is stuck, in a sentence for the operator."""
    roles = TAKERS.get(state, ())
    if not roles:
        return ""
    if roles == (HANDLER,):
        return _("无人可接：已派部门没有在岗的处置人员")
    # Translators: "or" between role names (any one of them could take the case).
    either = _("或").join(str(ROLE_LABELS[r]) for r in roles)
    return _("无人可接：没有负责此处的%(roles)s") % {"roles": either}


class Refusal(Exception):
    """Why an action may not be taken: `kind` is "state" (not in this state) or "role" (not by you)."""

    def __init__(self, kind: str, message: str, allowed: list[str]):
        self.kind = kind
        self.message = message
        self.allowed = allowed
        super().__init__(message)


def action_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))


def state_label(state: str) -> str:
    return str(STATE_LABELS.get(state, state))


def allowed_actions(state: str, roles: Iterable[str]) -> list[str]:
    """The actions any of `roles` may take in `state`, in table order."""
    roles = set(roles)
    return [
        action
        for action in ACTIONS
        if (t := TRANSITIONS.get((state, action))) is not None and t.roles & roles
    ]


def main_path_first(state: str, actions: Iterable[str]) -> list[str]:
    """`actions` (allowed in `state`) with those that move the case forward along `MAIN_PATH` first, the
    nearest step first, the rest in their given order: a page shows the primary action first (接单 before
    退单, 处置反馈 before 退单 and 申请延期)."""
    here = MAIN_PATH.index(state) if state in MAIN_PATH else -1

    def step(action: str) -> int:
        transition = TRANSITIONS.get((state, action))
        to = transition.to if transition else None
        if to in MAIN_PATH and MAIN_PATH.index(to) > here:
            return MAIN_PATH.index(to) - here
        return len(MAIN_PATH)

    return sorted(actions, key=step)


def _listing(actions: list[str]) -> str:
    return listing(action_label(a) for a in actions) if actions else _("无")


def check(state: str, action: str, roles: Iterable[str]) -> Transition:
    """The transition, or a Refusal naming the actions that *are* allowed."""
    roles = set(roles)
    transition = TRANSITIONS.get((state, action))
    allowed = allowed_actions(state, roles)
    if transition is None:
        raise Refusal(
            "state",
            _("案件处于“%(state)s”状态，不能“%(action)s”。您此时可以：%(allowed)s。")
            % {"state": state_label(state), "action": action_label(action), "allowed": _listing(allowed)},
            allowed,
        )
    if not transition.roles & roles:
        who = listing(str(ROLE_LABELS[r]) for r in ALL_ROLES if r in transition.roles)
        raise Refusal(
            "role",
            _("“%(action)s”须由%(who)s办理，您无权办理此案件的这一步。您此时可以：%(allowed)s。")
            % {"action": action_label(action), "who": who, "allowed": _listing(allowed)},
            allowed,
        )
    return transition


def next_state(state: str, action: str) -> str:
    """Where `action` leads from `state` (the same state for actions that keep it). KeyError if none."""
    transition = TRANSITIONS[(state, action)]
    return transition.to or state


def initial_state(source: str, *, actor_is_inspector: bool) -> str:
    """Public reports wait for verification; an inspector's own report can be filed directly."""
    return PENDING_FILING if (source in DIRECT_FILING_SOURCES and actor_is_inspector) else REPORTED


# ---------------------------------------------------------------------------------------------------- guards
@dataclass(frozen=True)
class CaseFacts:
    """What the guards need to know about a case beyond its state."""

    rating: str = ""
    reopen_count: int = 0
    has_pending_extension: bool = False
    extension_days: int = 0
    max_reopens: int = 1
    max_extension_days: int = 10
    requested_days: int = 0


def guard_problem(action: str, facts: CaseFacts) -> str | None:
    """A refusal message for an action the table allows but the case's facts do not, else None."""
    if action == REOPEN:
        if facts.rating != "dissatisfied":
            return _("只有评价为“不满意”的案件才能申请重新办理。")
        if facts.reopen_count >= facts.max_reopens:
            return _("该案件已重新办理过 %(n)d 次，不能再次申请。") % {"n": facts.reopen_count}
    if action == RATE and facts.rating:
        return _("该案件已评价过，不能重复评价。")
    if action in (APPROVE_EXTENSION, REFUSE_EXTENSION) and not facts.has_pending_extension:
        return _("该案件没有待审批的延期申请。")
    if action == REQUEST_EXTENSION:
        if facts.has_pending_extension:
            return _("已有一个延期申请待审批，请等待审批结果。")
        if facts.requested_days and facts.extension_days + facts.requested_days > facts.max_extension_days:
            return _(
                "延期后累计 %(total)d 个工作日，超过上限 %(max)d 个工作日（已延期 %(done)d 个工作日）。"
            ) % {
                "total": facts.extension_days + facts.requested_days,
                "max": facts.max_extension_days,
                "done": facts.extension_days,
            }
    return None


def should_escalate(return_count: int, threshold: int) -> bool:
    """Repeated returns (推诿) take the case out of the ordinary queue: to the escalated queue and 督办."""
    return threshold > 0 and return_count >= threshold


# ---------------------------------------------------------------------------------------------------- SLA
GREEN, YELLOW, RED, NONE = "green", "yellow", "red", "none"
LEVEL_LABELS = {
    GREEN: gettext_lazy("正常"),
    YELLOW: gettext_lazy("临期"),
    RED: gettext_lazy("超时"),
    NONE: gettext_lazy("无时限"),
}


@dataclass(frozen=True)
class Sla:
    level: str
    fraction_used: float = 0.0  # elapsed / limit
    overdue_multiple: float = 0.0  # 超时倍数: elapsed / limit once past the deadline, else 0
    remaining_seconds: float | None = None  # in the limit's own measure (working or calendar seconds)
    deadline: datetime | None = None

    @property
    def label(self) -> str:
        return str(LEVEL_LABELS[self.level])

    @property
    def is_overdue(self) -> bool:
        return self.level == RED


def plain_seconds(a: datetime, b: datetime) -> float:
    return (b - a).total_seconds()


def sla(
    started_at: datetime | None,
    deadline: datetime | None,
    now: datetime,
    *,
    yellow_fraction: float = 0.8,
    seconds_between: Callable[[datetime, datetime], float] = plain_seconds,
) -> Sla:
    """Warning level of a clock that started at `started_at` and runs out at `deadline`.
    Red once `now` is past the deadline; yellow when at least `yellow_fraction` of the limit is used (in the
    measure of `seconds_between`: working seconds for working-time limits); green otherwise."""
    if started_at is None or deadline is None:
        return Sla(NONE)
    limit = seconds_between(started_at, deadline)
    elapsed = seconds_between(started_at, now)
    if limit <= 0:
        # A limit that used up no measurable time (e.g. started outside working hours on a zero limit).
        fraction = math.inf if now > deadline else 0.0
    else:
        fraction = max(0.0, elapsed / limit)
    remaining = limit - elapsed
    if now > deadline:
        multiple = round(fraction, 2) if math.isfinite(fraction) else 1.0
        return Sla(RED, fraction if math.isfinite(fraction) else 1.0, max(multiple, 1.0), remaining, deadline)
    if fraction >= yellow_fraction:
        return Sla(YELLOW, fraction, 0.0, remaining, deadline)
    return Sla(GREEN, fraction, 0.0, remaining, deadline)


def finished_sla(
    started_at: datetime | None,
    deadline: datetime | None,
    finished_at: datetime | None,
    *,
    seconds_between: Callable[[datetime, datetime], float] = plain_seconds,
) -> Sla:
    """How a clock that has stopped ended: GREEN when it finished by its deadline, RED with the overdue
    multiple (elapsed / limit at finishing, in the limit's own measure) when late; NONE without a clock.
    A closed case's page shows this rather than "无时限", so the record says whether the step was on time."""
    if started_at is None or deadline is None or finished_at is None:
        return Sla(NONE)
    # No yellow: a finished step was either on time or late.
    return sla(started_at, deadline, finished_at, yellow_fraction=math.inf, seconds_between=seconds_between)


def report_is_late(deadline: datetime, reported_at: datetime | None, now: datetime) -> bool:
    """A whistle summons is late when reported after its deadline, or still unreported past it."""
    if reported_at is not None:
        return reported_at > deadline
    return now > deadline


# ---------------------------------------------------------------------------------------------------- diagram
def diagram_mermaid() -> str:
    """The transition table as a Mermaid state diagram (self-loops listed as notes)."""
    lines = ["stateDiagram-v2"]
    for state in STATES:
        lines.append(f"    {state}: {state_label(state)}")
    lines.append(f"    [*] --> {REPORTED}: {action_label(OPEN)}")
    lines.append(f"    [*] --> {PENDING_FILING}: {_('监督员自报')}")
    for (state, action), t in TRANSITIONS.items():
        if t.to is not None:
            lines.append(f"    {state} --> {t.to}: {action_label(action)}")
    for state, actions in _self_loops().items():
        lines.append(f"    note right of {state}: {'、'.join(action_label(a) for a in actions)}")
    for state in TERMINAL:
        lines.append(f"    {state} --> [*]")
    return "\n".join(lines) + "\n"


def _self_loops() -> dict[str, list[str]]:
    loops: dict[str, list[str]] = {}
    for (state, action), t in TRANSITIONS.items():
        if t.to is None:
            loops.setdefault(state, []).append(action)
    return loops


@dataclass
class _Box:
    x: float
    y: float
    w: float = 128
    h: float = 46
    edges_out: list = field(default_factory=list)


# Grid positions (column, row) of each state; the main path runs down the middle column.
_LAYOUT = {
    REPORTED: (1, 0),
    VERIFYING: (2, 0),
    PENDING_FILING: (1, 1),
    PENDING_DISPATCH: (1, 2),
    PENDING_RESPONSE: (1, 3),
    HANDLING: (1, 4),
    PARKED: (2, 4),
    PENDING_CHECK: (1, 5),
    PENDING_CALLBACK: (1, 6),
    CLOSED: (1, 7),
    NOT_FILED: (0, 0),
    VOID: (0, 1),
    MERGED: (0, 2),
}


# Drawing, not a rule: mutation testing (scripts/mutate.py) leaves the geometry alone; the diagram test checks
# that every state and moving transition is drawn.
def diagram_svg() -> str:  # pragma: no mutate block
    """The transition table drawn as a self-contained SVG (no script, no web font): one box per state,
    one arrow per transition labelled with its action and roles; actions that keep the state are listed in
    the box. Generated from TRANSITIONS, so the help page always shows the table in force."""
    col_w, row_h, margin = 300, 112, 30
    boxes = {s: _Box(margin + c * col_w + 60, margin + r * row_h) for s, (c, r) in _LAYOUT.items()}
    width = margin * 2 + 3 * col_w
    height = margin * 2 + 8 * row_h
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'font-family="sans-serif" font-size="11" role="img" aria-label="{html.escape(_("案件办理流程图"))}">',
        "<defs><marker id='arrow' viewBox='0 0 10 10' refX='9' refY='5' markerWidth='7' markerHeight='7' "
        "orient='auto-start-reverse'><path d='M0,0 L10,5 L0,10 z' fill='#555'/></marker></defs>",
        f"<title>{html.escape(_('案件办理流程（由流转表生成）'))}</title>",
    ]
    loops = _self_loops()
    # Edges first so the boxes sit on top of them.
    pair_count: dict[tuple[str, str], int] = {}
    for (state, action), t in TRANSITIONS.items():
        if t.to is None or state not in boxes or t.to not in boxes:
            continue
        key = (state, t.to)
        n = pair_count.get(key, 0)
        pair_count[key] = n + 1
        a, b = boxes[state], boxes[t.to]
        x1, y1 = a.x + a.w / 2, a.y + a.h / 2
        x2, y2 = b.x + b.w / 2, b.y + b.h / 2
        # Clip both ends to the box borders.
        x1, y1 = _clip(x1, y1, x2, y2, a)
        x2, y2 = _clip(x2, y2, x1, y1, b)
        # Backward edges (upwards) and parallel edges bow out so they do not hide each other.
        dx, dy = x2 - x1, y2 - y1
        length = math.hypot(dx, dy) or 1
        bow = (40 if y2 < y1 or (y2 == y1 and x2 < x1) else 0) + 18 * n
        cx = (x1 + x2) / 2 - dy / length * bow
        cy = (y1 + y2) / 2 + dx / length * bow
        colour = (
            "#b33"
            if t.to in TERMINAL
            else ("#2a6" if action in (CHECK_PASS, CALLBACK, CLOSE, RATE) else "#555")
        )
        out.append(
            f'<path d="M{x1:.1f},{y1:.1f} Q{cx:.1f},{cy:.1f} {x2:.1f},{y2:.1f}" fill="none" '
            f'stroke="{colour}" stroke-width="1.3" marker-end="url(#arrow)"/>'
        )
        lx, ly = (x1 + 2 * cx + x2) / 4, (y1 + 2 * cy + y2) / 4
        roles = "/".join(str(ROLE_LABELS[r]) for r in ALL_ROLES if r in t.roles)
        text = _("%(action)s（%(roles)s）") % {"action": action_label(action), "roles": roles}
        out.append(
            f'<text x="{lx + 4:.1f}" y="{ly:.1f}" fill="{colour}" paint-order="stroke" stroke="#fff" '
            f'stroke-width="3">{html.escape(text)}</text>'
        )
    for state, box in boxes.items():
        fill = "#fde2e2" if state in TERMINAL else ("#e2f5e9" if state == CLOSED else "#e8eef9")
        out.append(
            f'<g data-state="{state}"><rect x="{box.x}" y="{box.y}" width="{box.w}" height="{box.h}" rx="8" '
            f'fill="{fill}" stroke="#345"/>'
        )
        out.append(
            f'<text x="{box.x + box.w / 2}" y="{box.y + 19}" text-anchor="middle" font-size="13" '
            f'font-weight="bold">{html.escape(state_label(state))}</text>'
        )
        if state in loops:
            listed = listing(action_label(a) for a in loops[state])
            out.append(
                f'<text x="{box.x + box.w / 2}" y="{box.y + 36}" text-anchor="middle" font-size="9" '
                f'fill="#555">{html.escape(_("可：%(actions)s") % {"actions": listed})}</text>'
            )
        out.append("</g>")
    out.append("</svg>")
    return "\n".join(out)


def _clip(
    x: float, y: float, tx: float, ty: float, box: _Box
) -> tuple[float, float]:  # pragma: no mutate block
    """The point where the segment from the centre (x, y) towards (tx, ty) leaves `box`."""
    dx, dy = tx - x, ty - y
    if dx == 0 and dy == 0:
        return x, y
    scale = min(
        (box.w / 2) / abs(dx) if dx else math.inf,
        (box.h / 2) / abs(dy) if dy else math.inf,
    )
    return x + dx * scale, y + dy * scale
