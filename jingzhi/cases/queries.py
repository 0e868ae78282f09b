"""Reads of cases, already scoped to the person asking and pre-joined.

`cases_visible_to(user)` is the ONE place that decides which cases a person may see: place roles by the
codes of their jurisdictions (each an equality on an indexed code column — a subdistrict scope compares
`subdistrict_code`, a grid scope `grid_code`, a street scope `street_code`), handlers by their departments'
assignments, everybody their own reports and the cases they follow. Queues (`queue_for`) and the duplicate
search (`find_duplicates`) build on it. List reads pre-join what a row shows (category, lead department,
places without their geometry, current assignments) so a queue page costs a fixed number of queries.
"""

from __future__ import annotations

import math
from contextlib import contextmanager
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import BooleanField, Exists, ExpressionWrapper, F, OuterRef, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jingzhi.accounts import access
from jingzhi.accounts.rules import scope_kind_of_code
from jingzhi.cases import workflow
from jingzhi.cases.models import (
    Case,
    CaseAssignment,
    CaseEvent,
    CaseFollower,
    ExtensionRequest,
    ExtensionStatus,
    Supervision,
    Whistle,
    WhistleSummons,
)
from jingzhi.core import clock, prepared
from jingzhi.core.errors import InvalidInput
from jingzhi.core.ids import is_code
from jingzhi.core.rows import literal
from jingzhi.core.text import listing
from jingzhi.core.types import Reader

_CODE_COLUMN = {6: "district_code", 9: "subdistrict_code", 12: "community_code", 15: "grid_code"}


def code_q(code: str) -> Q:
    """Cases within the place `code` (a hierarchical code or a street code)."""
    return _lookups_q(_code_lookups(code), code)


def _code_lookups(code: str) -> tuple[str, ...]:
    """The lookups `code_q` ORs, each compared with the code itself (none: no case)."""
    if not code:
        return ()
    if scope_kind_of_code(code) is not None and len(code) in _CODE_COLUMN:
        return (_CODE_COLUMN[len(code)],)
    if is_code(code):
        return ("grid_code__startswith", "district_code")
    return ("street_code",)


def _lookups_q(lookups: tuple[str, ...], code: str) -> Q:
    if not lookups:
        return Q(pk__in=[])
    q = Q(**{lookups[0]: code})
    for lookup in lookups[1:]:
        q |= Q(**{lookup: code})
    return q


def visibility_q(user: Reader) -> Q | None:
    """The filter of `cases_visible_to`; None means everything (superuser)."""
    parts = _visibility_parts(user)
    if parts is None or isinstance(parts, Q):
        return parts
    user_pk, coded, departments = parts
    return _visibility_q_of(user_pk, coded, departments)


