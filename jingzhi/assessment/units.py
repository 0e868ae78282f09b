"""Names and districts of the units figures are kept for (places by code, departments by code), read in
one query per unit kind from geo and accounts."""

from __future__ import annotations

from collections.abc import Iterable

PLACE_KINDS = ("district", "subdistrict", "community", "grid", "street")
PERSON_KINDS = ("inspector", "operator", "dispatcher", "handler")
MANY = 500


def names(kind: str, codes: Iterable[str]) -> dict[str, tuple[str, str]]:
    """code → (name, district code) for the given unit codes; unknown codes map to (code, code[:6])."""
    codes = sorted(set(codes))
    found: dict[str, tuple[str, str]] = {}
    if kind == "department":
        from jingzhi.accounts.models import Department

        for code, name, district in Department.objects.filter(code__in=codes).values_list(
            "code", "name", "district_code"
        ):
            found[code] = (name, district or "")
    elif kind in PLACE_KINDS:
        from jingzhi.geo.queries import MODELS

        # The newest generation's name wins when a code lives in several generations. Many codes (a month's
        # grids, tens of thousands): the kind's whole table in one plain read costs less than a statement
        # with tens of thousands of parameters.
        rows = (
            MODELS[kind].objects.all() if len(codes) > MANY else MODELS[kind].objects.filter(code__in=codes)
        )
        wanted = set(codes)
        for code, name in rows.order_by("generation_id").values_list("code", "name"):
            if code in wanted:
                found[code] = (name, code[:6])
    elif kind in PERSON_KINDS:
        return _people(kind, codes)
    return {code: found.get(code, (code, code[:6] if kind != "department" else "")) for code in codes}


def _people(kind: str, codes: list[str]) -> dict[str, tuple[str, str]]:
    """A person's display name and home district: the district of the role that makes them this kind of
    unit (the place scope's first six digits, or a handler's department's district); '' when they no longer
    hold it, so only they and superusers read the figures."""
    from jingzhi.accounts.models import RoleAssignment, User
    from jingzhi.assessment.permissions import PERSON_ROLES

    ids = [int(c) for c in codes if c.isdigit()]
    named = {
        str(pk): (display or username)
        for pk, display, username in User.objects.filter(pk__in=ids).values_list(
            "pk", "display_name", "username"
        )
    }
    homes: dict[str, str] = {}
    rows = (
        RoleAssignment.objects.filter(user_id__in=ids, role__in=PERSON_ROLES[kind], is_active=True)
        .order_by("user_id", "id")
        .values_list("user_id", "scope_code", "department__district_code")
    )
    for user_id, scope, department_district in rows:
        home = (scope or department_district or "")[:6]
        if home and str(user_id) not in homes:
            homes[str(user_id)] = home
    return {code: (named.get(code, code), homes.get(code, "")) for code in codes}
