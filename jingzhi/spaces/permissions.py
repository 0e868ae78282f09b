"""Who may see and do what with vacated spaces: small predicates, denied by default, decided from
`accounts.access` (roles within a jurisdiction; a scope covers every code that starts with it).

- See spaces, their history, re-checks, merchants and coverage: the monitoring staff and admins whose
  jurisdiction covers the space's community (监督员, 受理员, 值班长, 派遣员, 考核员, 街道/区管理员).
- Register, edit, change state, import the ledger, follow merchants: 街道/区管理员 covering the space.
- Record a re-check (动态清零): 监督员 and 街道/区管理员 covering the space.
- City-wide lists (uses, service kinds and points, the walking network, re-check periods, populations):
  区管理员.
Residents see none of it: merchants' contacts and affected residents are personal data.
Missing and forbidden look the same (`access_space`).
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from jingzhi.accounts import access
from jingzhi.core.errors import NotFound
from jingzhi.core.ids import parse_id

ADMINS = ("district_admin", "subdistrict_admin")
VIEWERS = ("inspector", "operator", "shift_lead", "dispatcher", "assessor", *ADMINS)
RECHECKERS = ("inspector", *ADMINS)


def _live(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


def within_jurisdiction(user, code: str, roles) -> bool:
    return _live(user) and access.covers(user, code, roles=roles)


def can_view_spaces(user) -> bool:
    """Whether the user has any role that sees spaces somewhere (navigation, list pages)."""
    return _live(user) and access.has_role(user, *VIEWERS)


def can_view_space(user, space) -> bool:
    return within_jurisdiction(user, space.community_code, VIEWERS)


def can_manage_space(user, space) -> bool:
    return within_jurisdiction(user, space.community_code, ADMINS)


def can_register_at(user, community_code: str) -> bool:
    return within_jurisdiction(user, community_code, ADMINS)


def can_register_spaces(user) -> bool:
    return _live(user) and access.has_role(user, *ADMINS)


def can_recheck_space(user, space) -> bool:
    return within_jurisdiction(user, space.community_code, RECHECKERS)


def can_configure(user) -> bool:
    return _live(user) and access.has_role(user, "district_admin")


def view_scope(user) -> list[str] | None:
    """The place codes whose spaces the user sees (None: all)."""
    return access.scope_codes(user, VIEWERS)


def access_space(user, space_id, *, for_update: bool = False):
    """The space when `user` may see it (`user` None is the system); NotFound, the same, when it is missing
    or outside the user's jurisdiction — every door fetches spaces through here."""
    from jingzhi.spaces.models import Space

    rows = Space.objects.select_related("planned_use", "actual_use")
    if for_update:
        rows = rows.select_for_update(of=("self",))
    pk = parse_id(space_id)
    space = rows.filter(pk=pk).first() if pk else None
    if space is None or (user is not None and not can_view_space(user, space)):
        raise NotFound(
            _("腾退空间不存在，或不在您的辖区（编号 %(id)s）") % {"id": space_id}, fields={"space": space_id}
        )
    return space


def access_merchant(user, merchant_id, *, for_update: bool = False):
    from jingzhi.spaces.models import Merchant

    rows = Merchant.objects.select_related("space")
    if for_update:
        rows = rows.select_for_update(of=("self",))
    pk = parse_id(merchant_id)
    merchant = rows.filter(pk=pk).first() if pk else None
    if merchant is None or (user is not None and not can_view_space(user, merchant.space)):
        raise NotFound(
            _("外迁商户不存在，或不在您的辖区（编号 %(id)s）") % {"id": merchant_id},
            fields={"merchant": merchant_id},
        )
    return merchant


def can_view_space_photo(user, owner_id) -> bool:
    from jingzhi.spaces.models import Space

    space = Space.objects.filter(pk=parse_id(owner_id)).first()
    return space is not None and can_view_space(user, space)


def can_view_recheck_photo(user, owner_id) -> bool:
    from jingzhi.spaces.models import Recheck

    recheck = Recheck.objects.select_related("space").filter(pk=parse_id(owner_id)).first()
    return recheck is not None and can_view_space(user, recheck.space)