def _visibility_parts(user: Reader):
    """What `visibility_q` is made of: None (everything), a Q matching nothing, or (the user's id, the
    (lookups, code) of each place they cover, their departments' ids)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return Q(pk__in=[])
    if access.is_superuser(user):
        return None
    codes = access.scope_codes(user, roles=workflow.PLACE_ROLES) or []
    departments = access.department_ids(user, roles=workflow.DEPARTMENT_READERS)
    return user.pk, [(_code_lookups(code), code) for code in codes], sorted(departments or ())


def _visibility_q_of(user_pk: int, coded: list[tuple[tuple[str, ...], str]], departments: list[int]) -> Q:
    # The cases the person reported or follows, as one list read once (`id__any_of`): ORed with the place
    # codes below it stays indexable, where a per-row EXISTS made every queue scan its whole state.
    own = (
        Case.objects.filter(reporter_id=user_pk)
        .order_by()
        .values("pk")
        .union(CaseFollower.objects.filter(user_id=user_pk).order_by().values("case_id"))
    )
    q = Q(pk__any_of=own)
    for lookups, code in coded:
        q |= _lookups_q(lookups, code)
    if departments:
        q |= Exists(CaseAssignment.objects.filter(case_id=OuterRef("pk"), department_id__in=departments))
    return q


def cases_visible_to(user: Reader) -> QuerySet[Case]:
    q = visibility_q(user)
    return Case.objects.all() if q is None else Case.objects.filter(q)


_PLACE_GEOMETRY = [
    "grid__geometry",
    "community__geometry",
    "subdistrict__geometry",
    "district__geometry",
    "street__geometry",
]


# ---------------------------------------------------------------------------------------------------- takers
_PLACE_CODE_COLUMNS = ("grid_code", "community_code", "subdistrict_code", "district_code", "street_code")


def _place_taker_exists(roles) -> Exists:
    """An active person holding one of `roles` whose scope covers the case: a scope equal to one of the
    case's place codes (its grid, community, subdistrict, district or street — the same covering rule as
    `accounts.queries.users_covering`, read from the codes denormalised onto the case)."""
    from jingzhi.accounts.models import RoleAssignment

    covers = Q(pk__in=[])
    for column in _PLACE_CODE_COLUMNS:
        covers |= Q(scope_code=OuterRef(column))
    return Exists(
        RoleAssignment.objects.filter(
            covers, role__in=list(roles), is_active=True, user__is_active=True
        ).exclude(scope_code="")
    )


def _handler_taker_exists() -> Exists:
    """An active handler of an active department the case is actively assigned to."""
    return Exists(
        CaseAssignment.objects.filter(
            case_id=OuterRef("pk"),
            is_active=True,
            department__is_active=True,
            department__role_assignments__role=workflow.HANDLER,
            department__role_assignments__is_active=True,
            department__role_assignments__user__is_active=True,
        )
    )


def no_taker_q() -> Q:
    """Open cases whose next step no one can take (`workflow.TAKERS`): no active inspector (shift lead,
    dispatcher, operator) covers the case's place, or no active handler works in a department it is assigned
    to. Computed at read time from the role assignments, so appointing an inspector clears the flag at once
    and a revoked one raises it, with nothing stored to go stale."""
    by_roles: dict[tuple[str, ...], list[str]] = {}
    for state, roles in workflow.TAKERS.items():
        by_roles.setdefault(roles, []).append(state)
    q = Q(pk__in=[])
    for roles, states in by_roles.items():
        taker = _handler_taker_exists() if roles == (workflow.HANDLER,) else _place_taker_exists(roles)
        q |= Q(state__in=states) & ~taker
    return q


def with_taker_flag(qs: QuerySet[Case]) -> QuerySet[Case]:
    """`qs` with `no_taker` (bool) on each row."""
    return qs.annotate(no_taker=ExpressionWrapper(no_taker_q(), output_field=BooleanField()))


def place_taker_returning(case) -> tuple[str, list] | None:
    """For the INSERT of a new case: an EXISTS (SQL, parameters) for its RETURNING list saying whether
    someone can take its next step — the place-role rule of `has_no_taker`, over the codes of the row in
    hand — so the answer to the reporter needs no read of its own (`taker_known`). None when the state's
    takers are not a place role."""
    from django.db import connection

    from jingzhi.accounts.models import RoleAssignment, User

    roles = workflow.TAKERS.get(case.state)
    codes = [code for code in (getattr(case, column) for column in _PLACE_CODE_COLUMNS) if code]
    if not roles or roles == (workflow.HANDLER,) or not codes:
        return None
    qn = connection.ops.quote_name
    # The roles and flags are the code's constants, written into the text (one text per state and number
    # of codes); the place's codes are parameters.
    sql = (
        f"EXISTS (SELECT 1 FROM {qn(RoleAssignment._meta.db_table)} ra "
        f"INNER JOIN {qn(User._meta.db_table)} u ON u.id = ra.user_id "
        f"WHERE ra.role IN ({', '.join(literal(str(role)) for role in roles)}) AND ra.is_active = {literal(True)} "
        f"AND u.is_active = {literal(True)} AND ra.scope_code IN ({', '.join(['%s'] * len(codes))}))"
    )
    return sql, codes


def has_no_taker(case) -> bool:
    """Whether no one can take `case`'s next step (the annotation when the row was read with it; for a case
    just opened, what its INSERT returned, `taker_known` = (state, someone can take it))."""
    flag = getattr(case, "no_taker", None)
    if flag is not None:
        return bool(flag)
    known = getattr(case, "taker_known", None)
    if known is not None and known[0] == case.state:
        return not known[1]
    roles = workflow.TAKERS.get(case.state)
    if not roles:
        return False
    if roles == (workflow.HANDLER,):
        return Case.objects.filter(pk=case.pk).filter(no_taker_q()).exists()
    # A place role: the case's codes are on the row in hand, so ask the role assignments alone (the same
    # covering rule as `_place_taker_exists`) instead of the whole flag expression over the case table —
    # that one statement was a third of an API intake's time, most of it planning.
    from jingzhi.accounts.models import RoleAssignment

    codes = [code for code in (getattr(case, column) for column in _PLACE_CODE_COLUMNS) if code]
    return not (
        codes
        and RoleAssignment.objects.filter(
            role__in=list(roles), is_active=True, user__is_active=True, scope_code__in=codes
        ).exists()
    )


def no_taker_by_queue(user: Reader, *, cap: int = 1000) -> dict[str, int]:
    """The user's visible open cases that no one can take, counted by the queue of their state (one read,
    at most `cap` rows): what the workbench's warning lists."""
    states = (
        cases_visible_to(user)
        .filter(state__in=list(workflow.TAKERS))
        .filter(no_taker_q())
        .order_by()
        .values_list("state", flat=True)[:cap]
    )
    out: dict[str, int] = {}
    for state in states:
        name = next(n for n, (_label, s) in QUEUES.items() if n != "supervision" and state in s)
        out[name] = out.get(name, 0) + 1
    return {n: out[n] for n in QUEUES if n in out}


FIXED_JOIN_ORDER = True
FIXED_JOIN_ORDER_FROM = 8  # tables in the statement (a `values()` read joins none and plans fast)


class TakerFlaggedQuerySet(QuerySet):
    """Cases that get their `no_taker` flag when fetched: one statement over the fetched rows' ids (only
    those in a state someone must take), after the page is read. As a column of the page query the flag's
    EXISTS were planned for every row the query might touch — on a big table PostgreSQL then hashed every
    active assignment of every staffed department (1.8 M rows at 2 M cases, seconds) to answer 25 rows."""

    def _fetch_all(self):
        fresh = self._result_cache is None
        many_joins = self._fields is None and len(self.query.alias_map) >= FIXED_JOIN_ORDER_FROM
        if fresh and connection.vendor == "postgresql" and FIXED_JOIN_ORDER and many_joins:
            # A list row joins ten small tables to the case; searching the orders of those joins cost
            # PostgreSQL 60–70 ms of planning for a page that then ran in 1–2 ms. The joins are LEFT joins
            # to primary keys: the order they are written in is the plan (planning ≈ 5 ms).
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SET LOCAL join_collapse_limit = 1")
                super()._fetch_all()
        else:
            super()._fetch_all()
        if fresh and self._result_cache and isinstance(self._result_cache[0], Case):
            flag_no_taker(self._result_cache)


