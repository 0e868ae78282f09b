"""Each role lands on its own work (issue 11 §1): the home page shows one block per role the person holds,
most actionable first, every figure through the owning app's scoped queries — a handler never sees another
department's case, a resident only their own reports, an inspector only their beat. The header offers only
what the person can open (`jingzhi.web.navigation`)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from jingzhi.web.testing import report, to_handling


def _home(client, user):
    client.force_login(user)
    response = client.get(reverse("web:home"))
    assert response.status_code == 200
    return response


def _blocks(response) -> list[str]:
    return [b["key"] for b in response.context["blocks"]]


def _nav(response) -> list[str]:
    return re.findall(r'data-nav="(\w+)"', response.content.decode())


def test_an_anonymous_visitor_is_sent_to_the_login_page(client, db):
    response = client.get(reverse("web:home"))
    assert response.status_code == 302 and response.url.startswith(reverse("web:login"))


def test_the_registry_collects_the_nav_modules_of_the_installed_apps():
    from jingzhi.web.navigation import nav_modules

    names = [m.__name__ for m in nav_modules()]
    for app in ("geo", "cases", "rectification", "web"):
        assert f"jingzhi.{app}.nav" in names


def test_a_resident_sees_report_first_and_only_their_own_reports(client, w):
    mine = report(w, description="我家楼下井盖没了")
    theirs = report(w, actor=w.p.other_resident, description="别人家门口路灯坏了")
    response = _home(client, w.p.resident)
    assert _blocks(response) == ["resident"]
    body = response.content.decode()
    main = body.split('<main class="page">', 1)[1]
    assert main.index('data-testid="home-report"') < main.index(mine.number)
    assert "我家楼下井盖没了" in body and "已收到，等待现场核实" in body
    assert theirs.number not in body and "路灯坏了" not in body
    nav = _nav(response)
    assert nav[:3] == ["home", "case_report", "my_reports"]  # other apps may add theirs after
    assert not {"cases_workbench", "streets", "places", "map", "api", "admin"} & set(nav)


def test_a_handler_sees_their_departments_cases_and_never_another_departments(client, w):
    case = to_handling(w, report(w))
    response = _home(client, w.p.handler)
    assert _blocks(response) == ["desk-handler"]
    assert case.number in response.content.decode()
    tabs = {t["name"]: t["count"] for t in response.context["blocks"][0]["context"]["tabs"]}
    assert tabs["handling"] == 1
    other = _home(client, w.p.other_handler)
    assert case.number not in other.content.decode()
    assert {t["name"]: t["count"] for t in other.context["blocks"][0]["context"]["tabs"]}["handling"] == 0


def test_an_inspector_sees_verify_and_check_tasks_on_their_beat_only(client, w):
    case = report(w)  # in grid 1, the first inspector's beat
    response = _home(client, w.p.inspector)
    block = response.context["blocks"][0]
    assert block["key"] == "inspector" and block["context"]["counts"] == {"verify": 1, "check": 0}
    body = response.content.decode()
    assert case.number in body and 'data-testid="home-quick-report"' in body
    assert f'data-lon="{case.lon:f}"' in body  # the page sorts by distance once it knows where they are
    elsewhere = _home(client, w.p.inspector2)
    assert case.number not in elsewhere.content.decode()
    assert elsewhere.context["blocks"][-1]["context"]["counts"] == {"verify": 0, "check": 0}


def test_desk_roles_see_their_queue_with_counts_per_tab(client, w):
    case = report(w)
    operator = _home(client, w.p.operator)
    block = operator.context["blocks"][0]
    assert block["key"] == "desk-operator"
    assert [t["name"] for t in block["context"]["tabs"]] == ["verify", "callback", "supervision"]
    assert block["context"]["tabs"][0]["count"] == 1 and case.number in operator.content.decode()
    assert 'href="/cases/?queue=verify"' in operator.content.decode()
    # The second subdistrict's operator does not count the first subdistrict's report.
    other = _home(client, w.p.operator2)
    assert other.context["blocks"][0]["context"]["tabs"][0]["count"] == 0
    for user, key in ((w.p.shift_lead, "desk-shift_lead"), (w.p.dispatcher, "desk-dispatcher")):
        assert _blocks(_home(client, user)) == [key]


def test_a_person_with_several_roles_gets_a_block_per_role_work_first(client, w):
    from jingzhi.accounts.actions import do_assign_role
    from jingzhi.cases.testing import GRID1

    user = w.p.operator2  # operator of the second subdistrict, nothing to do there
    do_assign_role(actor=None, user=user, role="inspector", scope_kind="grid", scope_code=GRID1)
    do_assign_role(actor=None, user=user, role="resident", scope_kind="grid", scope_code=GRID1)
    report(w)
    blocks = _blocks(_home(client, user))
    assert set(blocks) == {"resident", "inspector", "desk-operator"}
    # The resident's report button first, the inspector's task next, the idle operator queue last.
    assert blocks == ["resident", "inspector", "desk-operator"]


def test_administrators_see_the_month_in_their_jurisdiction(client, w, clock_at):
    from datetime import timedelta

    from jingzhi.cases import actions
    from jingzhi.cases.testing import T0

    case = to_handling(w, report(w))
    actions.do_feedback_case(actor=w.p.handler, case_id=case.pk, note="已修复")
    actions.do_check_pass_case(actor=w.p.inspector, case_id=case.pk)
    actions.do_close_case(actor=w.p.shift_lead, case_id=case.pk)
    report(w)  # still open; a week later it is overdue
    clock_at(T0 + timedelta(days=7))
    response = _home(client, w.p.sub_admin)
    assert "month" in _blocks(response)
    m = next(b for b in response.context["blocks"] if b["key"] == "month")["context"]["m"]
    assert (m["month"], m["opened"], m["closed"], m["overdue"]) == ("2025-06", 2, 1, 1)
    assert (m["on_time"], m["timed"], m["on_time_rate"]) == (1, 1, 100)
    other = next(b for b in _home(client, w.p.sub_admin2).context["blocks"] if b["key"] == "month")
    assert other["context"]["m"]["opened"] == 0  # the other subdistrict's month


def test_an_open_whistle_counts_for_the_admins_and_tops_the_summoned_handlers_home(client, w):
    from jingzhi.cases import actions

    case = report(w)
    actions.do_blow_whistle(
        actor=w.p.sub_admin, case_ids=[case.pk], department_ids=[w.p.szsr.pk], limit_minutes=30, note="爆管"
    )
    m = next(b for b in _home(client, w.p.district_admin).context["blocks"] if b["key"] == "month")
    assert m["context"]["m"]["whistles_open"] == 1
    m = next(b for b in _home(client, w.p.sub_admin2).context["blocks"] if b["key"] == "month")
    assert m["context"]["m"]["whistles_open"] == 0
    handler = _home(client, w.p.handler)
    assert 'data-testid="home-summonses"' in handler.content.decode()
    assert handler.context["blocks"][0]["order"] < 20  # a summons to report in comes before the queue
    assert 'data-testid="home-summonses"' not in _home(client, w.p.other_handler).content.decode()


def test_a_street_chief_sees_their_street_with_the_letter_to_sign(client, appointed, at):
    from jingzhi.rectification import actions
    from jingzhi.rectification.testing import STREET1

    actions.do_issue_task_letter(
        actor=appointed.p.district_admin,
        street_code=STREET1,
        title="2025 年整治任务书",
        targets="十无达标",
        starts_on="2025-06-12",
        due_on="2025-12-31",
    )
    response = _home(client, appointed.p.chief)
    assert "chief" in _blocks(response)
    body = response.content.decode()
    assert "槐柏树街" in body and 'data-testid="letter-to-sign"' in body
    assert f'href="/streets/{STREET1}/#chief" data-testid="home-sign-letter"' in body
    assert f'href="/streets/{STREET1}/inspect/" data-testid="home-chief-patrol"' in body
    assert client.get(f"/streets/{STREET1}/inspect/").status_code == 200
    assert "streets_mine" in _nav(response)


def test_a_steward_sees_their_street_and_this_weeks_patrols(client, appointed, at):
    from jingzhi.rectification import actions
    from jingzhi.rectification.testing import STREET1

    actions.do_assign_steward(actor=appointed.p.district_admin, street_code=STREET1, user=appointed.p.steward)
    response = _home(client, appointed.p.steward)
    block = next(b for b in response.context["blocks"] if b["key"] == "steward")
    assert block["context"]["streets"][0].patrols_this_week == 0
    actions.do_log_patrol(actor=appointed.p.steward, street_code=STREET1, duty="patrol", note="巡查一遍")
    block = next(b for b in _home(client, appointed.p.steward).context["blocks"] if b["key"] == "steward")
    assert block["context"]["streets"][0].patrols_this_week == 1
    assert f'href="/streets/{STREET1}/patrol/"' in _home(client, appointed.p.steward).content.decode()


def test_a_council_member_sees_their_street_through_its_public_page_only(client, appointed):
    from jingzhi.accounts.actions import do_assign_role, do_create_user
    from jingzhi.rectification.testing import STREET1, STREET2

    member = do_create_user(actor=None, username="he", password="x-secret-1", display_name="何淑珍")
    do_assign_role(actor=None, user=member, role="council_member", scope_kind="street", scope_code=STREET1)
    response = _home(client, member)
    block = next(b for b in response.context["blocks"] if b["key"] == "council")
    assert [r.code for r in block["context"]["streets"]] == [STREET1]
    body = response.content.decode()
    assert f'href="/s/{STREET1}/"' in body and f"/report/?street={STREET1}" in body
    assert STREET2 not in body and f'href="/streets/{STREET1}/"' not in body
    assert "streets" not in _nav(response) and "cases_workbench" not in _nav(response)
    assert "my_reports" in _nav(response)  # their workbench would list only their own reports
    listed = client.get(reverse("web:streets")).content.decode()
    assert f'href="/streets/{STREET1}/"' not in listed  # the page it would lead to is not theirs


def test_assessors_see_the_streets_not_yet_checked_this_month(client, appointed, at):
    response = _home(client, appointed.p.assessor)
    block = next(b for b in response.context["blocks"] if b["key"] == "street-checks")
    assert block["context"]["due"]["streets"] == 2 and block["context"]["due"]["unchecked"] == 2
    sub2 = next(
        b for b in _home(client, appointed.p.assessor2).context["blocks"] if b["key"] == "street-checks"
    )
    assert sub2["context"]["due"]["streets"] == 1


@pytest.mark.parametrize("name", ["resident", "handler", "inspector", "operator", "sub_admin"])
def test_the_home_page_costs_a_bounded_number_of_queries(client, w, django_assert_max_num_queries, name):
    for _n in range(3):
        report(w)
    client.force_login(getattr(w.p, name))
    with django_assert_max_num_queries(40):
        assert client.get(reverse("web:home")).status_code == 200


def test_a_long_menu_keeps_six_links_on_a_phone_and_puts_the_rest_under_more(client, w):
    html = _home(client, w.p.district_admin).content.decode()
    nav = re.search(r'<nav class="site-nav".*?</nav>', html, re.S).group(0)
    links = re.findall(r'<a href="[^"]*" data-nav="(\w+)" class="([^"]*)"', nav)
    assert len(links) > 7, links
    assert 'data-testid="nav-more"' in nav
    # Every link is still in the page (shown in full from 640 px); on a phone the seventh on wait for 更多.
    assert [key for key, cls in links if "nav-extra" in cls] == [key for key, _ in links[6:]]
    short = _nav(_home(client, w.p.resident))
    assert len(short) <= 7
    assert 'data-testid="nav-more"' not in _home(client, w.p.resident).content.decode()
