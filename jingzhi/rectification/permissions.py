"""Who may do what in 十无一创建: small predicates composed of named conditions, denied by default.

Everything is decided from `accounts.access` (roles within a jurisdiction; a scope covers every code that
starts with it, and a street code starts with its subdistrict's code). The predicates are used by the
actions (which refuse with a specific Chinese message), the web pages and the API alike, and are tested as
a matrix in `tests/test_permissions.py`.

- Official checks (市级月度 / 第三方季度): 考核员, 监督员, district and subdistrict admins covering the street.
- A chief's patrol: a 街巷长 covering the street (or an admin); a steward's patrol: a 小巷管家 likewise.
- Configuring a street (appointing chiefs and stewards, task letters, awarding grades, the board, the
  plan) and deciding accountability proposals: district_admin / subdistrict_admin covering the street.
- The chief signs their own task letter; chiefs and stewards keep the ledger; plan owners update progress.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from jingzhi.accounts import access
from jingzhi.core.errors import NotFound

ADMINS = ("district_admin", "subdistrict_admin")
OFFICIAL_INSPECTORS = ("assessor", "inspector", *ADMINS)
INSPECTORS_BY_KIND = {
    "city_monthly": OFFICIAL_INSPECTORS,
    "third_party": OFFICIAL_INSPECTORS,
    "chief_patrol": ("street_chief", *ADMINS),
    "steward_patrol": ("steward", *ADMINS),
}
STREET_STAFF = (
    "assessor",
    "inspector",
    "street_chief",
    "steward",
    "operator",
    "shift_lead",
    "dispatcher",
    *ADMINS,
)


def _live(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


def within_jurisdiction(user, street_code: str, roles) -> bool:
    return _live(user) and access.covers(user, street_code, roles=roles)


def can_view_street(user, street_code: str) -> bool:
    return within_jurisdiction(user, street_code, STREET_STAFF)


def can_inspect(user, street_code: str, kind: str) -> bool:
    roles = INSPECTORS_BY_KIND.get(kind)
    return bool(roles) and within_jurisdiction(user, street_code, roles)


def inspectable_kinds(user, street_code: str) -> list[str]:
    return [kind for kind in INSPECTORS_BY_KIND if can_inspect(user, street_code, kind)]


def can_manage_street(user, street_code: str) -> bool:
    return within_jurisdiction(user, street_code, ADMINS)


def can_decide_proposal(user, street_code: str) -> bool:
    return can_manage_street(user, street_code)


def can_keep_ledger(user, street_code: str) -> bool:
    return within_jurisdiction(user, street_code, ("street_chief", "steward", *ADMINS))


def can_log_patrol(user, street_code: str) -> bool:
    return within_jurisdiction(user, street_code, ("steward", "street_chief", *ADMINS))


def can_sign_letter(user, letter) -> bool:
    return _live(user) and letter.chief.user_id == user.pk


def can_update_plan_item(user, street_code: str, item) -> bool:
    if not _live(user):
        return False
    if item is not None and item.owner_id == user.pk:
        return True
    return within_jurisdiction(user, street_code, ("street_chief", *ADMINS))


def can_export(user) -> bool:
    return _live(user) and (access.is_superuser(user) or access.has_role(user, "assessor", *ADMINS))


# ------------------------------------------------------------------------------------------------ refusals
def access_street(user, street_code: str):
    """The street (active generation) when `user` may see it; NotFound (the same) when missing or not."""
    from jingzhi.geo.queries import place_by_code

    street = place_by_code("street", (street_code or "").strip())
    if street is None or not can_view_street(user, street.code):
        raise NotFound(
            _("街巷不存在，或不在您的辖区（编码 %(code)s）") % {"code": street_code},
            fields={"street": street_code},
        )
    return street


def public_street(street_code: str):
    """The street for its public page and board: anyone may look (boards hang in the street)."""
    from jingzhi.geo.queries import place_by_code

    street = place_by_code("street", (street_code or "").strip())
    if street is None:
        raise NotFound(
            _("街巷不存在（编码 %(code)s）") % {"code": street_code}, fields={"street": street_code}
        )
    return street


def can_view_letter(user, letter) -> bool:
    """A task letter is read by the street's staff and by the chief it is addressed to."""
    return can_view_street(user, letter.street_code) or (_live(user) and letter.chief.user_id == user.pk)


def access_task_letter(user, letter_id, *, for_update: bool = False):
    """The task letter when `user` may read it (`user` None is the system); NotFound, the same, when it is
    missing or not theirs to see — every door (web, API) fetches letters through here."""
    from jingzhi.core.ids import parse_id
    from jingzhi.rectification.models import TaskLetter

    rows = TaskLetter.objects.select_related("chief__user")
    if for_update:
        rows = rows.select_for_update(of=("self",))
    pk = parse_id(letter_id)
    letter = rows.filter(pk=pk).first() if pk else None
    if letter is None or (user is not None and not can_view_letter(user, letter)):
        raise NotFound(
            _("任务书不存在，或您无权查看（编号 %(id)s）") % {"id": letter_id}, fields={"letter": letter_id}
        )
    return letter


def can_view_finding_photo(user, owner_id) -> bool:
    from jingzhi.core.ids import parse_id as row_id
    from jingzhi.rectification.models import ItemResult

    code = (
        ItemResult.objects.filter(pk=row_id(owner_id))
        .values_list("inspection__street_code", flat=True)
        .first()
    )
    return bool(code) and can_view_street(user, code)
