"""The 民意立项 demo: one project of each type at a different stage, ballots on all three channels, an
objection in publicity, a delivered and rated project; loading it twice adds nothing."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_the_demo_shows_the_whole_mechanism_and_loads_once(settings, tmp_path):
    from jingzhi.demo.build import build_demo
    from jingzhi.demo.projects import load_demo_projects
    from jingzhi.projects.models import Ballot, Project

    settings.VAR_DIR = tmp_path
    assert build_demo(case_count=0, street_months=0).projects_created == 3
    states = {p.type: p.state for p in Project.objects.all()}
    assert states == {"declare": "voting", "solicit": "publicity", "driven": "accepted"}
    voting = Project.objects.get(type="declare")
    assert set(Ballot.objects.filter(round__project=voting).values_list("channel", flat=True)) == {
        "online",
        "meeting",
        "paper",
    }
    assert Project.objects.get(type="solicit").objections.filter(answered_at__isnull=True).count() == 1
    assert Project.objects.get(type="driven").ratings.count() == 4
    assert load_demo_projects() == 0
