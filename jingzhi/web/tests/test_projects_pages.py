"""The 民意立项 pages: the resident votes, objects and rates; the office runs each step; public pages carry
no personal data; every refusal is a message with a 4xx, never a 500."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from jingzhi.projects import actions, workflow
from jingzhi.projects.models import Ballot, Project
from jingzhi.projects.testing import COMM1, T0, make_world, solicit_to_voting, workbook


@pytest.fixture
def pw(db):
    """The world, with the clock held at T0 for the whole test (inner `clock.frozen` blocks move it)."""
    from jingzhi.core import clock

    with clock.frozen(T0):
        yield make_world()


@pytest.fixture
def voting(pw):
    return solicit_to_voting(pw)


def test_the_resident_sees_the_project_of_their_household_and_votes_with_one_tap(client, pw, voting):
    client.force_login(pw.p.rep)
    page = client.get(reverse("web:projects"))
    assert 'data-testid="my-projects"' in page.content.decode() and voting.title in page.content.decode()
    response = client.post(reverse("web:project_vote", args=[voting.pk]), {"choice": "full"}, follow=True)
    html = response.content.decode()
    assert response.status_code == 200 and 'data-testid="vote-recorded"' in html and "完全赞同" in html
    assert Ballot.objects.filter(round__project=voting, counted=True).count() == 1


def test_a_resident_outside_the_scope_is_told_so_and_nothing_is_recorded(client, pw, voting):
    client.force_login(pw.p.tenant)
    page = client.get(reverse("web:project_vote", args=[voting.pk])).content.decode()
    assert "不在本项目的征求范围" in page and 'data-testid="vote-form"' not in page
    response = client.post(reverse("web:project_vote", args=[voting.pk]), {"choice": "full"})
    assert response.status_code == 403 and "不在本项目的征求范围" in response.content.decode()
    assert not Ballot.objects.exists()


def test_a_bad_choice_is_a_400_with_the_reason(client, pw, voting):
    client.force_login(pw.p.rep)
    response = client.post(reverse("web:project_vote", args=[voting.pk]), {"choice": "maybe"})
    assert response.status_code == 400 and "请选择" in response.content.decode()


def test_the_office_enters_a_paper_ballot_and_a_duplicate_is_refused_naming_the_earlier(client, pw, voting):
    household = pw.households["甲8号院1号"]
    client.force_login(pw.p.rep)
    client.post(reverse("web:project_vote", args=[voting.pk]), {"choice": "full"})
    client.force_login(pw.p.office)
    page = client.get(reverse("web:project_detail", args=[voting.pk])).content.decode()
    assert 'data-testid="paper-form"' in page and 'data-testid="reconciliation"' in page
    url = reverse("web:project_act", args=[voting.pk, "paper"])
    response = client.post(
        url, {"household": household.pk, "choice": "oppose", "channel": "paper"}, follow=True
    )
    assert "同一户只计一票" in response.content.decode() and "网上投票" in response.content.decode()
    response = client.post(
        url,
        {"household": pw.households["甲8号院5号"].pk, "choice": "oppose", "channel": "paper"},
        follow=True,
    )
    assert "选票已录入" in response.content.decode()
    assert Ballot.objects.filter(round__project=voting, counted=True).count() == 2


def test_a_resident_cannot_use_the_office_steps(client, pw, voting):
    client.force_login(pw.p.rep)
    page = client.get(reverse("web:project_detail", args=[voting.pk])).content.decode()
    assert 'data-testid="office-console"' not in page
    response = client.post(reverse("web:project_act", args=[voting.pk, "close_vote"]), follow=True)
    assert "不能表决通过" in response.content.decode() or "不能" in response.content.decode()
    assert Project.objects.get(pk=voting.pk).state == workflow.VOTING


def test_the_public_page_shows_no_personal_data(client, pw, voting):
    from jingzhi.core import clock

    with clock.frozen(T0):
        actions.do_cast_ballot(actor=pw.p.rep, project_id=voting.pk, choice="full")
    html = client.get(reverse("web:project_detail", args=[voting.pk])).content.decode()
    assert voting.title in html
    for secret in ("住户1", "13900000000", "zhangsan", "张三", "物业李经理"):
        assert secret not in html, secret


def test_a_draft_is_404_for_another_office_and_the_public(client, pw):
    draft = actions.do_create_project(
        actor=pw.p.office, kind="EX-SB-01", title="草案", description="内部", scope_code=COMM1
    )
    assert client.get(reverse("web:project_detail", args=[draft.pk])).status_code == 404
    client.force_login(pw.p.office2)
    assert client.get(reverse("web:project_detail", args=[draft.pk])).status_code == 404
    assert (
        client.post(reverse("web:project_act", args=[draft.pk, "decide"]), {"action": "submit"}).status_code
        == 404
    )


def test_the_office_creates_a_project_and_a_missing_title_is_a_400(client, pw):
    client.force_login(pw.p.office)
    response = client.post(
        reverse("web:project_new"), {"kind": "EX-SB-01", "title": "", "description": "x", "scope_code": COMM1}
    )
    assert response.status_code == 400 and "请填写项目名称" in response.content.decode()
    response = client.post(
        reverse("web:project_new"),
        {"kind": "EX-SB-01", "title": "院落改造", "description": "改造", "scope_code": COMM1},
    )
    project = Project.objects.get(title="院落改造")
    assert response.status_code == 302 and project.state == workflow.DRAFT


def test_the_register_page_imports_all_or_nothing_with_row_errors(client, pw):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(pw.p.office)
    bad = workbook(
        [
            [COMM1, "丙院", "丙院1号", "甲", "", 1, 50, "是", "", ""],
            [COMM1, "丙院", "丙院1号", "乙", "", 1, 50, "是", "", ""],
        ]
    )
    response = client.post(reverse("web:projects_register"), {"file": SimpleUploadedFile("r.xlsx", bad)})
    assert response.status_code == 400 and "第 3 行" in response.content.decode()
    export = client.get(reverse("web:projects_register") + "?format=xlsx")
    assert export.status_code == 200 and export["Content-Type"].startswith("application/vnd.openxmlformats")
    client.force_login(pw.p.rep)
    assert client.get(reverse("web:projects_register")).status_code == 404


def test_the_route_map_and_the_notice_render_without_inline_script_or_style(client, pw, voting):
    from jingzhi.core import clock

    html = client.get(reverse("web:projects_route")).content.decode()
    assert 'data-state="publicity"' in html and "<script>" not in html and "style=" not in html
    assert (
        client.get(reverse("web:project_notice", args=[voting.pk])).status_code == 404
    )  # not in publicity yet
    with clock.frozen(T0):
        for n in range(1, 7):
            actions.do_cast_ballot(
                actor=pw.p.office,
                project_id=voting.pk,
                choice="full",
                channel="paper",
                household_id=pw.households[f"甲8号院{n}号"].pk,
            )
    with clock.frozen(T0 + timedelta(days=8)):
        actions.do_close_vote(actor=pw.p.office, project_id=voting.pk)
    notice = client.get(reverse("web:project_notice", args=[voting.pk])).content.decode()
    assert "民意立项公示" in notice and "<svg" in notice and "style=" not in notice
    client.force_login(pw.p.office)
    export = client.get(reverse("web:project_export", args=[voting.pk]))
    assert export.status_code == 200
    client.force_login(pw.p.rep)
    assert client.get(reverse("web:project_export", args=[voting.pk])).status_code == 404
