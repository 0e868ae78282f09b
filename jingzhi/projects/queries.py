"""Reads of 民意立项, already scoped: public projects (no personal data), the projects that touch a
resident's household, the office's projects within its jurisdiction, a round's results and the
reconciliation of its channels, and the register of a scope."""

from __future__ import annotations

from collections import Counter
from fractions import Fraction

from django.db.models import Count, F, Q, QuerySet

from jingzhi.accounts import access
from jingzhi.projects import permissions, workflow
from jingzhi.projects.models import Ballot, Household, Project, Rating, RegisterEntry, Round


def households_in_scope(project_or_scope, buildings=None) -> QuerySet[Household]:
    """The active households a project's scope (a subdistrict or community code, optionally narrowed to
    buildings/courtyards) holds."""
    if isinstance(project_or_scope, Project):
        code, buildings = project_or_scope.scope_code, project_or_scope.scope_buildings
    else:
        code = project_or_scope
    rows = Household.objects.filter(is_active=True, community_code__startswith=code)
    if buildings:
        rows = rows.filter(building__in=list(buildings))
    return rows


def public_projects() -> QuerySet[Project]:
    return Project.objects.exclude(state__in=workflow.UNPUBLISHED).select_related("kind")


def _household_matches(project: Project, households) -> bool:
    return any(
        h.community_code.startswith(project.scope_code)
        and (not project.scope_buildings or h.building in project.scope_buildings)
        for h in households
    )


def my_projects(user) -> list[Project]:
    """Published projects touching the user's households (portable: the JSON contains lookup differs by
    database, so the building filter runs here)."""
    households = list(Household.objects.filter(pk__in=permissions.household_ids_of(user)))
    if not households:
        return []
    prefixes = {h.community_code for h in households} | {h.community_code[:9] for h in households}
    rows = public_projects().filter(scope_code__in=prefixes)
    return [p for p in rows if _household_matches(p, households)]


def projects_for_office(user) -> QuerySet[Project]:
    """Every project within the user's jurisdiction as office or reader (drafts included)."""
    codes = access.scope_codes(user, roles=permissions.READER_ROLES)
    rows = Project.objects.select_related("kind")
    if codes is None:
        return rows
    if not codes:
        return rows.none()
    q = Q(pk__in=[])
    for code in codes:
        q |= Q(scope_code__startswith=code) | Q(subdistrict_code__startswith=code)
    return rows.filter(q)


def register_for(user, community_code: str | None = None) -> QuerySet[Household]:
    codes = access.scope_codes(user, roles=permissions.OFFICE_ROLES)
    rows = Household.objects.filter(is_active=True)
    if community_code:
        rows = rows.filter(community_code=community_code)
    if codes is None:
        return rows
    q = Q(pk__in=[])
    for code in codes:
        q |= Q(community_code__startswith=code)
    return rows.filter(q)


def current_round(project: Project) -> Round | None:
    return project.rounds.exclude(status=Round.Status.SUPERSEDED).order_by("-number").first()


def round_tally(round_: Round) -> workflow.Tally:
    """Count a round: its frozen register's size (kept when it opened) and its counted ballots grouped by
    choice and weight (one counted ballot per unit is guaranteed where ballots are written: the action and
    the unique constraint)."""
    rules = workflow.Rules.from_data(round_.rules)
    eligible = round_.eligible_units
    groups = (
        Ballot.objects.filter(round=round_, counted=True)
        .values_list("choice", "weight")
        .annotate(n=Count("*"))
        .order_by()
    )
    return workflow.tally_groups(eligible, ((c, Fraction(w), n) for c, w, n in groups), rules)


def reconciliation(round_: Round) -> list[dict]:
    """Per channel: ballots given, counted, replaced by a later online ballot, and units the register says
    voted on it; `ok` when counted ballots and register marks agree."""
    given = Counter(Ballot.objects.filter(round=round_).values_list("channel", flat=True))
    counted = Counter(Ballot.objects.filter(round=round_, counted=True).values_list("channel", flat=True))
    marked = Counter(
        RegisterEntry.objects.filter(round=round_)
        .exclude(voted_channel="")
        .values_list("voted_channel", flat=True)
    )
    rows = []
    for channel in workflow.CHANNELS:
        rows.append(
            {
                "channel": channel,
                "label": str(workflow.CHANNEL_LABELS[channel]),
                "given": given[channel],
                "counted": counted[channel],
                "replaced": given[channel] - counted[channel],
                "register": marked[channel],
                "ok": counted[channel] == marked[channel],
            }
        )
    return rows


def satisfaction_of(project: Project) -> workflow.Satisfaction:
    return workflow.satisfaction(Rating.objects.filter(project=project).values_list("score", flat=True))


def unit_of_user(round_: Round, user) -> RegisterEntry | None:
    """The register entry through which `user` votes in `round_` (their household's, or their own for a
    per-person round)."""
    ids = permissions.household_ids_of(user)
    if not ids:
        return None
    rows = RegisterEntry.objects.filter(round=round_, household_id__in=ids)
    if workflow.Rules.from_data(round_.rules).unit == workflow.UNIT_PERSON:
        rows = rows.filter(member__user_id=user.pk)
    return rows.select_related("household").first()


def turnout_rows(user=None) -> QuerySet[RegisterEntry]:
    """For assessment: the frozen registers of closed voting rounds (one row per eligible unit, superseded
    rounds left out), each with its household's `community_code`, the project's `subdistrict_code` and
    the round's `closed_at`; `voted_at` is set for a unit that voted. With `user`: the projects within
    their jurisdiction (`projects_for_office`)."""
    rows = RegisterEntry.objects.filter(round__status=Round.Status.CLOSED)
    if user is not None:
        rows = rows.filter(round__project__in=projects_for_office(user).values("pk"))
    return rows.annotate(
        community_code=F("household__community_code"),
        subdistrict_code=F("round__project__subdistrict_code"),
        closed_at=F("round__closed_at"),
    )


def rating_rows(user=None) -> QuerySet[Rating]:
    """For assessment: the households' ratings (1–5) of delivered projects, each with the household's
    `community_code` and the project's `subdistrict_code`. With `user`: within their jurisdiction."""
    rows = Rating.objects.all()
    if user is not None:
        rows = rows.filter(project__in=projects_for_office(user).values("pk"))
    return rows.annotate(
        community_code=F("household__community_code"),
        subdistrict_code=F("project__subdistrict_code"),
    )
