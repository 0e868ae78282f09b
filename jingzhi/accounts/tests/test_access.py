"""The access helpers, tested as a matrix: every role in every scope kind, every scope against every code."""

import pytest
from django.contrib.auth.models import AnonymousUser

from jingzhi.accounts import access, actions, rules
from jingzhi.accounts.models import Role, ScopeKind
from jingzhi.core.errors import InvalidInput

D, D2 = "110199", "110198"
S, S2 = "110199001", "110199002"
C, C2 = "110199001001", "110199001002"
G, G2 = "110199001001001", "110199001002001"
ST, ST_LONGER, ST2 = "110199001S001", "110199001S0011", "110199002S001"
ALL_CODES = [D, D2, S, S2, C, C2, G, G2, ST, ST_LONGER, ST2]

# scope code → the codes of ALL_CODES it covers, written out by hand.
COVERAGE = {
    D: {D, S, S2, C, C2, G, G2, ST, ST_LONGER, ST2},
    S: {S, C, C2, G, G2, ST, ST_LONGER},
    C: {C, G},
    G: {G},
    ST: {ST},  # a street covers itself only, not a street whose code merely starts with it
}
SCOPE_OF_KIND = {"district": D, "subdistrict": S, "community": C, "grid": G, "street": ST}

# role → scope kinds it may be held in, written out independently of rules.ALLOWED_SCOPES.
EXPECTED_ALLOWED = {
    "resident": {"district", "subdistrict", "community", "grid"},
    "inspector": {"district", "subdistrict", "community", "grid"},
    "operator": {"district", "subdistrict"},
    "shift_lead": {"district", "subdistrict"},
    "dispatcher": {"district", "subdistrict"},
    "handler": {"department"},
    "department_head": {"department"},
    "street_chief": {"district", "subdistrict", "street"},
    "steward": {"street", "community"},
    "council_member": {"street", "community"},
    "subdistrict_admin": {"subdistrict"},
    "district_admin": {"district"},
    "assessor": {"district", "subdistrict"},
}


@pytest.fixture
def department():
    return actions.do_create_department(actor=None, code="CGZF", name="城管执法局", district_code=D)


def make_user(name="u", **kwargs):
    return actions.do_create_user(actor=None, username=name, password="x", **kwargs)


def test_expected_table_names_every_role():
    assert set(EXPECTED_ALLOWED) == set(Role.values)


@pytest.mark.django_db
@pytest.mark.parametrize("role", Role.values)
@pytest.mark.parametrize("kind", ScopeKind.values)
def test_a_role_can_be_assigned_exactly_in_its_allowed_scope_kinds(role, kind, department):
    user = make_user()
    kwargs = {"department": department} if kind == "department" else {"scope_code": SCOPE_OF_KIND[kind]}
    if kind in EXPECTED_ALLOWED[role]:
        assignment = actions.do_assign_role(actor=None, user=user, role=role, scope_kind=kind, **kwargs)
        assert assignment.is_active
        assert access.roles_of(user) == {role}
    else:
        with pytest.raises(InvalidInput) as err:
            actions.do_assign_role(actor=None, user=user, role=role, scope_kind=kind, **kwargs)
        assert "scope_kind" in err.value.fields
        assert access.roles_of(user) == set()


@pytest.mark.django_db
@pytest.mark.parametrize("scope", list(COVERAGE))
def test_a_scope_covers_exactly_the_codes_below_it(scope):
    kind = rules.scope_kind_of_code(scope) or "street"
    role = {"street": "street_chief", "grid": "inspector"}.get(kind, "inspector")
    user = make_user()
    actions.do_assign_role(actor=None, user=user, role=role, scope_kind=kind, scope_code=scope)
    for code in ALL_CODES:
        assert access.covers(user, code) is (code in COVERAGE[scope]), (scope, code)
    assert access.scope_codes(user) == [scope]


@pytest.mark.django_db
def test_covers_can_be_restricted_to_some_roles():
    user = make_user()
    actions.do_assign_role(actor=None, user=user, role="inspector", scope_kind="grid", scope_code=G)
    actions.do_assign_role(
        actor=None, user=user, role="subdistrict_admin", scope_kind="subdistrict", scope_code=S2
    )
    assert access.covers(user, G)
    assert access.covers(user, G2) is False  # G2 is in S, not S2
    assert access.covers(user, ST2)
    assert access.covers(user, G, roles=["subdistrict_admin"]) is False
    assert access.covers(user, ST2, roles=["inspector"]) is False
    assert access.scope_codes(user) == sorted([G, S2])
    assert access.scope_codes(user, roles=["inspector"]) == [G]
    assert access.scope_codes(user, roles=["dispatcher"]) == []


@pytest.mark.django_db
def test_scope_codes_drop_codes_covered_by_another():
    user = make_user()
    for role, kind, code in [
        ("inspector", "grid", G),
        ("inspector", "community", C),
        ("operator", "subdistrict", S),
    ]:
        actions.do_assign_role(actor=None, user=user, role=role, scope_kind=kind, scope_code=code)
    assert access.scope_codes(user) == [S]


@pytest.mark.django_db
def test_superuser_is_unrestricted():
    admin = make_user("root")
    admin.is_superuser = True
    admin.save()
    assert access.scope_codes(admin) is None
    assert all(access.covers(admin, code) for code in ALL_CODES)
    assert access.has_role(admin, "handler")
    assert access.roles_of(admin) == set()
    assert access.department_ids(admin) == set()
    assert access.can_administer(admin, D2)
    assert access.can_view_staff_pages(admin) and access.is_staff_user(admin)


