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
    """Whether the reader may open this unit's report and records."""
    if not can_view_assessment(user):
        return False
    if access.is_superuser(user):
        return True
    if unit_kind == "department":
        return bool(district_code) and access.covers(
            user, district_code, roles=[Role.DISTRICT_ADMIN, Role.ASSESSOR]
        )
    return access.covers(user, unit_code, roles=ASSESS_ROLES)


def check_unit(user, unit_kind: str, unit_code: str, district_code: str = "") -> None:
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
