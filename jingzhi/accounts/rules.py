"""Pure rules for role assignments: which scope each role may be held in, what a scope code must look like,
and when one scope code covers another. No ORM here, so `actions`, `access`, the admin forms and the tests all
share one definition (and `docs/roles.md` describes exactly this table).

Scope codes are hierarchical: district 6 digits, subdistrict 9, community 12, grid 15 (GB/T 2260 + 3 + 3 + 3).
A street code starts with its subdistrict's 9 digits followed by the street's own part ("110199001S001").
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.utils.translation import gettext as _

from jingzhi.accounts.types import Role, ScopeKind
from jingzhi.core.ids import is_code
from jingzhi.core.text import listing

# The digit count of each hierarchical level; a code of one of these shapes covers every code it prefixes.
CODE_LENGTHS: dict[str, int] = {
    ScopeKind.DISTRICT: 6,
    ScopeKind.SUBDISTRICT: 9,
    ScopeKind.COMMUNITY: 12,
    ScopeKind.GRID: 15,
}
STREET_CODE = re.compile(r"^\d{9}[0-9A-Za-z_-]{1,23}$")

# Where each role may be held. Deny by default: a role missing here cannot be assigned at all.
ALLOWED_SCOPES: dict[str, tuple[str, ...]] = {
    # A resident's scope is where they live (district down to grid). It grants no staff rights; it only
    # says which consultations (民意立项) and local notices concern them.
    Role.RESIDENT: (ScopeKind.DISTRICT, ScopeKind.SUBDISTRICT, ScopeKind.COMMUNITY, ScopeKind.GRID),
    # An inspector's beat is a set of grids, or a whole community/subdistrict/district for a roaming team.
    Role.INSPECTOR: (ScopeKind.DISTRICT, ScopeKind.SUBDISTRICT, ScopeKind.COMMUNITY, ScopeKind.GRID),
    # The supervision centre sits at the district, or a subdistrict runs its own.
    Role.OPERATOR: (ScopeKind.DISTRICT, ScopeKind.SUBDISTRICT),
    Role.SHIFT_LEAD: (ScopeKind.DISTRICT, ScopeKind.SUBDISTRICT),
    Role.DISPATCHER: (ScopeKind.DISTRICT, ScopeKind.SUBDISTRICT),
    # A handler works for a department and nowhere else.
    Role.HANDLER: (ScopeKind.DEPARTMENT,),
    # A department head (部门负责人) leads one department: reads its cases and its handlers' figures.
    Role.DEPARTMENT_HEAD: (ScopeKind.DEPARTMENT,),
    # 总街巷长 (district head), subdistrict head, 街长/巷长 (one street).
    Role.STREET_CHIEF: (ScopeKind.DISTRICT, ScopeKind.SUBDISTRICT, ScopeKind.STREET),
    Role.STEWARD: (ScopeKind.STREET, ScopeKind.COMMUNITY),
    Role.COUNCIL_MEMBER: (ScopeKind.STREET, ScopeKind.COMMUNITY),
    Role.SUBDISTRICT_ADMIN: (ScopeKind.SUBDISTRICT,),
    Role.DISTRICT_ADMIN: (ScopeKind.DISTRICT,),
    Role.ASSESSOR: (ScopeKind.DISTRICT, ScopeKind.SUBDISTRICT),
}

# Roles that open the staff workbench (queues, maps of the jurisdiction, reports).
WORKBENCH_ROLES = frozenset(ALLOWED_SCOPES) - {Role.RESIDENT}
# Government staff: the people who may see reporters' personal data when their work needs it. Volunteers
# (stewards), council members and residents are not.
GOVERNMENT_ROLES = frozenset(
    {
        Role.INSPECTOR,
        Role.OPERATOR,
        Role.SHIFT_LEAD,
        Role.DISPATCHER,
        Role.HANDLER,
        Role.DEPARTMENT_HEAD,
        Role.STREET_CHIEF,
        Role.SUBDISTRICT_ADMIN,
        Role.DISTRICT_ADMIN,
        Role.ASSESSOR,
    }
)
ADMIN_ROLES = frozenset({Role.SUBDISTRICT_ADMIN, Role.DISTRICT_ADMIN})


def scope_kind_of_code(code: str) -> str | None:
    """The hierarchical level a code has the shape of, or None (a street code or garbage)."""
    if is_code(code):
        for kind, length in CODE_LENGTHS.items():
            if len(code) == length:
                return str(kind)
    return None


def assignment_problems(*, role: str, scope_kind: str, scope_code: str, has_department: bool) -> dict:
    """Every problem with a proposed assignment, as {field: [Chinese message, ...]}; empty when valid."""
    problems: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        problems.setdefault(field, []).append(message)

    if role not in Role.values:
        add("role", _("未知角色“%(role)s”") % {"role": role})
    if scope_kind not in ScopeKind.values:
        add("scope_kind", _("未知范围类型“%(kind)s”") % {"kind": scope_kind})
    if problems:
        return problems

    role_label = Role(role).label
    kind_label = ScopeKind(scope_kind).label
    allowed = ALLOWED_SCOPES.get(role, ())
    if scope_kind not in allowed:
        add(
            "scope_kind",
            _("角色“%(role)s”不能在“%(kind)s”范围内任命，可选：%(allowed)s")
            % {
                "role": role_label,
                "kind": kind_label,
                "allowed": listing(str(ScopeKind(k).label) for k in allowed),
            },
        )

    if scope_kind == ScopeKind.DEPARTMENT:
        if not has_department:
            add("department", _("部门范围的任命必须指定部门"))
        if scope_code:
            add("scope_code", _("部门范围的任命不填范围编码（收到“%(code)s”）") % {"code": scope_code})
        return problems

    if has_department:
        add("department", _("只有部门范围的任命才指定部门，“%(kind)s”范围不需要") % {"kind": kind_label})
    if scope_kind == ScopeKind.STREET:
        if not scope_code:
            add("scope_code", _("街巷范围的任命必须填写街巷编码"))
        elif not STREET_CODE.match(scope_code):
            add(
                "scope_code",
                _(
                    "街巷编码“%(code)s”格式不对：应以所属街道的 9 位编码开头，后接街巷自身编号（如 110199001S001）"
                )
                % {"code": scope_code},
            )
        return problems

    length = CODE_LENGTHS[scope_kind]
    if not scope_code:
        add("scope_code", _("“%(kind)s”范围的任命必须填写 %(n)d 位编码") % {"kind": kind_label, "n": length})
    elif not is_code(scope_code, length):
        add(
            "scope_code",
            _("“%(kind)s”编码应为 %(n)d 位数字，“%(code)s”不符合")
            % {"kind": kind_label, "n": length, "code": scope_code},
        )
    return problems


def code_covers(scope: str, code: str) -> bool:
    """Whether a scope code covers a place code. A hierarchical code covers every code it prefixes (a
    subdistrict covers its communities, grids and streets); any other code (a street) covers itself only,
    so that street "…S001" does not cover "…S0011"."""
    if not scope or not code:
        return False
    if scope_kind_of_code(scope) is not None:
        return code.startswith(scope)
    return code == scope


def minimal_codes(codes: Iterable[str]) -> list[str]:
    """The sorted codes with those already covered by another one dropped."""
    result: list[str] = []
    for code in sorted(set(c for c in codes if c), key=lambda c: (len(c), c)):
        if not any(code_covers(kept, code) for kept in result):
            result.append(code)
    return sorted(result)
