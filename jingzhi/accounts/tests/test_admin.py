"""Role assignments made in the admin go through the accounts actions (issue 9 §1): the admin cannot grant
what the person using it may not, and every change leaves the action's audit row."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission

from jingzhi.accounts import actions
from jingzhi.accounts.models import RoleAssignment
from jingzhi.core.models import AuditEvent

pytestmark = pytest.mark.django_db

D, S1, S2 = "110199", "110199001", "110199002"


def _staff_admin(scope_code: str):
    user = actions.do_create_user(actor=None, username="sub_admin", password="x-secret-1")
    actions.do_assign_role(
        actor=None, user=user, role="subdistrict_admin", scope_kind="subdistrict", scope_code=scope_code
    )
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    for codename in (
        "view_user",
        "change_user",
        "view_roleassignment",
        "add_roleassignment",
        "change_roleassignment",
        "delete_roleassignment",
    ):
        user.user_permissions.add(Permission.objects.get(codename=codename))
    return user


def _inline_post(target, rows: list[dict], existing: list[RoleAssignment] = ()) -> dict:
    prefix = "role_assignments"
    data = {
        "username": target.username,
        "display_name": target.display_name,
        "phone": target.phone,
        "is_active": "on",
        "date_joined_0": "2025-01-01",
        "date_joined_1": "08:00:00",
        f"{prefix}-TOTAL_FORMS": str(len(existing) + len(rows)),
        f"{prefix}-INITIAL_FORMS": str(len(existing)),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for i, row in enumerate([*[{"id": a.pk, **a.__dict__} for a in existing], *rows]):
        for key in ("id", "role", "scope_kind", "scope_code", "is_active", "DELETE"):
            if row.get(key) not in (None, False):
                data[f"{prefix}-{i}-{key}"] = "on" if row[key] is True else row[key]
        data[f"{prefix}-{i}-user"] = str(target.pk)
    return data


def test_a_subdistrict_admin_cannot_grant_a_role_outside_their_subdistrict_in_the_admin(client):
    admin = _staff_admin(S1)
    target = actions.do_create_user(actor=None, username="target", password="x-secret-1")
    client.force_login(admin)
    url = f"/admin/accounts/user/{target.pk}/change/"
    row = {"role": "operator", "scope_kind": "subdistrict", "scope_code": S2, "is_active": True}
    response = client.post(url, _inline_post(target, [row]))
    assert response.status_code == 200  # the form comes back with the row's error
    assert "您无权在该范围内任命或修改角色" in response.content.decode()
    assert not RoleAssignment.objects.filter(user=target).exists()


def test_a_role_granted_in_the_admin_is_the_actions_assignment_with_its_audit_row(client):
    admin = _staff_admin(S1)
    target = actions.do_create_user(actor=None, username="target", password="x-secret-1")
    client.force_login(admin)
    url = f"/admin/accounts/user/{target.pk}/change/"
    row = {"role": "operator", "scope_kind": "subdistrict", "scope_code": S1, "is_active": True}
    response = client.post(url, _inline_post(target, [row]))
    assert response.status_code == 302, response.content.decode()[:2000]
    assignment = RoleAssignment.objects.get(user=target)
    assert (assignment.role, assignment.scope_code, assignment.is_active) == ("operator", S1, True)
    assert AuditEvent.objects.filter(verb="role_assigned", target_id=str(assignment.pk)).exists()


def test_deleting_a_role_row_in_the_admin_revokes_it_and_keeps_the_history(client):
    admin = _staff_admin(S1)
    target = actions.do_create_user(actor=None, username="target", password="x-secret-1")
    granted = actions.do_assign_role(
        actor=None, user=target, role="operator", scope_kind="subdistrict", scope_code=S1
    )
    client.force_login(admin)
    url = f"/admin/accounts/user/{target.pk}/change/"
    response = client.post(
        url, _inline_post(target, [], existing=[granted]) | {"role_assignments-0-DELETE": "on"}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    granted.refresh_from_db()
    assert granted.is_active is False
    assert AuditEvent.objects.filter(verb="role_revoked", target_id=str(granted.pk)).exists()