class _NoTakerBatch:
    """The no-taker flags of one fetched list, read with one statement the first time any is asked for:
    a page that never shows them (a resident's list) pays nothing."""

    def __init__(self, waiting: list[int]):
        self.waiting, self.stuck = waiting, None

    def __contains__(self, pk) -> bool:
        if self.stuck is None:
            rows = prepared.fetch(("no_taker",), _stuck_among, self.waiting)
            self.stuck = {row[0] for row in rows}
        return pk in self.stuck


def _stuck_among(ids) -> QuerySet[Case]:
    return Case.objects.filter(pk__in=ids).filter(no_taker_q()).values_list("pk")


class _NoTakerFlag:
    """A case's `no_taker`: true or false when asked (`bool()`, `==`), read with the rest of its list."""

    __slots__ = ("batch", "pk")

    def __init__(self, batch: _NoTakerBatch, pk: int):
        self.batch, self.pk = batch, pk

    def __bool__(self) -> bool:
        return self.pk in self.batch

    def __eq__(self, other) -> bool:
        return bool(self) == other

    def __hash__(self) -> int:
        return hash(bool(self))

    def __repr__(self) -> str:
        return repr(bool(self))


def flag_no_taker(cases) -> None:
    """Give each case of `cases` (a list of rows) its `no_taker` flag; all of them are read together, with
    one statement over the ids of those in a state someone must take, when the first is asked for."""
    waiting = [c.pk for c in cases if c.state in workflow.TAKERS]
    batch = _NoTakerBatch(waiting)
    for case in cases:
        case.no_taker = _NoTakerFlag(batch, case.pk) if waiting and case.state in workflow.TAKERS else False


def list_queryset(qs: QuerySet[Case]) -> QuerySet[Case]:
    """What a list row shows, pre-joined, each row with its `no_taker` flag (set when the rows are fetched:
    `TakerFlaggedQuerySet`); boundaries' geometry left behind (it is large)."""
    flagged = TakerFlaggedQuerySet(model=qs.model, query=qs.query.chain(), using=qs._db, hints=qs._hints)
    flagged._prefetch_related_lookups = qs._prefetch_related_lookups
    flagged._known_related_objects = qs._known_related_objects
    flagged._sticky_filter, flagged._for_write = qs._sticky_filter, qs._for_write
    return _list_joins(flagged).prefetch_related(
        Prefetch("assignments", queryset=_active_assignments(), to_attr="active_assignments")
    )


def _list_joins(qs: QuerySet[Case]) -> QuerySet[Case]:
    return qs.select_related(
        "category__parent",
        "lead_department",
        "grid",
        "community",
        "subdistrict",
        "district",
        "street",
        "urgency",
        "request_type",
    ).defer(*_PLACE_GEOMETRY)


def _active_assignments() -> QuerySet[CaseAssignment]:
    return CaseAssignment.objects.filter(is_active=True).select_related("department")


_DETAIL_JOINS = ("filing_condition", "merged_into", "reporter")


def detail_queryset(qs: QuerySet[Case]) -> QuerySet[Case]:
    return list_queryset(qs).select_related(*_DETAIL_JOINS)


def visible_case(user: Reader, *, pk: int | None = None, number: str | None = None) -> Case | None:
    """The case with id `pk` (or number `number`) if `user` may see it, pre-joined as `detail_queryset`
    gives it (its current assignments under `active_assignments`, its `no_taker` flag), else None.

    The same statements as `detail_queryset(cases_visible_to(user)).filter(…)`, compiled by the ORM once
    per shape of the person's visibility (which place lookups, how many departments) and run with this
    person's ids and codes (`core.prepared`): compiling a row of two hundred pre-joined columns and its
    visibility filter cost more than reading it."""
    parts = _visibility_parts(user)
    if isinstance(parts, Q):
        return None
    by, value = ("pk", pk) if number is None else ("number", number)
    if value is None:
        return None

    def read(qs, v):
        return _list_joins(qs).select_related(*_DETAIL_JOINS).filter(**{by: v}).order_by()[:1]

    if parts is None:
        rows = prepared.fetch(("case", by), lambda v: read(Case.objects.all(), v), value)
    else:
        user_pk, coded, departments = parts
        lookups = tuple(lookup for lookup, _code in coded)

        def build(v, me, codes, deps):
            return read(
                Case.objects.filter(_visibility_q_of(me, list(zip(lookups, codes, strict=True)), deps)), v
            )

        rows = prepared.fetch(
            ("case", by, lookups), build, value, user_pk, [code for _l, code in coded], departments
        )
    if not rows:
        return None
    case = rows[0]
    # What the list's prefetch gives (the same statement), each assignment knowing its case.
    case.active_assignments = prepared.fetch(
        ("active_assignments",), lambda ids: _active_assignments().filter(case__in=ids), [case.pk]
    )
    for assignment in case.active_assignments:
        assignment.case = case
    flag_no_taker([case])
    return case


# ---------------------------------------------------------------------------------------------------- queues
QUEUES = {
    "verify": (gettext_lazy("待核实"), (workflow.REPORTED, workflow.VERIFYING)),
    "filing": (gettext_lazy("待立案"), (workflow.PENDING_FILING,)),
    "dispatch": (gettext_lazy("待派遣"), (workflow.PENDING_DISPATCH,)),
    "response": (gettext_lazy("待响应"), (workflow.PENDING_RESPONSE,)),
    "handling": (gettext_lazy("处置中"), (workflow.HANDLING,)),
    "parked": (gettext_lazy("挂账/缓办"), (workflow.PARKED,)),
    "check": (gettext_lazy("待核查"), (workflow.PENDING_CHECK,)),
    "callback": (gettext_lazy("待回访"), (workflow.PENDING_CALLBACK,)),
    "supervision": (gettext_lazy("督办"), workflow.OPEN_STATES),
    "closed": (gettext_lazy("已结案"), (workflow.CLOSED,)),
}
# Queues a department works from: only cases currently assigned to it, not those it once returned.
_DEPARTMENT_QUEUES = {"response", "handling", "parked", "check", "supervision"}


