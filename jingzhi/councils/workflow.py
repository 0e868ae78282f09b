"""Pure rules of 多元共治 (no ORM): the patrol roster generator, the council's composition rule, and the small
state tables of swaps, action items and volunteer shifts.

The roster generator takes the month's days, the members in rotation order, each member's declared
unavailable days, the official holidays (from the working calendar, looked up by the caller) and the
council's holiday policy, and returns who patrols which day. It guarantees, when it returns:
- every kept day has `per_day` distinct members, each of them available that day;
- nobody's count can be evened out any further: there is no chain of reassignments that moves a day from a
  member with c patrols to one with c − 2 or fewer (so with no unavailable days, or whenever the
  availability allows it, max − min ≤ 1 over the month);
- the month reads as a daily rotation: each day goes to the available member whose turn is longest ago
  (rotation order at the start), and a member who could not patrol keeps their place at the front.
Days that cannot be covered (fewer available members than `per_day`) are refused with the list of those
days, before anything is assigned.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

PATROL = "patrol"
SKIP = "skip"
HOLIDAY_POLICIES = (PATROL, SKIP)

# Council composition (DOMAIN §5): 1 chief + 1 secretary-general + 3–5 members. The bounds are settings
# with these defaults; `composition_problems` takes them as arguments.
CHIEF = "chief"
SECRETARY = "secretary"
MEMBER = "member"
ROLES = (CHIEF, SECRETARY, MEMBER)
DEFAULT_MIN_MEMBERS = 3
DEFAULT_MAX_MEMBERS = 5


class RosterInfeasible(ValueError):
    """Some days cannot be covered: fewer members are available than the council patrols with."""

    def __init__(self, days: list[date], per_day: int):
        self.days = days
        self.per_day = per_day
        super().__init__(f"uncoverable days: {days}")


@dataclass
class Roster:
    shifts: dict[date, list[Hashable]]  # day → members on duty (rotation order)
    skipped: list[date] = field(default_factory=list)  # holidays skipped by policy

    def counts(self) -> dict[Hashable, int]:
        out: dict[Hashable, int] = {}
        for members in self.shifts.values():
            for m in members:
                out[m] = out.get(m, 0) + 1
        return out


def month_days(month: date) -> list[date]:
    """Every day of the month `month` (any day in it)."""
    first = month.replace(day=1)
    nxt = (first + timedelta(days=32)).replace(day=1)
    return [first + timedelta(days=i) for i in range((nxt - first).days)]


def rotated(members: Sequence[Hashable], last: Hashable | None) -> list[Hashable]:
    """The rotation order starting after `last` (last month's final patroller), so months chain fairly."""
    order = list(members)
    if last in order:
        i = order.index(last) + 1
        order = order[i:] + order[:i]
    return order


def generate_roster(
    days: Iterable[date],
    members: Sequence[Hashable],
    unavailable: Mapping[Hashable, Iterable[date]] | None = None,
    *,
    holidays: Iterable[date] = (),
    holiday_policy: str = PATROL,
    per_day: int = 1,
) -> Roster:
    """Assign `per_day` members to each day (see the module's docstring for what is guaranteed)."""
    if holiday_policy not in HOLIDAY_POLICIES:
        raise ValueError(f"holiday policy {holiday_policy!r}")
    if per_day < 1:
        raise ValueError("per_day must be at least 1")
    order = list(dict.fromkeys(members))
    nobody: frozenset[date] = frozenset()
    away = {m: frozenset(unavailable.get(m, ())) or nobody for m in order} if unavailable else {}
    holiday_set = frozenset(holidays) if holiday_policy == SKIP else nobody
    kept: list[date] = []
    skipped: list[date] = []
    for d in sorted(set(days)):
        (skipped if d in holiday_set else kept).append(d)

    # The rotation: a queue ordered by whose turn is longest ago (rotation order for those not yet on duty).
    # Each day takes the first available members of the queue and sends them to its end, so a member who
    # could not patrol keeps their place at the front. With everybody available this is the round-robin.
    queue = list(order)
    counts = dict.fromkeys(order, 0)
    shifts: dict[date, list[Hashable]] = {}
    short: list[date] = []
    if per_day == 1:
        # The common case, kept tight: the first available member of the queue.
        off = {m: a for m, a in away.items() if a}
        for d in kept:
            for i, m in enumerate(queue):  # noqa: B007 - i and m are used after the break
                if m not in off or d not in off[m]:
                    break
            else:
                short.append(d)
                continue
            del queue[i]
            queue.append(m)
            counts[m] += 1
            shifts[d] = [m]
    for d in kept if per_day > 1 else ():
        if away:
            chosen = [m for m in queue if d not in away[m]][:per_day]
            if len(chosen) < per_day:
                short.append(d)
                continue
        else:
            if len(queue) < per_day:
                short.append(d)
                continue
            chosen = queue[:per_day]
        for m in chosen:
            queue.remove(m)
            queue.append(m)
            counts[m] += 1
        shifts[d] = chosen if per_day == 1 else sorted(chosen, key=order.index)
    if short:
        raise RosterInfeasible(short, per_day)
    if away and order and max(counts.values()) - min(counts.values()) > 1:
        free = {d: [m for m in order if d not in away[m]] for d in kept}
        _even_out(shifts, free, counts)
    return Roster(shifts=shifts, skipped=skipped)


def _even_out(shifts: dict[date, list[Hashable]], free: Mapping[date, list[Hashable]], counts: dict) -> None:
    """Move days along reassignment chains from the busiest members to the least busy until no chain moves
    a day from a member with c patrols to one with at most c − 2 (the convex-cost optimum)."""
    available = {d: set(ms) for d, ms in free.items()}
    while True:
        improved = False
        for source in sorted(counts, key=lambda m: -counts[m]):
            path = _chain_from(source, shifts, available, counts)
            if path:
                for day, giver, taker in path:
                    on = shifts[day]
                    on[on.index(giver)] = taker
                counts[source] -= 1
                counts[path[-1][2]] += 1
                improved = True
                break
        if not improved:
            return


Move = tuple[date, Hashable, Hashable]  # (day, giver, taker)


def _chain_from(
    source: Hashable,
    shifts: Mapping[date, list[Hashable]],
    available: Mapping[date, set[Hashable]],
    counts: Mapping[Hashable, int],
) -> list[Move] | None:
    """Breadth-first search for a chain source → … → target of (day, giver, taker) moves that ends at a member
    with at most counts[source] − 2 patrols; None when there is none."""
    held: dict[Hashable, list[date]] = {}
    for d, on in shifts.items():
        for m in on:
            held.setdefault(m, []).append(d)
    limit = counts[source] - 2
    back: dict[Hashable, tuple[date, Hashable] | None] = {source: None}
    queue = deque([source])
    while queue:
        u = queue.popleft()
        for d in held.get(u, ()):
            on = shifts[d]
            for v in available[d]:
                if v in back or v in on:
                    continue
                back[v] = (d, u)
                if counts[v] <= limit:
                    path: list[Move] = []
                    node = v
                    step = back[node]
                    while step is not None:
                        day, giver = step
                        path.append((day, giver, node))
                        node = giver
                        step = back[node]
                    path.reverse()
                    return path
                queue.append(v)
    return None


# ---------------------------------------------------------------------------------------- council composition
def composition_problems(
    roles: Iterable[str], *, min_members: int = DEFAULT_MIN_MEMBERS, max_members: int = DEFAULT_MAX_MEMBERS
) -> list[str]:
    """Codes of what is wrong with a council whose active members hold `roles`: 'no_chief', 'two_chiefs',
    'two_secretaries', 'too_many_members' (ordinary members beyond max), 'too_few_members'."""
    roles = list(roles)
    out = []
    chiefs, secretaries = roles.count(CHIEF), roles.count(SECRETARY)
    ordinary = roles.count(MEMBER)
    if chiefs == 0:
        out.append("no_chief")
    if chiefs > 1:
        out.append("two_chiefs")
    if secretaries > 1:
        out.append("two_secretaries")
    if ordinary > max_members:
        out.append("too_many_members")
    if ordinary < min_members:
        out.append("too_few_members")
    return out


# ------------------------------------------------------------------------------------------ small state tables
# Swap requests: a member asks to hand a shift to another; the chief approves or rejects.
SWAP_PENDING, SWAP_APPROVED, SWAP_REJECTED = "pending", "approved", "rejected"
SWAP_TRANSITIONS = {SWAP_PENDING: (SWAP_APPROVED, SWAP_REJECTED)}

# A patrol round: started → finished.
ROUND_STARTED, ROUND_FINISHED = "started", "finished"

# A shift's status as read on a given day.
SHIFT_DONE, SHIFT_MISSED, SHIFT_DUE, SHIFT_ONGOING = "done", "missed", "due", "ongoing"


def shift_status(day: date, today: date, *, started: bool, finished: bool) -> str:
    """A shift is done once its round finished; missed when its day passed without a finished round."""
    if finished:
        return SHIFT_DONE
    if day < today:
        return SHIFT_MISSED
    return SHIFT_ONGOING if started else SHIFT_DUE


def completion_rate(done: int, due: int) -> float | None:
    """Finished patrols over patrols whose day has passed (None when none was due yet)."""
    return None if due == 0 else round(done / due, 4)


# Action items (council and joint meetings): open → done; overdue is read from the due date.
ITEM_OPEN, ITEM_DONE = "open", "done"


def is_overdue(due_on: date, today: date, status: str) -> bool:
    return status == ITEM_OPEN and due_on < today


def volunteer_hours(seconds: float) -> float:
    """Hours credited for a check-in to check-out span of `seconds` (the caller refuses check-out before
    check-in), to the hundredth."""
    return round(max(0.0, seconds) / 3600, 2)
