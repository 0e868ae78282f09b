"""Writes to accounts: each one validated, audited, and (where it makes sense) safe to repeat."""

import pytest

from jingzhi.accounts import actions
from jingzhi.accounts.models import ApiToken, RoleAssignment, User
from jingzhi.core import audit
from jingzhi.core.errors import Conflict, InvalidInput, PermissionDenied
from jingzhi.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def verbs():
    return list(AuditEvent.objects.values_list("verb", flat=True))


def test_creating_a_user_hashes_the_password_and_audits_without_it():
    user = actions.do_create_user(
        actor=None, username=" wang ", password="s3cret-Pass", display_name="王阿姨"
    )
    assert user.username == "wang"
    assert user.check_password("s3cret-Pass")
    assert "s3cret-Pass" not in user.password
    event = AuditEvent.objects.get(verb="user_created")
    assert event.new_values["username"] == "wang"
    assert "s3cret-Pass" not in str(event.new_values)
    assert audit.verify() is None


def test_a_user_without_a_password_cannot_log_in():
    user = actions.do_create_user(actor=None, username="nopass", password=None)
    assert not user.has_usable_password()


def test_a_taken_username_is_a_conflict_naming_the_field():
    actions.do_create_user(actor=None, username="li", password="x")
    with pytest.raises(Conflict) as err:
        actions.do_create_user(actor=None, username="li", password="y")
    assert "li" in err.value.message and "username" in err.value.fields


def test_an_empty_username_is_refused():
    with pytest.raises(InvalidInput) as err:
        actions.do_create_user(actor=None, username="  ", password="x")
    assert err.value.fields["username"]


def test_weak_passwords_are_refused_when_strength_is_checked():
    with pytest.raises(InvalidInput) as err:
        actions.do_create_user(actor=None, username="weak", password="123", check_password_strength=True)
    assert "password" in err.value.fields
    user = actions.do_create_user(actor=None, username="weak", password="123")
    with pytest.raises(InvalidInput):
        actions.do_set_password(actor=user, user=user, password="123")
    actions.do_set_password(actor=user, user=user, password="Zhao-2026-grid!")
    user.refresh_from_db()
    assert user.check_password("Zhao-2026-grid!")
    assert "password_set" in verbs()


def test_someone_without_an_admin_role_cannot_create_users_or_change_others_passwords():
    nobody = actions.do_create_user(actor=None, username="nobody", password="x")
    other = actions.do_create_user(actor=None, username="other", password="x")
    with pytest.raises(PermissionDenied):
        actions.do_create_user(actor=nobody, username="new", password="x")
    with pytest.raises(PermissionDenied):
        actions.do_set_password(actor=nobody, user=other, password="Zhao-2026-grid!")


@pytest.mark.parametrize(
    ("kind", "code", "field"),
    [
        ("district", "11019", "scope_code"),
        ("district", "1101990", "scope_code"),
        ("subdistrict", "110199", "scope_code"),
        ("subdistrict", "11019900A", "scope_code"),
        ("community", "110199001", "scope_code"),
        ("grid", "11019900100100", "scope_code"),
        ("grid", "", "scope_code"),
        ("street", "", "scope_code"),
        ("street", "S001", "scope_code"),
        ("street", "110199001 S1", "scope_code"),
    ],
)
def test_a_scope_code_of_the_wrong_shape_is_refused_with_its_field(kind, code, field):
    user = actions.do_create_user(actor=None, username="u", password="x")
    role = {"street": "street_chief", "district": "district_admin", "subdistrict": "subdistrict_admin"}.get(
        kind, "inspector"
    )
    with pytest.raises(InvalidInput) as err:
        actions.do_assign_role(actor=None, user=user, role=role, scope_kind=kind, scope_code=code)
    assert field in err.value.fields
    assert code in err.value.message or "必须" in err.value.message
    assert not RoleAssignment.objects.exists()


def test_a_department_scope_needs_a_department_and_no_code():
    user = actions.do_create_user(actor=None, username="u", password="x")
    department = actions.do_create_department(actor=None, code="SZ", name="市政市容委")
    with pytest.raises(InvalidInput) as err:
        actions.do_assign_role(actor=None, user=user, role="handler", scope_kind="department")
    assert "department" in err.value.fields
    with pytest.raises(InvalidInput) as err:
        actions.do_assign_role(
            actor=None,
            user=user,
            role="handler",
            scope_kind="department",
            department=department,
            scope_code="110199",
        )
    assert "scope_code" in err.value.fields
    with pytest.raises(InvalidInput) as err:
        actions.do_assign_role(
            actor=None,
            user=user,
            role="inspector",
            scope_kind="grid",
            scope_code="110199001001001",
            department=department,
        )
    assert "department" in err.value.fields