def _live(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


def _department_only(user) -> bool:
    """Whether the user's queues are their departments' own: a live, non-superuser person without a place
    role (a handler). Their department queues read the departments' assignments, nothing else."""
    return (
        _live(user)
        and not access.is_superuser(user)
        and not access.scope_codes(user, roles=workflow.PLACE_ROLES)
    )


def _shared_case_ids(departments, states) -> QuerySet:
    """Ids of the cases in `states` that one of `departments` co-handles (an active assignment, not the lead,
    whose work has not ended), from the partial index (department, case) WHERE is_active AND NOT is_lead
    AND ended_at IS NULL, each case's state then checked by primary key.

    A finished case keeps its assignments active (they name who handled it); their `ended_at`, set when the
    case finishes, is what takes them out of that index, so that reading a department's co-handled cases does not walk every case it
    ever co-handled. The state test keeps the list to the queue's own cases."""
    return (
        CaseAssignment.objects.filter(
            department_id__in=departments,
            is_active=True,
            is_lead=False,
            ended_at__isnull=True,
            case__state__in=states,
        )
        .order_by()
        .values("case_id")
    )


def _with_active_assignment(qs: QuerySet[Case], departments) -> QuerySet[Case]:
    return qs.filter(
        Exists(
            CaseAssignment.objects.filter(
                case_id=OuterRef("pk"), is_active=True, department_id__in=departments
            )
        )
    )


def _department_queue(departments, states) -> QuerySet[Case]:
    """A department's own queue: cases in `states` with an active assignment to one of `departments`.

    No visibility OR here: an active assignment to the user's department already makes the case visible
    (`visibility_q` admits any assignment), so the OR could only repeat the answer — and evaluating it row by
    row over every case in the state is what made the queue slow on a large table. The candidates come from
    two small index range scans instead: cases led by the department in those states (index state, lead,
    deadline) and the department's active co-handling assignments of cases in those states
    (`_shared_case_ids`); the EXISTS then keeps exactly the cases whose assignment is still active, whatever
    the lead column says."""
    departments = sorted(departments)
    if not departments:
        return Case.objects.none()
    led = Case.objects.filter(state__in=states, lead_department_id__in=departments).order_by().values("pk")
    candidates = led.union(_shared_case_ids(departments, states))
    # `id__any_of` (PostgreSQL: `id = ANY(ARRAY(subquery))`) is a restriction on the case table itself,
    # evaluated once, so the planner reads the candidates by primary key whatever the order of the list's
    # many pre-joins (beyond join_collapse_limit a plain IN is joined last, after scanning the whole state).
    qs = Case.objects.filter(state__in=states, pk__any_of=candidates)
    return _with_active_assignment(qs, departments)


def _count_department_queue(departments, queue_name: str, now: datetime, cap: int | None) -> int:
    """`_department_queue(departments, …)` of `queue_name`, counted (up to `cap`) in disjoint parts that
    each stop at what the cap still lacks: per state, the cases the departments lead, read in the order of
    the index (state, lead department, step deadline) so that a LIMIT ends the scan (earliest deadlines
    first: in 督办 those are the overdue cases it asks for); then the co-handled cases led by another
    department (those led by one of `departments` are already counted). The ARRAY of `_department_queue`
    is built whole before any LIMIT applies: a capped count over it would read the department's whole
    workload in the state."""
    departments = sorted(departments)
    if not departments:
        return 0
    states = QUEUES[queue_name][1]

    def led(state):
        def build(deps, moment) -> QuerySet[Case]:
            qs = Case.objects.filter(state=state, lead_department_id__in=deps).order_by("step_deadline")
            return _with_active_assignment(_queue_filter(qs, queue_name, moment), deps)

        return build

    def shared(deps, moment) -> QuerySet[Case]:
        qs = Case.objects.filter(state__in=states, pk__any_of=_shared_case_ids(deps, states))
        qs = qs.exclude(lead_department_id__in=deps).order_by()
        return _with_active_assignment(_queue_filter(qs, queue_name, moment), deps)

    def counted(part: str, build, total: int) -> int:
        limit = cap - total if cap else None

        def capped(deps, moment):
            qs = build(deps, moment).values("pk")
            return qs[:limit] if limit is not None else qs

        # Compiled once per shape (`core.prepared`): a workbench makes twenty of these small index reads,
        # and building each through the ORM (filters, EXISTS, the count around them) cost more than the read.
        return prepared.count(("count", queue_name, part, limit), capped, departments, now)

    total = 0
    for state in states:
        total += counted(state, led(state), total)
        if cap and total >= cap:
            return cap
    return total + counted("", shared, total)


def queue_names_for(user: Reader) -> tuple[str, ...]:
    """The queues the user works from, in `QUEUES` order: everything, except that a department user (a
    handler without a place role) gets the department queues and 已结案. The others (待核实, 待立案, 待派遣,
    待回访) hold only cases that user reported, follows or once handled — not work of theirs — and counting
    them means testing every case in the state against the department's whole assignment history."""
    if _department_only(user) and access.department_ids(user, roles=[workflow.HANDLER]):
        return tuple(n for n in QUEUES if n in _DEPARTMENT_QUEUES or n == "closed")
    return tuple(QUEUES)


def queue_label(name: str) -> str:
    return str(QUEUES[name][0])


def queue_for(
    user: Reader,
    queue_name: str,
    *,
    category=None,
    subdistrict_code: str = "",
    grid_code: str = "",
    department_id=None,
    source: str = "",
    overdue: bool | None = None,
    escalated: bool | None = None,
    no_taker: bool | None = None,
    search: str = "",
    now: datetime | None = None,
) -> QuerySet[Case]:
    """A work queue, scoped, filtered and pre-joined, most urgent first (earliest step deadline).
    `no_taker=True` keeps the cases no one can take (`no_taker_q`), False the others."""
    if queue_name not in QUEUES:
        raise InvalidInput(
            _("未知的队列“%(name)s”，可选：%(names)s") % {"name": queue_name, "names": listing(QUEUES)},
            fields={"queue": "unknown"},
        )
    now = now or clock.now()
    states = QUEUES[queue_name][1]
    if queue_name in _DEPARTMENT_QUEUES and _department_only(user):
        qs = _department_queue(access.department_ids(user, roles=[workflow.HANDLER]), states)
    else:
        qs = cases_visible_to(user).filter(state__in=states)
    qs = _queue_filter(qs, queue_name, now)
    if category is not None:
        qs = qs.filter(category_id=getattr(category, "pk", category))
    if subdistrict_code:
        qs = qs.filter(subdistrict_code=subdistrict_code)
    if grid_code:
        qs = qs.filter(grid_code=grid_code)
    if department_id:
        qs = qs.filter(
            Exists(
                CaseAssignment.objects.filter(
                    case_id=OuterRef("pk"), is_active=True, department_id=department_id
                )
            )
        )
    if source:
        qs = qs.filter(source=source)
    if overdue is True:
        qs = qs.filter(step_deadline__lt=now)
    elif overdue is False:
        qs = qs.exclude(step_deadline__lt=now)
    if escalated is not None:
        qs = qs.filter(is_escalated=escalated)
    if no_taker is True:
        qs = qs.filter(no_taker_q())
    elif no_taker is False:
        qs = qs.exclude(no_taker_q())
    if search:
        qs = qs.filter(search_q(search))
    order = (
        ["-is_escalated", "step_deadline", "reported_at", "id"] if queue_name != "closed" else ["-closed_at"]
    )
    return list_queryset(qs).order_by(*order)


def _supervision_q(now: datetime) -> Q:
    return Q(is_escalated=True) | Q(step_deadline__lt=now) | Q(supervision_count__gt=0)


def _in_queue_q(queue_name: str, now: datetime) -> Q:
    q = Q(state__in=QUEUES[queue_name][1])
    return q & _supervision_q(now) if queue_name == "supervision" else q


def search_queues(user: Reader, text: str, *, names=None, now: datetime | None = None) -> QuerySet[Case]:
    """The cases matching `text` in any of the queues `names` (default: `queue_names_for(user)`), each queue
    scoped as `queue_for` scopes it, in one query, pre-joined, most urgent first. A department user's
    department queues read their departments' assignments (`_department_queue`); every other queue is the
    user's visible cases in its states. `queues_of` then says which tabs each hit is in."""
    now = now or clock.now()
    text = (text or "").strip()
    names = [n for n in (queue_names_for(user) if names is None else names) if n in QUEUES]
    if not text or not names:
        return Case.objects.none()
    department_only = _department_only(user)
    own = [n for n in names if n in _DEPARTMENT_QUEUES and department_only]
    rest = [n for n in names if n not in own]
    parts = Q(pk__in=[])
    if rest:
        cond = Q(pk__in=[])
        for name in rest:
            cond |= _in_queue_q(name, now)
        parts |= Q(pk__in=cases_visible_to(user).filter(cond).order_by().values("pk"))
    if own:
        cond = Q(pk__in=[])
        for name in own:
            cond |= _in_queue_q(name, now)
        departments = access.department_ids(user, roles=[workflow.HANDLER])
        mine = _department_queue(departments, workflow.OPEN_STATES).filter(cond)
        parts |= Q(pk__in=mine.order_by().values("pk"))
    qs = Case.objects.filter(parts).filter(search_q(text))
    return list_queryset(qs).order_by(
        "-is_escalated", F("step_deadline").asc(nulls_last=True), "-reported_at", "id"
    )


def queues_of(case, names, now: datetime) -> list[str]:
    """Which of the queues `names` hold `case` (a hit of `search_queues` over the same names): the queue of
    its state, and 督办 when it is escalated, overdue or supervised."""
    out = []
    for name in names:
        if name not in QUEUES or case.state not in QUEUES[name][1]:
            continue
        if name == "supervision" and not (
            case.is_escalated
            or (case.step_deadline is not None and case.step_deadline < now)
            or case.supervision_count > 0
        ):
            continue
        out.append(name)
    return out


def search_q(text: str) -> Q:
    """A person's search words: a case number exactly, or words in the description or the address."""
    text = (text or "").strip()
    return Q(number__iexact=text) | Q(description__icontains=text) | Q(address__icontains=text)


# Rows examined for the yellow and green filters: the light is computed from the working calendar in Python,
# so these filters scan the soonest-due open cases, capped (red and "none" are plain SQL conditions).
LEVEL_SCAN = 1000


def at_warning_level(qs: QuerySet[Case], level: str, now: datetime):
    """The cases of `qs` whose light is `level` now: a queryset for red and none, a capped list for yellow
    and green (the soonest due first). Both the workbench and the API filter through here."""
    if level == workflow.RED:
        return qs.filter(state__in=workflow.OPEN_STATES, step_deadline__lt=now)
    if level == workflow.NONE:
        return qs.filter(Q(state__in=workflow.FINISHED) | Q(step="") | Q(step_deadline__isnull=True))
    if level in (workflow.GREEN, workflow.YELLOW):
        candidates = (
            qs.filter(state__in=workflow.OPEN_STATES, step_deadline__gte=now)
            .exclude(step="")
            .order_by("step_deadline", "id")[:LEVEL_SCAN]
        )
        return [c for c in candidates if c.sla(now).level == level]
    return qs


def _queue_filter(qs: QuerySet[Case], queue_name: str, now: datetime) -> QuerySet[Case]:
    """What a queue asks of a case beyond its states and the reader's scope."""
    if queue_name == "supervision":
        qs = qs.filter(Q(is_escalated=True) | Q(step_deadline__lt=now) | Q(supervision_count__gt=0))
    return qs


def queue_counts(
    user: Reader, now: datetime | None = None, *, names=None, cap: int | None = None
) -> dict[str, int]:
    """Cases per queue (`names`, default all); each equals `queue_for(user, name).count()`. With `cap`,
    counting stops at `cap` rows: a tab only needs to say "more than 999", and counting a history of
    millions to say so is what made a page slow. A department user's department queues are counted part by
    part, each part stopping at the cap (`_count_department_queue`)."""
    now = now or clock.now()
    out = {}
    department_only = _department_only(user)
    departments = access.department_ids(user, roles=[workflow.HANDLER]) if department_only else set()
    with _short_reads():
        for name in QUEUES if names is None else names:
            if name in _DEPARTMENT_QUEUES and department_only:
                out[name] = _count_department_queue(departments, name, now, cap)
                continue
            qs = queue_for(user, name, now=now).prefetch_related(None).order_by()
            out[name] = qs.values("pk")[:cap].count() if cap else qs.count()
    return out


@contextmanager
def _short_reads():
    """PostgreSQL: no JIT compilation and no parallel workers for the counts (in a transaction of their own,
    SET LOCAL). Each count is an index scan that a LIMIT ends after at most `cap` rows, but the planner
    prices the scan it would do without the LIMIT: on a large table that price passes the JIT threshold and
    makes workers look worthwhile, and compiling (tens of ms) or starting workers then costs more than the
    scan itself — the only part of a tab count that grew with the table."""
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = off")
        cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
        yield


def overdue_cases(user: Reader = None, *, now: datetime | None = None) -> QuerySet[Case]:
    """Open cases past their step deadline (all of them for user None: the reminder task)."""
    now = now or clock.now()
    qs = Case.objects.all() if user is None else cases_visible_to(user)
    return qs.filter(state__in=workflow.OPEN_STATES, step_deadline__lt=now)


def my_reports(user: Reader) -> QuerySet[Case]:
    """A resident's own reports and the cases they follow, newest first, as list rows (`list_queryset`)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return Case.objects.none()
    return list_queryset(_mine(user.pk)).order_by("-reported_at")


def _mine(user_pk: int) -> QuerySet[Case]:
    # One list of ids read once (as `visibility_q` does): `reporter = me OR EXISTS(follower)` could use no
    # index and read the whole table (2.5 s to count a resident's reports among 2 M cases).
    own = (
        Case.objects.filter(reporter_id=user_pk)
        .order_by()
        .values("pk")
        .union(CaseFollower.objects.filter(user_id=user_pk).order_by().values("case_id"))
    )
    return Case.objects.filter(pk__any_of=own)


# What "我的上报" reads of a case: its state, number, description, time and rating, the version its forms
# post, and what deciding whether its reporter may rate or reopen it reads (`permissions.allowed_actions_for`).
_REPORT_COLUMNS = (
    "number",
    "state",
    "description",
    "reported_at",
    "reporter",
    "rating",
    "version",
    "reopen_count",
    "extension_days",
    "grid_code",
    "community_code",
    "subdistrict_code",
    "district_code",
    "street_code",
)


class ReportList:
    """A resident's own reports and followed cases, newest first, as "我的上报" pages them (`Paginator` reads
    `count()` and a slice): the cases' own columns that page shows, without the ten pre-joined tables and the
    assignments a staff row needs. Both statements are compiled by the ORM once per process (the slice's once
    per its bounds) and run with the resident's id: building them cost several times reading them."""

    def __init__(self, user: Reader):
        live = user is not None and getattr(user, "is_authenticated", False)
        self.user_pk = user.pk if live else None

    def count(self) -> int:
        if self.user_pk is None:
            return 0
        return prepared.count(("my_reports",), lambda pk: _mine(pk).order_by().values("pk"), self.user_pk)

    def __getitem__(self, part: slice) -> list[Case]:
        if self.user_pk is None:
            return []
        bottom, top = part.start or 0, part.stop

        def build(user_pk):
            return _mine(user_pk).only(*_REPORT_COLUMNS).order_by("-reported_at")[bottom:top]

        return prepared.fetch(("my_reports", bottom, top), build, self.user_pk)


