"""The 多元共治 pages through the Django test client: a member's patrol from check-in to a finding (a case)
and check-out, the roster calendar, the organisers' buttons, meetings and the party members' task board;
missing and forbidden give the same 404; bad input is a message with a 400, never a 500."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from jingzhi.cases.models import Case
from jingzhi.core import clock
from jingzhi.councils import actions
from jingzhi.councils.models import Shift
from jingzhi.councils.testing import COMM1, ON_STREET, OUTSIDE, SUB1, T0, make_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def cworld(db):
    return make_world()


@pytest.fixture
def pin():
    from jingzhi.core import clock

    with clock.frozen(T0):
        yield


def _published(cworld):
    roster = actions.do_generate_roster(actor=None, council_id=cworld.council.pk, month="2025-06")
    actions.do_publish_roster(actor=None, roster_id=roster.pk)
    return Shift.objects.select_related("member__user").get(council=cworld.council, day=date(2025, 6, 11))


def test_a_member_patrols_and_a_finding_becomes_a_case(client, cworld, pin):
    shift = _published(cworld)
    client.force_login(shift.member.user)
    page = client.get(reverse("web:councils"))
    assert page.status_code == 200 and reverse("web:council_shift", args=[shift.pk]) in page.content.decode()
    url = reverse("web:council_shift", args=[shift.pk])
    assert client.post(url, {"step": "start", "lon": ON_STREET[0], "lat": ON_STREET[1]}).status_code == 302
    response = client.post(url, {"step": "finding", "description": "胡同口井盖没了", "token": "t1"})
    assert response.status_code == 302
    case = Case.objects.get(source="council")
    page = client.get(url)
    assert case.number in page.content.decode()
    item = cworld.council.checklist[0]
    assert client.post(url, {"step": "finish", "checked": [item], "note": "良好"}).status_code == 302
    assert "已巡查" in client.get(url).content.decode()


def test_an_empty_finding_is_a_400_with_the_reason(client, cworld, pin):
    shift = _published(cworld)
    client.force_login(shift.member.user)
    url = reverse("web:council_shift", args=[shift.pk])
    client.post(url, {"step": "start"})
    response = client.post(url, {"step": "finding", "description": ""})
    assert response.status_code == 400
    assert "请描述发现的问题" in response.content.decode()


def test_a_refused_check_in_outside_the_street_is_a_400(client, cworld, pin):
    actions.do_update_council_settings(actor=None, council_id=cworld.council.pk, outside_policy="refuse")
    shift = _published(cworld)
    client.force_login(shift.member.user)
    response = client.post(
        reverse("web:council_shift", args=[shift.pk]), {"step": "start", "lon": OUTSIDE[0], "lat": OUTSIDE[1]}
    )
    assert response.status_code == 400 and "超出签到范围" in response.content.decode()


def test_outsiders_get_the_same_404_for_missing_and_forbidden(client, cworld, pin):
    shift = _published(cworld)
    client.force_login(cworld.u.wan)
    for name, pk in (
        ("web:council_detail", cworld.council.pk),
        ("web:council_shift", shift.pk),
        ("web:council_roster", cworld.council.pk),
    ):
        assert client.get(reverse(name, args=[pk])).status_code == 404
        assert client.get(reverse(name, args=[99999])).status_code == 404


def test_the_secretary_generates_and_publishes_and_members_see_only_published_rosters(client, cworld, pin):
    roster_url = reverse("web:council_roster", args=[cworld.council.pk]) + "?month=2025-07"
    client.force_login(cworld.u.luo)
    client.post(reverse("web:council_act", args=[cworld.council.pk, "generate"]), {"month": "2025-07"})
    roster = cworld.council.rosters.get(month=date(2025, 7, 1))
    client.force_login(cworld.u.xu)
    assert 'data-testid="shift-2025-07-01"' not in client.get(roster_url).content.decode()
    assert (
        client.post(
            reverse("web:council_act", args=[cworld.council.pk, "publish"]), {"roster": roster.pk}
        ).status_code
        == 303
    )
    client.force_login(cworld.u.luo)
    client.post(reverse("web:council_act", args=[cworld.council.pk, "publish"]), {"roster": roster.pk})
    client.force_login(cworld.u.xu)
    assert 'data-testid="shift-2025-07-01"' in client.get(roster_url).content.decode()
    export = client.get(roster_url + "&format=xlsx")
    assert export.status_code == 200 and export["Content-Type"].startswith("application/vnd.openxmlformats")


def test_the_convenor_records_a_joint_meeting_and_sees_overdue_items(client, cworld, pin):
    client.force_login(cworld.p.sub_admin)
    response = client.post(
        reverse("web:meetings"),
        {
            "kind": "joint",
            "area_code": SUB1,
            "title": "六月联席会",
            "held_at": "2025-06-11T14:00",
            "departments": [cworld.p.szsr.pk],
            "agenda": "井盖\n停车",
        },
    )
    assert response.status_code == 302
    meeting_url = response["Location"]
    bad = client.post(meeting_url, {"step": "item", "title": "补井盖", "due_on": ""})
    assert bad.status_code == 400 and "完成时限" in bad.content.decode()
    client.post(
        meeting_url,
        {"step": "item", "title": "补井盖", "due_on": "2025-06-11", "owner_department": cworld.p.szsr.pk},
    )
    with clock.frozen(timezone.make_aware(datetime(2025, 6, 13, 9))):
        page = client.get(reverse("web:meetings")).content.decode()
    assert 'data-testid="overdue"' in page and "补井盖" in page
    assert client.get(reverse("web:meetings") + "?format=xlsx").status_code == 200
    client.force_login(cworld.u.wan)
    assert client.get(meeting_url).status_code == 404


def test_a_party_member_registers_once_and_signs_up(client, cworld, pin):
    client.force_login(cworld.u.wan)
    url = reverse("web:community_tasks")
    form = {"step": "register", "community_code": COMM1, "organisation": "区财政局机关党委"}
    assert client.post(url, form).status_code == 302
    again = client.post(url, form)
    assert again.status_code == 400 and "无需重复报到" in again.content.decode()
    actions.do_publish_task(
        actor=None,
        community_code=COMM1,
        kind="event",
        title="社区清洁日",
        starts_at="2025-06-14 09:00",
        ends_at="2025-06-14 11:00",
    )
    page = client.get(url).content.decode()
    assert "社区清洁日" in page


def _council_text() -> list[str]:
    """The Chinese data of the councils tables (names, titles, checklist items): shown as entered."""
    from django.apps import apps
    from django.db import models

    values = set()
    for model in apps.get_app_config("councils").get_models():
        fields = [
            f.name
            for f in model._meta.concrete_fields
            if isinstance(f, models.CharField | models.TextField | models.JSONField) and not f.choices
        ]
        for row in model.objects.values_list(*fields) if fields else []:
            for value in row:
                for item in value if isinstance(value, list) else [value]:
                    if isinstance(item, str) and item:
                        values.update([item, item[:30], item[:29]])
    return sorted(values)


def test_every_council_page_is_english_apart_from_the_data(client, cworld, pin):
    from jingzhi.web.tests.test_english import _chinese_chrome, _stored_text

    shift = _published(cworld)
    me = shift.member.user
    client.force_login(me)
    url = reverse("web:council_shift", args=[shift.pk])
    client.post(url, {"step": "start"})
    client.post(url, {"step": "finding", "description": "胡同口井盖没了"})
    client.get(url)  # the flash messages were written in Chinese: read them before switching language
    meeting = actions.do_record_meeting(
        actor=None,
        kind="council",
        council_id=cworld.council.pk,
        title="六月理事会",
        held_at="2025-06-11 19:00",
        decisions=["清理堆物"],
    )
    actions.do_add_action_item(
        actor=None, meeting_id=meeting.pk, title="清理堆物", due_on="2025-06-12", owner_user=me
    )
    actions.do_register_party_member(actor=cworld.u.he, community_code=COMM1, organisation="区财政局机关党委")
    actions.do_publish_task(
        actor=None,
        community_code=COMM1,
        kind="event",
        title="清洁日",
        starts_at="2025-06-14 09:00",
        ends_at="2025-06-14 11:00",
    )
    client.cookies["django_language"] = "en"
    data = _stored_text() + _council_text()
    pages = [
        reverse("web:councils"),
        reverse("web:council_detail", args=[cworld.council.pk]),
        reverse("web:council_roster", args=[cworld.council.pk]),
        url,
        reverse("web:meetings"),
        reverse("web:meeting_detail", args=[meeting.pk]),
    ]
    for who, urls in (
        (me, pages),
        (cworld.u.luo, pages[1:3]),
        (cworld.p.sub_admin, [reverse("web:meetings"), reverse("web:community_tasks")]),
        (cworld.u.he, [reverse("web:community_tasks")]),
    ):
        client.force_login(who)
        client.cookies["django_language"] = "en"
        for page in urls:
            response = client.get(page)
            assert response.status_code == 200, page
            # The page's own content (the header's links belong to every app and are walked by test_english).
            main = response.content.decode().split('<main class="page">', 1)[1]
            assert _chinese_chrome(main, data) == [], (who.username, page)
    client.force_login(me)
    client.cookies["django_language"] = "en"
    assert "Check out and finish the patrol" in client.get(url).content.decode()


def test_an_administrator_registers_a_property_company_on_the_web(client, cworld, pin):
    from jingzhi.councils.models import PropertyCompany

    client.force_login(cworld.p.sub_admin)
    url = reverse("web:property_companies")
    page = client.get(url).content.decode()
    assert 'data-testid="property-form"' in page and cworld.t.cover.code in page
    response = client.post(
        url,
        {
            "name": "青槐物业",
            "code": "WY-QH",
            "subdistrict_code": SUB1,
            "places": COMM1,
            "categories": [cworld.t.cover.code],
        },
    )
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert "青槐物业" in page and cworld.t.cover.name in page
    company = PropertyCompany.objects.get()
    assert company.places == [COMM1]


def test_a_bad_property_company_form_is_a_400_and_keeps_what_was_typed(client, cworld, pin):
    client.force_login(cworld.p.sub_admin)
    response = client.post(
        reverse("web:property_companies"),
        {"name": "外区物业", "code": "WY-X", "subdistrict_code": SUB1, "places": "110199002001"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "不是" in page and 'value="外区物业"' in page


def test_the_property_page_is_for_staff_and_registering_for_administrators(client, cworld, pin):
    client.force_login(cworld.u.wan)
    assert client.get(reverse("web:property_companies")).status_code == 404
    client.force_login(cworld.p.inspector)
    page = client.get(reverse("web:property_companies"))
    assert page.status_code == 200 and 'data-testid="property-form"' not in page.content.decode()
    response = client.post(
        reverse("web:property_companies"), {"name": "x", "code": "y", "subdistrict_code": SUB1}
    )
    assert response.status_code == 404


def test_the_patrol_finding_form_uses_the_shared_photo_picker(client, cworld, pin):
    shift = _published(cworld)
    client.force_login(shift.member.user)
    url = reverse("web:council_shift", args=[shift.pk])
    client.post(url, {"step": "start", "lon": ON_STREET[0], "lat": ON_STREET[1]})
    page = client.get(url).content.decode()
    assert 'data-testid="photo-add"' in page and 'data-previews="finding-photos-previews"' in page
    assert "web/photos.js" in page
