"""Reads of people by their roles: who covers a place, for notices and pickers.

Permissions are decided by `access` (does *this* person cover *this* code); here the question runs the other
way — *which* people cover these places — and is answered in one query from the role assignments' scope
codes. A hierarchical place code (district 6, subdistrict 9, community 12, grid 15 digits) is covered by a
scope equal to any of its prefixes; a street code by itself and by its subdistrict's and district's codes.
"""

from __future__ import annotations

from collections.abc import Iterable

from jingzhi.accounts.models import User


def covering_scopes(codes: Iterable[str]) -> set[str]:
    """Every scope code that covers one of `codes` (each code's own ancestors, itself included)."""
    scopes: set[str] = set()
    for code in codes:
        if not code:
            continue
        if code.isascii() and code.isdigit():
            scopes.update(code[:n] for n in (6, 9, 12, 15) if n <= len(code))
        else:
            scopes.add(code)
            scopes.update(code[:n] for n in (6, 9))
    return scopes


def users_covering(codes: Iterable[str], roles: Iterable[str] | None = None):
    """Active users holding an active role (one of `roles`, or any) whose scope covers one of `codes`,
    as a distinct queryset (callers order, cap or list it)."""
    scopes = sorted(covering_scopes(codes))
    # One filter() call: the role and the scope must be those of the same assignment (a second call would
    # join the assignments again, so an inspector elsewhere who is a resident here would count).
    match = {"role_assignments__role__in": list(roles)} if roles is not None else {}
    rows = User.objects.filter(
        is_active=True,
        role_assignments__is_active=True,
        role_assignments__scope_code__in=scopes,
        **match,
    )
    return rows.distinct()


def scopes_of_users_covering(codes: Iterable[str], roles: Iterable[str]) -> dict[int, set[str]]:
    """For many places at once: each active user holding an active role among `roles` whose scope covers
    one of `codes`, with the scope codes of those roles (one query). A caller tells which of its places a
    user covers by `covering_scopes(place) & scopes`."""
    found: dict[int, set[str]] = {}
    rows = User.objects.filter(
        is_active=True,
        role_assignments__is_active=True,
        role_assignments__role__in=list(roles),
        role_assignments__scope_code__in=sorted(covering_scopes(codes)),
    ).values_list("pk", "role_assignments__scope_code")
    for pk, scope in rows:
        found.setdefault(pk, set()).add(scope)
    return found