@pytest.mark.django_db
def test_anonymous_and_deactivated_users_get_nothing():
    anonymous = AnonymousUser()
    assert access.scope_codes(anonymous) == []
    assert not access.covers(anonymous, D)
    assert not access.has_role(anonymous, "resident")
    assert not access.can_view_staff_pages(anonymous)
    user = make_user()
    actions.do_assign_role(actor=None, user=user, role="district_admin", scope_kind="district", scope_code=D)
    actions.do_set_user_active(actor=None, user=user, is_active=False)
    assert access.scope_codes(user) == []
    assert not access.covers(user, S)
    assert not access.can_administer(user, S)
    # a deactivated superuser is not unrestricted either
    user.is_superuser = True
    assert access.scope_codes(user) == []


@pytest.mark.django_db
def test_revoked_assignments_are_ignored():
    user = make_user()
    assignment = actions.do_assign_role(
        actor=None, user=user, role="inspector", scope_kind="community", scope_code=C
    )
    assert access.covers(user, G)
    actions.do_revoke_role(actor=None, assignment=assignment)
    assert not access.covers(user, G)
    assert access.roles_of(user) == set()
    assert access.scope_codes(user) == []


@pytest.mark.django_db
def test_a_handler_belongs_to_their_department_and_covers_its_district(department):
    user = make_user()
    actions.do_assign_role(
        actor=None, user=user, role="handler", scope_kind="department", department=department
    )
    assert access.department_ids(user) == {department.pk}
    assert access.scope_codes(user) == [D]
    assert access.covers(user, G) and not access.covers(user, D2)
    assert not access.can_administer(user, D)


@pytest.mark.django_db
def test_a_deactivated_department_grants_nothing(department):
    user = make_user()
    actions.do_assign_role(
        actor=None, user=user, role="handler", scope_kind="department", department=department
    )
    department.is_active = False
    department.save()
    access.forget(user)
    assert access.department_ids(user) == set()
    assert access.roles_of(user) == set()


@pytest.mark.django_db
def test_the_grants_read_compiled_once_says_what_the_orm_says(department):
    """Issue 16: the grants statement is compiled once per process and run with each user's id; for users
    with place roles, department roles (active and not) and none, it answers as the queryset does."""
    from jingzhi.accounts.models import RoleAssignment

    placed, handler, nobody = make_user("placed"), make_user("handler"), make_user("nobody")
    actions.do_assign_role(actor=None, user=placed, role="inspector", scope_kind="grid", scope_code=G)
    actions.do_assign_role(actor=None, user=placed, role="operator", scope_kind="subdistrict", scope_code=S)
    actions.do_assign_role(
        actor=None, user=handler, role="handler", scope_kind="department", department=department
    )
    for user in (placed, handler, nobody, placed):
        access.forget(user)
        orm = (
            RoleAssignment.objects.filter(user_id=user.pk, is_active=True)
            .exclude(department__is_active=False)
            .values_list("role", "scope_kind", "scope_code", "department_id", "department__district_code")
        )
        expected = sorted((access.Grant(r, k, c or "", d, dc or "") for r, k, c, d, dc in orm), key=repr)
        assert sorted(access.grants(user), key=repr) == expected
    assert {g.role for g in access.grants(placed)} == {"inspector", "operator"}
    department.is_active = False
    department.save()
    access.forget(handler)
    assert access.grants(handler) == []


@pytest.mark.django_db
def test_assignments_are_read_once_per_user_object(django_assert_num_queries):
    user = make_user()
    actions.do_assign_role(actor=None, user=user, role="inspector", scope_kind="grid", scope_code=G)
    access.forget(user)
    with django_assert_num_queries(1):
        for _ in range(3):
            access.covers(user, G)
            access.scope_codes(user)
            access.roles_of(user)
            access.can_view_staff_pages(user)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "kind", "code", "administers"),
    [
        ("district_admin", "district", D, {D, S, S2, C, C2, G, G2, ST, ST_LONGER, ST2}),
        ("subdistrict_admin", "subdistrict", S, {S, C, C2, G, G2, ST, ST_LONGER}),
        ("inspector", "district", D, set()),
        ("operator", "district", D, set()),
        ("street_chief", "street", ST, set()),
    ],
)
def test_only_admins_administer_and_only_within_their_scope(role, kind, code, administers):
    user = make_user()
    actions.do_assign_role(actor=None, user=user, role=role, scope_kind=kind, scope_code=code)
    for target in ALL_CODES:
        assert access.can_administer(user, target) is (target in administers), (role, target)


@pytest.mark.django_db
@pytest.mark.parametrize("role", Role.values)
def test_staff_pages_open_for_every_role_but_resident_and_personal_data_only_for_government(role, department):
    user = make_user()
    kind = sorted(EXPECTED_ALLOWED[role])[0]
    kwargs = {"department": department} if kind == "department" else {"scope_code": SCOPE_OF_KIND[kind]}
    actions.do_assign_role(actor=None, user=user, role=role, scope_kind=kind, **kwargs)
    assert access.can_view_staff_pages(user) is (role != "resident")
    assert access.is_staff_user(user) is (role not in {"resident", "steward", "council_member"})
    assert access.has_role(user, role) and not access.has_role(user, *(set(Role.values) - {role}))


@pytest.mark.django_db
def test_django_staff_flag_opens_staff_pages_without_a_role():
    user = make_user(is_staff=True)
    assert access.can_view_staff_pages(user)
    assert not access.is_staff_user(user)
