"""Who may read the scoreboard and open a figure's records.

Assessment figures are read by district and subdistrict admins and assessors (考核员), each within their
jurisdiction, and by superusers. A ranking lists the units of the districts the reader works in (with the
city-wide rank); opening a figure's records needs the unit itself to be within the reader's jurisdiction,
and the records listed are further those the owning app lets the reader see. A unit outside the reader's
reach gives the same NotFound as a missing one. Changing weights is for district admins and superusers.
"""

from __future__ import annotations

from jingzhi.accounts import access
from jingzhi.accounts.models import Role
from jingzhi.core.errors import NotFound

ASSESS_ROLES = frozenset({Role.DISTRICT_ADMIN, Role.SUBDISTRICT_ADMIN, Role.ASSESSOR})


def _live(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


def can_view_assessment(user) -> bool:
    return _live(user) and (access.is_superuser(user) or access.has_role(user, *ASSESS_ROLES))


def district_codes(user) -> list[str] | None:
    """The districts whose units the reader's rankings list; None = all (superuser)."""
    if not can_view_assessment(user):
        return []
    codes = access.scope_codes(user, roles=ASSESS_ROLES)
    if codes is None:
        return None
    return sorted({code[:6] for code in codes if len(code) >= 6})


def can_view_unit(user, unit_kind: str, unit_code: str, district_code: str = "") -> bool:
    """Whether the reader may open this unit's report and records (a department head: their department's)."""
    if unit_kind == "department" and unit_code and unit_code in headed_department_codes(user):
        return True
    if not can_view_assessment(user):
        return False
    if access.is_superuser(user):
        return True
    if unit_kind in PERSON_ROLES:  # people are read through check_person (a query), never by place code
        return False
    if unit_kind == "department":
        return bool(district_code) and access.covers(
            user, district_code, roles=[Role.DISTRICT_ADMIN, Role.ASSESSOR]
        )
    return access.covers(user, unit_code, roles=ASSESS_ROLES)


def check_unit(user, unit_kind: str, unit_code: str, district_code: str = "") -> None:
    if is_person_kind(unit_kind):
        check_person(user, unit_kind, unit_code)
        return
    if not can_view_unit(user, unit_kind, unit_code, district_code):
        raise NotFound()


def can_set_weights(user) -> bool:
    return _live(user) and (access.is_superuser(user) or access.has_role(user, Role.DISTRICT_ADMIN))


def can_fill(user) -> bool:
    """Re-filling a month by hand (the job and the command do it anyway) is for district admins."""
    return can_set_weights(user)


# ------------------------------------------------------------------------------------------------ 每月一题, 治理类街乡
TOPIC_ROLES = (Role.DISTRICT_ADMIN, Role.ASSESSOR)


def can_decide_topic(user, district_code: str) -> bool:
    """Confirming or dismissing a district's topic candidates: its district admins and district-wide
    assessors (an assessor of one subdistrict does not cover the district)."""
    return can_view_assessment(user) and access.covers(user, district_code, roles=TOPIC_ROLES)


def can_decide_any_topic(user) -> bool:
    codes = district_codes(user)
    return codes is None or any(can_decide_topic(user, code) for code in codes)


def can_view_plan(user, unit_code: str) -> bool:
    """A focus subdistrict's improvement plan: whoever may open the subdistrict's report (its own staff,
    the district's admins and assessors)."""
    return can_view_unit(user, "subdistrict", unit_code)


def can_edit_plan(user, unit_code: str) -> bool:
    """Only the subdistrict's own staff (its subdistrict admins) keep the plan; district staff read it."""
    return _live(user) and (
        access.is_superuser(user) or access.covers(user, unit_code, roles=[Role.SUBDISTRICT_ADMIN])
    )


# ------------------------------------------------------------------------------------------------ people
# Person units (unit code = user id) and the roles that make someone one: a filer may be an operator or the
# shift lead, a dispatcher a dispatcher or the shift lead. A person's "home" (the district stored with their
# figures, and the subdistrict that reads them) comes from these role assignments.
PERSON_ROLES: dict[str, tuple[str, ...]] = {
    "inspector": (Role.INSPECTOR,),
    "operator": (Role.OPERATOR, Role.SHIFT_LEAD),
    "dispatcher": (Role.DISPATCHER, Role.SHIFT_LEAD),
    "handler": (Role.HANDLER,),
}
PERSON_KINDS = tuple(PERSON_ROLES)
# Who reads other people's figures: district admins and district assessors all persons of their district;
# subdistrict admins and subdistrict assessors the persons whose role is held within their subdistrict
# (inspectors, operators and dispatchers of a subdistrict centre — a department's handlers are the
# district's); a department head (部门负责人) the handlers of their own department(s), and no one else. A
# handler reads only their own figures.
PERSON_READERS = frozenset({Role.DISTRICT_ADMIN, Role.SUBDISTRICT_ADMIN, Role.ASSESSOR, Role.DEPARTMENT_HEAD})


def headed_department_ids(user) -> set[int]:
    """The (active) departments the user heads; membership, so none for a superuser who heads none."""
    return access.department_ids(user, roles=[Role.DEPARTMENT_HEAD]) if _live(user) else set()


def headed_department_codes(user) -> set[str]:
    from jingzhi.accounts.models import Department

    ids = headed_department_ids(user)
    return set(Department.objects.filter(pk__in=ids).values_list("code", flat=True)) if ids else set()


def person_kinds_for(user) -> tuple[str, ...]:
    """The person kinds whose figures the reader may list: all for district/subdistrict staff, handlers only
    for someone who reads people only as a department head, none otherwise."""
    if not can_view_people(user):
        return ()
    if access.is_superuser(user) or access.has_role(user, *(PERSON_READERS - {Role.DEPARTMENT_HEAD})):
        return PERSON_KINDS
    return ("handler",)


def is_person_kind(kind: str) -> bool:
    return kind in PERSON_ROLES


def has_person_role(user) -> bool:
    """Whether the user does work that person figures are kept for (the "我的考核" link)."""
    roles = {r for kind_roles in PERSON_ROLES.values() for r in kind_roles}
    return _live(user) and any(g.role in roles for g in access.grants(user))


def can_view_people(user) -> bool:
    """Whether the reader may list other people's figures (within `person_q`)."""
    return _live(user) and (access.is_superuser(user) or access.has_role(user, *PERSON_READERS))


def person_q(user):
    """The Q over `Figure`/`Score` rows of person kinds this reader may read: their own, plus the people
    their roles cover; nothing for anonymous users. The one place person figures are scoped."""
    from django.db.models import Q

    from jingzhi.accounts.models import RoleAssignment

    if not _live(user):
        return Q(pk__in=[])
    kinds = Q(unit_kind__in=PERSON_KINDS)
    if access.is_superuser(user):
        return kinds
    q = Q(unit_code=str(user.pk))
    districts = sorted(
        {
            g.scope_code[:6]
            for g in access.grants(user)
            if g.role in (Role.DISTRICT_ADMIN, Role.ASSESSOR) and len(g.scope_code) == 6
        }
    )
    if districts:
        q |= Q(district_code__in=districts)
    subdistricts = sorted(
        {
            g.scope_code
            for g in access.grants(user)
            if g.role in PERSON_READERS and len(g.scope_code) == 9 and g.scope_code[:6] not in districts
        }
    )
    headed = headed_department_ids(user)
    if headed:
        handlers = RoleAssignment.objects.filter(
            role=Role.HANDLER, department_id__in=headed, is_active=True
        ).values_list("user_id", flat=True)
        ids = sorted({str(pk) for pk in handlers})
        if ids:
            q |= Q(unit_kind="handler", unit_code__in=ids)
    if subdistricts:
        place = Q(pk__in=[])
        for code in subdistricts:
            place |= Q(scope_code__startswith=code)
        held: dict[str, set[str]] = {}
        wanted = {r for roles in PERSON_ROLES.values() for r in roles}
        for user_id, role in RoleAssignment.objects.filter(
            place, role__in=wanted, is_active=True
        ).values_list("user_id", "role"):
            held.setdefault(role, set()).add(str(user_id))
        for kind, roles in PERSON_ROLES.items():
            ids = sorted(set().union(*(held.get(r, set()) for r in roles)))
            if ids:
                q |= Q(unit_kind=kind, unit_code__in=ids)
    return kinds & q


def check_person(user, kind: str, code: str) -> None:
    """NotFound unless the reader may read this person's figures (the same answer as a missing person)."""
    from jingzhi.assessment.models import Score

    if not _live(user):
        raise NotFound()
    if code == str(user.pk) or access.is_superuser(user):
        return
    if not can_view_people(user):
        raise NotFound()
    # Scores and figures share the unit's district; one row of either proves the reader covers the person.
    from jingzhi.assessment.models import Figure

    scoped = person_q(user)
    if not (
        Figure.objects.filter(scoped, unit_kind=kind, unit_code=code).exists()
        or Score.objects.filter(scoped, unit_kind=kind, unit_code=code).exists()
    ):
        raise NotFound()
