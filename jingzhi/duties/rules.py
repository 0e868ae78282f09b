"""Pure checks on a duty rule's shape, shared by the actions, the Excel importer and the admin forms.

No ORM here: each function takes plain values and returns a Chinese problem sentence, or None when the
value is fine. Scope codes follow the place codes of DOMAIN §1: district 6 digits, subdistrict 9,
community 12, grid 15, and a street code that starts with its subdistrict's 9 digits (e.g. 110199001S001).
"""

from __future__ import annotations

import re
from datetime import date

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from jingzhi.core.ids import is_code
from jingzhi.core.text import listing

EVERYWHERE = "everywhere"
DISTRICT = "district"
SUBDISTRICT = "subdistrict"
COMMUNITY = "community"
STREET = "street"
GRID = "grid"

# Place specificity: the finer the place, the higher the rank. A street sits above a community because a
# street rule is a deliberate local arrangement (a street chief's remit), narrower than a whole community.
SCOPE_RANK = {EVERYWHERE: 0, DISTRICT: 1, SUBDISTRICT: 2, COMMUNITY: 3, STREET: 4, GRID: 5}
SCOPE_LABELS = {
    EVERYWHERE: gettext_noop("全部地区"),
    DISTRICT: gettext_noop("区"),
    SUBDISTRICT: gettext_noop("街道"),
    COMMUNITY: gettext_noop("社区"),
    STREET: gettext_noop("街巷"),
    GRID: gettext_noop("网格"),
}
_DIGITS = {DISTRICT: 6, SUBDISTRICT: 9, COMMUNITY: 12, GRID: 15}
STREET_CODE = re.compile(r"^\d{9}[A-Za-z0-9_-]{1,23}$")


def scope_code_problem(scope_kind: str, scope_code: str | None) -> str | None:
    """Why `scope_code` does not fit `scope_kind`, or None."""
    code = (scope_code or "").strip()
    if scope_kind not in SCOPE_RANK:
        return _("范围类型“%(kind)s”不存在，应为：%(known)s") % {
            "kind": scope_kind,
            "known": listing(_(v) for v in SCOPE_LABELS.values()),
        }
    if scope_kind == EVERYWHERE:
        if code:
            return _("范围类型为“全部地区”时范围编码应留空，现为“%(code)s”") % {"code": code}
        return None
    label = _(SCOPE_LABELS[scope_kind])
    if not code:
        return _("范围类型为“%(label)s”时必须填写范围编码") % {"label": label}
    if scope_kind == STREET:
        if not STREET_CODE.match(code):
            return _(
                "街巷编码“%(code)s”不符合格式：应以所属街道的 9 位编码开头，后接街巷序号（如 110199001S001）"
            ) % {"code": code}
        return None
    digits = _DIGITS[scope_kind]
    if not is_code(code, digits):
        return _("%(label)s编码应为 %(n)d 位数字，“%(code)s”不符合") % {
            "label": label,
            "n": digits,
            "code": code,
        }
    return None


def lead_problem(departments: list[tuple[object, bool]]) -> str | None:
    """`departments` is [(department, is_lead), …]. One department needs no flag (it leads); several need
    exactly one lead, so that a case always has one department answerable for it."""
    if not departments:
        return _("至少要指定一个责任部门")
    seen = set()
    for department, _lead in departments:
        if department in seen:
            return _("部门“%(d)s”重复出现") % {"d": department}
        seen.add(department)
    leads = [d for d, is_lead in departments if is_lead]
    if len(departments) == 1:
        return None
    if not leads:
        return _("多个部门共同负责时必须指定一个牵头部门")
    if len(leads) > 1:
        return _("只能有一个牵头部门，现有 %(n)d 个：%(names)s") % {
            "n": len(leads),
            "names": listing(str(d) for d in leads),
        }
    return None


def validity_problem(valid_from: date | None, valid_to: date | None) -> str | None:
    if valid_from and valid_to and valid_to < valid_from:
        return _("失效日期 %(to)s 早于生效日期 %(frm)s") % {"to": valid_to, "frm": valid_from}
    return None


def periods_overlap(a_from: date | None, a_to: date | None, b_from: date | None, b_to: date | None) -> bool:
    """Two validity periods (None = open end) share at least one day."""
    starts_before_b_ends = b_to is None or a_from is None or a_from <= b_to
    b_starts_before_a_ends = a_to is None or b_from is None or b_from <= a_to
    return starts_before_b_ends and b_starts_before_a_ends