def test_an_unknown_role_is_refused():
    user = actions.do_create_user(actor=None, username="u", password="x")
    with pytest.raises(InvalidInput) as err:
        actions.do_assign_role(
            actor=None, user=user, role="mayor", scope_kind="district", scope_code="110199"
        )
    assert "role" in err.value.fields


def test_assigning_twice_is_a_no_op_and_a_revoked_role_is_reactivated():
    user = actions.do_create_user(actor=None, username="u", password="x")
    first = actions.do_assign_role(
        actor=None, user=user, role="inspector", scope_kind="grid", scope_code="110199001001001"
    )
    again = actions.do_assign_role(
        actor=None, user=user, role="inspector", scope_kind="grid", scope_code="110199001001001"
    )
    assert first.pk == again.pk
    assert verbs().count("role_assigned") == 1
    actions.do_revoke_role(actor=None, assignment=first)
    actions.do_revoke_role(actor=None, assignment=first)  # no-op
    assert verbs().count("role_revoked") == 1
    back = actions.do_assign_role(
        actor=None, user=user, role="inspector", scope_kind="grid", scope_code="110199001001001"
    )
    assert back.pk == first.pk and back.is_active
    assert verbs().count("role_assigned") == 2
    assert audit.verify() is None


def test_a_subdistrict_admin_assigns_roles_only_inside_their_subdistrict():
    admin = actions.do_create_user(actor=None, username="admin", password="x")
    actions.do_assign_role(
        actor=None, user=admin, role="subdistrict_admin", scope_kind="subdistrict", scope_code="110199001"
    )
    user = actions.do_create_user(actor=None, username="u", password="x")
    actions.do_assign_role(
        actor=admin, user=user, role="inspector", scope_kind="community", scope_code="110199001001"
    )
    with pytest.raises(PermissionDenied):
        actions.do_assign_role(
            actor=admin, user=user, role="inspector", scope_kind="community", scope_code="110199002001"
        )
    with pytest.raises(PermissionDenied):
        actions.do_assign_role(
            actor=admin, user=user, role="district_admin", scope_kind="district", scope_code="110199"
        )
    event = AuditEvent.objects.get(verb="role_assigned", actor=admin)
    assert event.new_values["scope_code"] == "110199001001"


def test_departments_are_validated_and_unique():
    department = actions.do_create_department(
        actor=None, code="YL", name="园林绿化局", district_code="110199"
    )
    assert department.name == "园林绿化局"
    with pytest.raises(Conflict):
        actions.do_create_department(actor=None, code="YL", name="另一个")
    with pytest.raises(InvalidInput) as err:
        actions.do_create_department(actor=None, code="", name="", district_code="1101")
    assert set(err.value.fields) == {"code", "name", "district_code"}
    assert "department_created" in verbs()


def test_an_api_token_stores_only_the_hash_of_its_key():
    user = actions.do_create_user(actor=None, username="u", password="x")
    token, key = actions.do_create_api_token(actor=user, user=user, name="12345 工单同步")
    assert key.startswith("jz_") and len(key) > 40
    assert token.key_hash == actions.hash_key(key)
    assert key.startswith(token.key_prefix)
    stored = ApiToken.objects.values_list(flat=True).filter(pk=token.pk)
    assert all(key != value for value in ApiToken.objects.filter(pk=token.pk).values().get().values())
    assert stored.exists()
    event = AuditEvent.objects.get(verb="api_token_created")
    assert key not in str(event.new_values)
    actions.do_revoke_api_token(actor=user, token=token)
    token.refresh_from_db()
    assert token.revoked_at is not None
    with pytest.raises(InvalidInput):
        actions.do_create_api_token(actor=user, user=user, name=" ")


def test_one_cannot_create_or_revoke_tokens_for_someone_else():
    user = actions.do_create_user(actor=None, username="u", password="x")
    other = actions.do_create_user(actor=None, username="o", password="x")
    with pytest.raises(PermissionDenied):
        actions.do_create_api_token(actor=other, user=user, name="x")
    token, _key = actions.do_create_api_token(actor=user, user=user, name="x")
    with pytest.raises(PermissionDenied):
        actions.do_revoke_api_token(actor=other, token=token)


def test_deactivating_a_user_is_audited_once():
    user = actions.do_create_user(actor=None, username="u", password="x")
    actions.do_set_user_active(actor=None, user=user, is_active=False)
    actions.do_set_user_active(actor=None, user=user, is_active=False)
    assert not User.objects.get(pk=user.pk).is_active
    assert verbs().count("user_active_set") == 1
