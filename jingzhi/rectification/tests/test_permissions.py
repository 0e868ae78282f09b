"""The permission matrix: who may inspect which kind, manage a street, decide a proposal, keep the ledger,
log a patrol — each role, in and out of its jurisdiction."""

import pytest

from jingzhi.rectification import actions, permissions

from .conftest import STREET1, STREET2

pytestmark = pytest.mark.django_db

KINDS = ["city_monthly", "third_party", "chief_patrol", "steward_patrol"]


def test_who_may_inspect_which_kind_where(world, at):
    p = world.p
    actions.do_appoint_chief(actor=None, street_code=STREET1, user=p.chief, rank="street")
    actions.do_assign_steward(actor=None, street_code=STREET1, user=p.steward)
    expected = {
        # person: (kinds on STREET1, kinds on STREET2)
        "assessor": (["city_monthly", "third_party"], ["city_monthly", "third_party"]),
        "assessor2": ([], ["city_monthly", "third_party"]),
        "inspector": (["city_monthly", "third_party"], []),
        "sub_admin": (KINDS, []),
        "sub_admin2": ([], KINDS),
        "district_admin": (KINDS, KINDS),
        "chief": (["chief_patrol"], []),
        "steward": (["steward_patrol"], []),
        "shift_lead": ([], []),
        "handler": ([], []),
        "resident": ([], []),
        "nobody": ([], []),
    }
    for name, (on1, on2) in expected.items():
        user = getattr(p, name)
        assert permissions.inspectable_kinds(user, STREET1) == on1, name
        assert permissions.inspectable_kinds(user, STREET2) == on2, name


def test_who_may_manage_decide_keep_the_ledger_and_patrol(world, at):
    p = world.p
    actions.do_appoint_chief(actor=None, street_code=STREET1, user=p.chief, rank="street")
    actions.do_assign_steward(actor=None, street_code=STREET1, user=p.steward)
    rows = {
        #               manage  decide  ledger  patrol  view
        "sub_admin": (True, True, True, True, True),
        "sub_admin2": (False, False, False, False, False),
        "district_admin": (True, True, True, True, True),
        "assessor": (False, False, False, False, True),
        "chief": (False, False, True, True, True),
        "steward": (False, False, True, True, True),
        "handler": (False, False, False, False, False),
        "resident": (False, False, False, False, False),
        "nobody": (False, False, False, False, False),
    }
    for name, want in rows.items():
        user = getattr(p, name)
        got = (
            permissions.can_manage_street(user, STREET1),
            permissions.can_decide_proposal(user, STREET1),
            permissions.can_keep_ledger(user, STREET1),
            permissions.can_log_patrol(user, STREET1),
            permissions.can_view_street(user, STREET1),
        )
        assert got == want, name


def test_anonymous_and_deactivated_users_get_nothing(world, at):
    from django.contrib.auth.models import AnonymousUser

    p = world.p
    p.district_admin.is_active = False
    for user in (AnonymousUser(), None, p.district_admin):
        assert not permissions.can_view_street(user, STREET1)
        assert permissions.inspectable_kinds(user, STREET1) == []
        assert not permissions.can_manage_street(user, STREET1)