def my_report_list(user: Reader) -> ReportList:
    """What "我的上报" lists: `ReportList`."""
    return ReportList(user)


# ---------------------------------------------------------------------------------------------------- timeline
def timeline(case) -> list[CaseEvent]:
    """Every event of the case in order, with actors; attachments under `event.attachments_list`. Both
    statements are compiled once (`core.prepared`; the attachments' once per number of events)."""
    events = prepared.fetch(
        ("timeline",),
        lambda pk: CaseEvent.objects.filter(case_id=pk).select_related("actor").order_by("created_at", "id"),
        case.pk,
    )
    by_id = {e.pk: e for e in events}
    for event in events:
        event.attachments_list = []
    try:
        from jingzhi.core.attachments import Attachment as Model  # built by another engineer (contract)
    except ImportError:
        Model = None
    if Model is not None and by_id:
        for item in prepared.fetch(
            ("timeline_attachments",),
            lambda ids: Model.objects.filter(owner_type="cases.caseevent", owner_id__in=ids),
            [str(pk) for pk in by_id],
        ):
            event = by_id.get(int(item.owner_id))
            if event is not None:
                event.attachments_list.append(item)
    return events


def assignments_of(case) -> list[CaseAssignment]:
    """All the case's assignments, current and ended, newest first, with their departments."""
    assignments = prepared.fetch(
        ("assignments",),
        lambda pk: (
            CaseAssignment.objects.filter(case_id=pk)
            .select_related("department")
            .order_by("-assigned_at", "id")
        ),
        case.pk,
    )
    for assignment in assignments:
        assignment.case = case  # as `case.assignments` gives them
    return assignments


