"""`users_covering`: the one read of "who covers this place with these roles" (issue 10 §2 — three copies
of it lived in cases, rectification and the web)."""

from __future__ import annotations

import pytest

from jingzhi.accounts import actions
from jingzhi.accounts.queries import covering_scopes, users_covering

D, S1, S2 = "110199", "110199001", "110199002"
GRID = f"{S1}001001"
STREET = f"{S1}S001"


def test_a_grid_is_covered_by_each_of_its_ancestors_and_itself():
    assert covering_scopes([GRID]) == {D, S1, f"{S1}001", GRID}


def test_a_street_is_covered_by_itself_its_subdistrict_and_its_district():
    assert covering_scopes([STREET]) == {STREET, S1, D}


def test_empty_codes_cover_nothing():
    assert covering_scopes(["", None]) == set()


@pytest.mark.django_db
def test_users_covering_a_place_are_those_with_an_active_role_over_it():
    def person(name, role, kind, code):
        user = actions.do_create_user(actor=None, username=name, password="x-secret-1")
        actions.do_assign_role(actor=None, user=user, role=role, scope_kind=kind, scope_code=code)
        return user

    near = person("near", "operator", "subdistrict", S1)
    far = person("far", "operator", "subdistrict", S2)
    lead = person("lead", "shift_lead", "district", D)
    gone = person("gone", "operator", "subdistrict", S1)
    gone.is_active = False
    gone.save(update_fields=["is_active"])
    assert set(users_covering([GRID], ["operator"])) == {near}
    assert set(users_covering([GRID])) == {near, lead}
    assert far not in set(users_covering([STREET]))


@pytest.mark.django_db
def test_the_role_and_the_scope_that_cover_a_place_are_one_assignment():
    """An inspector elsewhere who is a resident here does not cover here as an inspector (the role and the
    scope were matched on two different assignments)."""
    person = actions.do_create_user(actor=None, username="both", password="x-secret-1")
    actions.do_assign_role(actor=None, user=person, role="inspector", scope_kind="subdistrict", scope_code=S2)
    actions.do_assign_role(actor=None, user=person, role="resident", scope_kind="subdistrict", scope_code=S1)
    assert not users_covering([GRID], ["inspector"]).exists()
    assert set(users_covering([f"{S2}001001"], ["inspector"])) == {person}
