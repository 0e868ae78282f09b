"""Who may see and do what: the one module of access helpers every view, endpoint and query uses.

Everything here is answered from a user's *active* role assignments, read once and cached on the user
object (which Django builds afresh for every request, so the cache lives exactly one request). Actions that
change assignments call `forget(user)`. Superusers are unrestricted: `scope_codes` answers None, `covers`
and `has_role` answer True. Anonymous and deactivated users get nothing.

Place scopes are codes (see `accounts.rules`): a subdistrict admin's "110199001" covers every community,
grid and street whose code starts with it. A department-scoped assignment (a handler) covers the place code
of its department's district when the department names one, so that a handler can find on the map where
their cases are; it never covers anything through another district.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from jingzhi.accounts import rules
from jingzhi.accounts.models import Role, RoleAssignment, ScopeKind

_CACHE_ATTR = "_jingzhi_grants"
_MEMBERSHIP_ATTR = "_jingzhi_memberships"
# name -> a function returning the queryset of the live rows (with a `user_id`) that make someone a member.
_MEMBERSHIPS: dict[str, Callable] = {}


@dataclass(frozen=True)
class Grant:
    role: str
    scope_kind: str
    scope_code: str
    department_id: int | None
    department_district_code: str

    @property
    def place_code(self) -> str:
        """The place code this grant covers ('' for none)."""
        if self.scope_kind == ScopeKind.DEPARTMENT:
            return self.department_district_code
        return self.scope_code


def _is_live(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


def grants(user) -> list[Grant]:
    """The user's active assignments (of active departments), cached on the user object."""
    if not _is_live(user):
        return []
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        from django.db import connections, router

        # The primary or, inside a request whose reads may go there, the replica (config.replica).
        connection = connections[router.db_for_read(RoleAssignment)]
        sql, params, at = _grants_sql(connection)
        params = list(params)
        params[at] = user.pk
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        cached = [Grant(r, k, c or "", d, dc or "") for r, k, c, d, dc in rows]
        setattr(user, _CACHE_ATTR, cached)
    return cached


_SENTINEL_USER = -424242
_grants_compiled: dict[str, tuple[str, tuple, int]] = {}


def _grants_sql(connection) -> tuple[str, tuple, int]:
    """The grants statement, compiled by the ORM once per process and kind of database (read on every
    request that asks who someone is; compiling it cost more than running it): (SQL, parameters, the
    position of the user's id among them)."""
    found = _grants_compiled.get(connection.vendor)
    if found is None:
        query = (
            RoleAssignment.objects.filter(user_id=_SENTINEL_USER, is_active=True)
            .exclude(department__is_active=False)
            .values_list("role", "scope_kind", "scope_code", "department_id", "department__district_code")
            .query
        )
        sql, params = query.get_compiler(connection=connection).as_sql()
        if list(params).count(_SENTINEL_USER) != 1:
            raise RuntimeError("grants: the user id is not exactly one of the statement's parameters")
        found = _grants_compiled[connection.vendor] = (sql, tuple(params), list(params).index(_SENTINEL_USER))
    return found


def forget(user) -> None:
    """Drop the cached assignments and memberships (after they changed)."""
    for attr in (_CACHE_ATTR, _MEMBERSHIP_ATTR):
        if user is not None and hasattr(user, attr):
            delattr(user, attr)


def register_membership(name: str, rows: Callable) -> None:
    """An app above accounts names a membership that is not a role — a council member's seat, a party
    member's registration, a street chief's or steward's appointment: `rows()` returns the queryset of the
    live rows (each with a `user_id`) that make someone one. Registered from the app's `ready()`."""
    _MEMBERSHIPS[name] = rows


def memberships(user) -> frozenset[str]:
    """The registered memberships the user holds, read for all of them in ONE statement (an EXISTS per
    membership) and cached on the user object like the grants: the header's links of every app ask this
    instead of a query each."""
    if not _is_live(user) or not _MEMBERSHIPS:
        return frozenset()
    cached = getattr(user, _MEMBERSHIP_ATTR, None)
    if cached is None:
        from django.db import connection

        names, sql, params = _membership_sql()
        with connection.cursor() as cursor:
            cursor.execute(sql, [*params, user.pk])
            row = cursor.fetchone() or ()
        cached = frozenset(n for n, held in zip(names, row, strict=False) if held)
        setattr(user, _MEMBERSHIP_ATTR, cached)
    return cached