def supervisions_of(case) -> list[Supervision]:
    return prepared.fetch(
        ("supervisions",),
        lambda pk: Supervision.objects.filter(case_id=pk).select_related("created_by"),
        case.pk,
    )


def pending_extension_of(case) -> ExtensionRequest | None:
    rows = prepared.fetch(
        ("pending_extension",),
        lambda pk: ExtensionRequest.objects.filter(case_id=pk, status=ExtensionStatus.PENDING)[:1],
        case.pk,
    )
    return rows[0] if rows else None


def whistles_of(case) -> list[Whistle]:
    return prepared.fetch(
        ("whistles",),
        lambda pk: Whistle.objects.filter(cases=pk).prefetch_related(
            Prefetch("summonses", queryset=WhistleSummons.objects.select_related("department", "reported_by"))
        ),
        case.pk,
    )


def summonses_for(user: Reader, *, pending_only: bool = False) -> QuerySet[WhistleSummons]:
    """Summonses of the user's departments (for the handler's report-in page)."""
    departments = access.department_ids(user, roles=[workflow.HANDLER])
    qs = WhistleSummons.objects.select_related("whistle", "department")
    if not access.is_superuser(user):
        qs = qs.filter(department_id__in=departments)
    if pending_only:
        qs = qs.filter(reported_at__isnull=True)
    return qs.order_by("report_deadline")


