"""Two ballots for one household at the same instant (PostgreSQL, real threads): exactly one is counted.
The action serialises on the unit's register entry; the conditional unique constraint is the backstop."""

from __future__ import annotations

import threading

import pytest
from django.db import IntegrityError, connection, transaction

from jingzhi.core import clock
from jingzhi.projects import actions
from jingzhi.projects.exceptions import DuplicateBallot
from jingzhi.projects.models import Ballot
from jingzhi.projects.testing import T0, make_world, solicit_to_voting


def _race(calls):
    barrier = threading.Barrier(len(calls))
    outcomes: list[str] = []

    def attempt(call):
        try:
            barrier.wait(timeout=10)
            with clock.frozen(T0):
                call()
            outcomes.append("ok")
        except DuplicateBallot:
            outcomes.append("duplicate")
        except Exception as exc:  # noqa: BLE001 - reported in the assertion
            outcomes.append(f"error:{type(exc).__name__}:{exc}")
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(fn,)) for fn in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return sorted(outcomes)


def _setup():
    with clock.frozen(T0):
        world = make_world()
        project = solicit_to_voting(world)
    return world, project


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_members_of_one_household_voting_online_at_once_leave_one_counted_ballot():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks")
    world, project = _setup()
    outcomes = _race(
        [
            lambda: actions.do_cast_ballot(actor=world.p.rep, project_id=project.pk, choice="full"),
            lambda: actions.do_cast_ballot(actor=world.p.spouse, project_id=project.pk, choice="oppose"),
        ]
    )
    assert outcomes == ["ok", "ok"], outcomes  # the later replaces the earlier, as an online change does
    assert Ballot.objects.filter(round__project=project).count() == 2
    assert Ballot.objects.filter(round__project=project, counted=True).count() == 1


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_an_online_and_a_paper_ballot_at_once_count_once_and_the_other_is_refused():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks")
    world, project = _setup()
    household = world.households["甲8号院1号"]
    outcomes = _race(
        [
            lambda: actions.do_cast_ballot(actor=world.p.rep, project_id=project.pk, choice="full"),
            lambda: actions.do_cast_ballot(
                actor=world.p.office,
                project_id=project.pk,
                choice="oppose",
                channel="paper",
                household_id=household.pk,
            ),
        ]
    )
    assert outcomes == ["duplicate", "ok"], outcomes
    assert Ballot.objects.filter(round__project=project, counted=True).count() == 1


@pytest.mark.django_db
def test_the_database_refuses_a_second_counted_ballot_of_a_unit(world, at):
    project = solicit_to_voting(world)
    ballot = actions.do_cast_ballot(actor=world.p.rep, project_id=project.pk, choice="full")
    with pytest.raises(IntegrityError), transaction.atomic():
        Ballot.objects.create(
            round=ballot.round, unit_digest=ballot.unit_digest, choice="oppose", channel="paper", weight="1"
        )