_compiled: dict[tuple[str, ...], tuple[str, list]] = {}


def _membership_sql() -> tuple[list[str], str, list]:
    """The memberships statement, compiled by the ORM once per process (building and compiling its
    EXISTS cost more than running it): the user's id is its last parameter."""
    from django.db.models import Exists, OuterRef

    from jingzhi.accounts.models import User

    names = sorted(_MEMBERSHIPS)
    key = tuple(names)
    if key not in _compiled:
        annotations = {f"m_{n}": Exists(_MEMBERSHIPS[n]().filter(user_id=OuterRef("pk"))) for n in names}
        query = User.objects.filter(pk=-424242).annotate(**annotations).values_list(*annotations)[:1].query
        sql, params = query.sql_with_params()
        if not params or params[-1] != -424242:
            raise RuntimeError("memberships: the user id is not the statement's last parameter")
        _compiled[key] = (sql, list(params[:-1]))
    sql, params = _compiled[key]
    return names, sql, params


def is_member(user, name: str) -> bool:
    """Whether the user holds the registered membership `name` (see `register_membership`)."""
    return name in memberships(user)


def _selected(user, roles: Iterable[str] | None) -> list[Grant]:
    all_grants = grants(user)
    if roles is None:
        return all_grants
    wanted = {str(r) for r in roles}
    return [g for g in all_grants if g.role in wanted]


def is_superuser(user) -> bool:
    return _is_live(user) and bool(user.is_superuser)


def roles_of(user) -> set[str]:
    """The roles the user actually holds (superusers included: their roles are what was assigned)."""
    return {g.role for g in grants(user)}


def has_role(user, *roles: str) -> bool:
    """Whether the user holds any of `roles` anywhere; superusers always do."""
    if is_superuser(user):
        return True
    wanted = {str(r) for r in roles}
    return any(g.role in wanted for g in grants(user))


def scope_codes(user, roles: Iterable[str] | None = None) -> list[str] | None:
    """The place codes the user's (selected) roles cover, without redundant ones, sorted.
    None means unrestricted (superuser); [] means nothing."""
    if is_superuser(user):
        return None
    return rules.minimal_codes(g.place_code for g in _selected(user, roles))


def covers(user, code: str, roles: Iterable[str] | None = None) -> bool:
    """Whether the user's (selected) roles cover the place `code` (a district, subdistrict, community,
    grid or street code)."""
    if is_superuser(user):
        return True
    if not _is_live(user) or not code:
        return False
    return any(rules.code_covers(g.place_code, code) for g in _selected(user, roles))


def department_ids(user, roles: Iterable[str] | None = None) -> set[int]:
    """The departments the user belongs to through a department-scoped assignment. Membership, not
    permission: a superuser belongs to none unless assigned."""
    return {g.department_id for g in _selected(user, roles) if g.department_id is not None}


def is_staff_user(user) -> bool:
    """Government staff (or a superuser): may see reporters' personal data where their work needs it."""
    if is_superuser(user):
        return True
    return any(g.role in rules.GOVERNMENT_ROLES for g in grants(user))


def can_view_staff_pages(user) -> bool:
    """Whether the staff workbench opens for this user: any role but resident, Django staff, or superuser."""
    if not _is_live(user):
        return False
    if user.is_superuser or user.is_staff:
        return True
    return any(g.role in rules.WORKBENCH_ROLES for g in grants(user))


def can_administer(user, code: str) -> bool:
    """Whether the user may configure the place `code` (and everything in it): a district admin over their
    district, a subdistrict admin over their subdistrict, or a superuser."""
    return covers(user, code, roles=rules.ADMIN_ROLES)


def can_manage_users(user) -> bool:
    """Assigning roles and creating users is for district admins and superusers."""
    return is_superuser(user) or has_role(user, Role.DISTRICT_ADMIN)


def can_assign_role(
    user, *, scope_kind: str, scope_code: str = "", department_district_code: str = ""
) -> bool:
    """Whether `user` may hand out an assignment with this scope: a superuser anywhere, an admin within the
    places they administer (a department assignment: within the department's district)."""
    if is_superuser(user):
        return True
    code = department_district_code if scope_kind == ScopeKind.DEPARTMENT else scope_code
    return bool(code) and can_administer(user, code)