# ---------------------------------------------------------------------------------------------------- duplicates
EARTH_M = 6_371_008.8


def distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance in metres (haversine): exact enough for tens of metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_M * math.asin(min(1.0, math.sqrt(h)))


def find_duplicates(
    category, lon: float, lat: float, at: datetime | None = None, *, exclude_id=None, limit: int = 10
) -> list[tuple[Case, float]]:
    """Open cases of the same category within the category's radius and time window before `at`, nearest
    first, as (case, metres)."""
    near = find_duplicate_ids(category, lon, lat, at, exclude_id=exclude_id, limit=limit)
    if not near:
        return []
    cases = Case.objects.select_related("category").in_bulk([pk for pk, _metres in near])
    return [(cases[pk], metres) for pk, metres in near if pk in cases]


def find_duplicate_ids(
    category, lon: float, lat: float, at: datetime | None = None, *, exclude_id=None, limit: int = 10
) -> list[tuple[int, float]]:
    """As `find_duplicates`, but (case id, metres) only: one query, for intake, which records the ids.
    A bounding box in SQL narrows the rows; the exact distance is in Python."""
    search = _duplicate_search(category, lon, lat, at)
    if search is None:
        return []
    sql, params, radius = search
    if exclude_id is not None:
        sql += " AND id <> %s"
        params.append(exclude_id)
    with connection.cursor() as cursor:
        cursor.execute(sql + " LIMIT 500", params)
        rows = cursor.fetchall()
    return _nearest(rows, lon, lat, radius, limit)


def duplicates_returning(category, lon: float, lat: float, at: datetime, *, number: str):
    """For the INSERT of a new case (numbered `number`): an expression (SQL, parameters) for its RETURNING
    list holding what `find_duplicate_ids` reads — the same candidates, as text — so intake's duplicate
    search costs no round trip of its own; `duplicates_from(value, …)` turns the returned value into the
    same answer. None when the category has no duplicate search."""
    search = _duplicate_search(category, lon, lat, at)
    if search is None:
        return None
    sql, params, _radius = search
    # The new row itself is left out by its number (PostgreSQL's subquery does not see it; SQLite's may).
    # string_agg and group_concat are the same aggregate in the two databases.
    aggregate = "string_agg" if connection.vendor == "postgresql" else "group_concat"
    text = (
        f"(SELECT {aggregate}(CAST(d.id AS TEXT) || ' ' || CAST(d.lon AS TEXT) || ' ' || "
        f"CAST(d.lat AS TEXT), ',') FROM ({sql} AND number <> %s LIMIT 500) d)"
    )
    return text, [*params, number]


def duplicates_from(value, category, lon: float, lat: float, *, limit: int = 10) -> list[tuple[int, float]]:
    """(case id, metres) of the candidates `duplicates_returning` returned, as `find_duplicate_ids`."""
    if not value:
        return []
    radius, _window = _dedup_policy(category)
    rows = []
    for item in value.split(","):
        pk, case_lon, case_lat = item.split(" ")
        rows.append((int(pk), float(case_lon), float(case_lat)))
    return _nearest(rows, lon, lat, radius, limit)


def _dedup_policy(category) -> tuple[int, int]:
    from jingzhi.taxonomy.queries import dedup_policy

    return dedup_policy(category)


def _duplicate_search(category, lon, lat, at) -> tuple[str, list, int] | None:
    """The candidate query of the duplicate search, without its LIMIT: open cases of the category in the
    window before `at` inside the radius's bounding box (cases_dedup_open: open cases of the category in a
    band of latitude). None when there is no search."""
    if category is None or lon is None or lat is None:
        return None
    radius, window_hours = _dedup_policy(category)
    if radius <= 0:
        return None
    at = at or clock.now()
    dlat = radius / 111_320.0
    dlon = radius / (111_320.0 * max(math.cos(math.radians(lat)), 1e-6))
    # Plain SQL, on every report: the ORM spent longer building this one statement than the database
    # spent running it.
    # The open states are the code's constants, written into the text (as the partial index names them).
    states = ", ".join(literal(str(state)) for state in workflow.OPEN_STATES)
    table = connection.ops.quote_name(Case._meta.db_table)
    sql = (
        f"SELECT id, lon, lat FROM {table} WHERE category_id = %s AND state IN ({states})"
        " AND reported_at >= %s AND reported_at <= %s AND lon >= %s AND lon <= %s AND lat >= %s AND lat <= %s"
    )
    stamp = connection.ops.adapt_datetimefield_value
    params = [
        getattr(category, "pk", category),
        stamp(at - timedelta(hours=window_hours)),
        stamp(at),
        lon - dlon,
        lon + dlon,
        lat - dlat,
        lat + dlat,
    ]
    return sql, params, radius


def _nearest(rows, lon: float, lat: float, radius: float, limit: int) -> list[tuple[int, float]]:
    # Distances from three columns (a busy spot can hold hundreds of open cases of one category).
    near = []
    for pk, case_lon, case_lat in rows:
        metres = distance_m(lon, lat, case_lon, case_lat)
        if metres <= radius:
            near.append((round(metres, 1), pk))
    near.sort()
    return [(pk, metres) for metres, pk in near[:limit]]


# ---------------------------------------------------------------------------------------------------- home page
# What an inspector goes out for: cases to verify (reported, or sent to verify) and handled cases to check.
INSPECTOR_TASK_STATES = {
    "verify": (workflow.REPORTED, workflow.VERIFYING),
    "check": (workflow.PENDING_CHECK,),
}


def beat_q(user: Reader) -> Q | None:
    """The inspector's beat: the cases inside the places of the user's inspector assignments (a grid set, a
    community…), not whatever else their other roles cover. None means everywhere (superuser)."""
    codes = access.scope_codes(user, roles=[workflow.INSPECTOR])
    if codes is None:
        return None
    q = Q(pk__in=[])
    for code in codes:
        q |= code_q(code)
    return q


def inspector_tasks(user: Reader, *, limit: int = 50) -> tuple[list[Case], dict[str, int]]:
    """The verify and check tasks on the user's beat, soonest due first (at most `limit`), and how many of
    each there are. Each case carries `task` ("verify" or "check"). The page sorts them by distance once it
    knows where the inspector stands."""
    if not _live(user):
        return [], {name: 0 for name in INSPECTOR_TASK_STATES}
    q = beat_q(user)
    qs = Case.objects.all() if q is None else Case.objects.filter(q)
    states = [s for group in INSPECTOR_TASK_STATES.values() for s in group]
    counts = {
        name: qs.filter(state__in=group).order_by().count() for name, group in INSPECTOR_TASK_STATES.items()
    }
    rows = list(
        list_queryset(qs.filter(state__in=states)).order_by(
            F("step_deadline").asc(nulls_last=True), "reported_at", "id"
        )[:limit]
    )
    for case in rows:
        case.task = "check" if case.state == workflow.PENDING_CHECK else "verify"
    return rows, counts


def month_start(now: datetime) -> datetime:
    """Midnight on the first of `now`'s month in the site's time zone."""
    from django.utils import timezone

    local = timezone.localtime(now)
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def month_summary(user: Reader, *, now: datetime | None = None) -> dict:
    """The month so far in the user's jurisdiction (the cases they can see): cases opened and closed since
    the first of the month, open cases past their step deadline now, whistles with a case still open, and
    the share of this month's closed cases whose handling finished by its deadline (None when none had one).

    Counted live from indexed columns (reported_at, state + closed_at, state + step_deadline); the assessment
    app's monthly figures come from its snapshots — this is the day-to-day glance."""
    now = now or clock.now()
    start = month_start(now)
    visible = cases_visible_to(user)
    closed = visible.filter(state=workflow.CLOSED, closed_at__gte=start)
    timed = closed.filter(handle_deadline__isnull=False, handled_at__isnull=False)
    timed_count = timed.order_by().count()
    on_time = timed.filter(handled_at__lte=F("handle_deadline")).order_by().count()
    whistles = Whistle.objects.filter(cases__in=visible.filter(state__in=workflow.OPEN_STATES).values("pk"))
    return {
        "month": f"{start:%Y-%m}",
        "opened": visible.filter(reported_at__gte=start).order_by().count(),
        "closed": closed.order_by().count(),
        "overdue": visible.filter(state__in=workflow.OPEN_STATES, step_deadline__lt=now).order_by().count(),
        "whistles_open": whistles.order_by().values("pk").distinct().count(),
        "on_time_rate": round(100 * on_time / timed_count) if timed_count else None,
        "on_time": on_time,
        "timed": timed_count,
    }
