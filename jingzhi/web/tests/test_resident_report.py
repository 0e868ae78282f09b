"""The resident's report, phone first (issue 11 §2), through the web door: an anonymous visitor from a street
board signs in or up by phone and lands on the form with the street preset; the location is explicit and
said in plain words; a failed submit keeps the location and the photos; places are found by name; the
report map shows public outlines beyond the resident's own community."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from django.core.cache import cache
from django.urls import reverse

from jingzhi.cases.testing import GRID2, IN_SUB1, STREET1
from jingzhi.core import sms
from jingzhi.web.testing import png

PHONE = "13912345678"


@pytest.fixture
def outbox(settings):
    settings.JINGZHI_SMS_BACKEND = "jingzhi.core.sms.LocmemSmsBackend"
    sms.outbox.clear()
    cache.clear()
    yield sms.outbox
    sms.outbox.clear()
    cache.clear()


def _code(outbox) -> str:
    return re.search(r"\d{6}", outbox[-1]["text"]).group(0)


def test_an_anonymous_visitor_from_a_street_board_goes_to_phone_sign_in_keeping_the_street(client, w):
    response = client.get(f"/report/?street={STREET1}")
    assert response.status_code == 302
    assert (
        response["Location"]
        == f"{reverse('web:phone_login')}?next={quote(f'/report/?street={STREET1}', safe='')}"
    )


def test_sign_up_by_phone_lands_on_the_report_form_with_the_street_preset(client, w, outbox):
    target = f"/report/?street={STREET1}"
    first = client.get(reverse("web:phone_login"), {"next": target}).content.decode()
    assert 'data-testid="back-to-report"' in first
    page = client.post(reverse("web:phone_login"), {"step": "send", "phone": "139 1234 5678", "next": target})
    assert page.status_code == 200 and 'data-testid="code"' in page.content.decode()
    assert outbox[-1]["phone"] == PHONE
    done = client.post(
        reverse("web:phone_login"), {"step": "verify", "phone": PHONE, "code": _code(outbox), "next": target}
    )
    assert done.status_code == 302 and done["Location"] == target
    form = client.get(target).content.decode()
    assert 'data-testid="street-preset"' in form and "槐柏树胡同" in form
    assert f'name="street" value="{STREET1}"' in form
    assert 'name="location_source" id="id_location_source" value="street"' in form
    response = client.post(
        target, {"description": "井盖没了，很危险", "street": STREET1, "location_source": ""}
    )
    assert response.status_code == 302
    from jingzhi.cases.models import Case

    case = Case.objects.get()
    assert case.street.code == STREET1 and case.reporter.phone == PHONE


def test_a_wrong_phone_number_is_a_400_in_chinese(client, w, outbox):
    response = client.post(reverse("web:phone_login"), {"step": "send", "phone": "12345"})
    body = response.content.decode()
    assert response.status_code == 400 and "11 位中国大陆手机号" in body
    assert outbox == []


def test_a_wrong_code_is_a_400_saying_how_many_tries_are_left(client, w, outbox):
    client.post(reverse("web:phone_login"), {"step": "send", "phone": PHONE})
    wrong = "000000" if _code(outbox) != "000000" else "111111"
    response = client.post(reverse("web:phone_login"), {"step": "verify", "phone": PHONE, "code": wrong})
    assert response.status_code == 400 and "还可再试 4 次" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_asking_again_at_once_is_a_429_with_retry_after(client, w, outbox):
    client.post(reverse("web:phone_login"), {"step": "send", "phone": PHONE})
    response = client.post(reverse("web:phone_login"), {"step": "send", "phone": PHONE})
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert "秒后再重新获取" in response.content.decode()


def test_a_staff_phone_is_refused_with_a_pointer_to_the_password_login(client, w, outbox):
    from jingzhi.accounts.models import User

    User.objects.filter(pk=w.p.operator.pk).update(phone=PHONE)
    client.post(reverse("web:phone_login"), {"step": "send", "phone": PHONE})
    response = client.post(
        reverse("web:phone_login"), {"step": "verify", "phone": PHONE, "code": _code(outbox)}
    )
    assert response.status_code == 403 and "用户名和密码" in response.content.decode()


def test_next_never_leads_off_the_site(client, w, outbox):
    client.post(reverse("web:phone_login"), {"step": "send", "phone": PHONE})
    done = client.post(
        reverse("web:phone_login"),
        {"step": "verify", "phone": PHONE, "code": _code(outbox), "next": "https://evil.example/"},
    )
    assert done.status_code == 302 and done["Location"] == reverse("web:home")


def test_the_demo_shows_the_code_on_the_page_and_the_console_prints_it(client, w, settings, capsys):
    settings.JINGZHI_DEMO = True
    settings.JINGZHI_SMS_BACKEND = ""
    cache.clear()
    body = client.post(reverse("web:phone_login"), {"step": "send", "phone": PHONE}).content.decode()
    code = re.search(r'data-testid="demo-code">.*?<strong>(\d{6})</strong>', body, re.S).group(1)
    printed = capsys.readouterr().out
    assert code in printed and "139****5678" in printed and PHONE not in printed


def test_the_demo_built_by_jingzhi_demo_counts_without_the_setting(client, w, settings, tmp_path, capsys):
    settings.JINGZHI_DEMO = False
    settings.JINGZHI_SMS_BACKEND = ""
    settings.VAR_DIR = tmp_path
    (tmp_path / "demo.flag").write_text("1")
    cache.clear()
    body = client.post(reverse("web:phone_login"), {"step": "send", "phone": PHONE}).content.decode()
    assert 'data-testid="demo-code"' in body
    capsys.readouterr()


def test_a_real_deployment_never_shows_the_code(client, w, settings, tmp_path, capsys):
    settings.JINGZHI_DEMO = False
    settings.JINGZHI_SMS_BACKEND = ""
    settings.VAR_DIR = tmp_path
    cache.clear()
    body = client.post(reverse("web:phone_login"), {"step": "send", "phone": PHONE}).content.decode()
    assert 'data-testid="demo-code"' not in body and 'data-testid="code"' in body
    capsys.readouterr()


def test_outside_the_demo_the_code_is_never_on_the_page(client, w, outbox, settings):
    settings.JINGZHI_DEMO = True  # the demo flag alone is not enough: texts really go out
    body = client.post(reverse("web:phone_login"), {"step": "send", "phone": PHONE}).content.decode()
    assert 'data-testid="demo-code"' not in body and _code(outbox) not in body


def test_the_password_page_offers_phone_sign_in_keeping_next(client, w):
    body = client.get(reverse("web:login") + "?next=/report/%3Fstreet%3DX").content.decode()
    assert 'data-testid="phone-login"' in body and "next=/report/%3Fstreet%3DX" in body


# ---------------------------------------------------------------------------------------------------- the form
def test_no_location_is_asked_for_in_plain_words_and_the_photos_are_kept(client, w):
    from jingzhi.core.models import Attachment

    client.force_login(w.p.resident)
    form = client.get(reverse("web:case_report")).content.decode()
    # The page starts with no location at all: nothing at the map's centre is sent.
    assert 'name="lon" id="id_lon" value=""' in form and 'id="id_location_source" value=""' in form
    assert "还没有选择位置" in form and "经纬度" not in form
    response = client.post(
        reverse("web:case_report"),
        {"description": "井盖没了，很危险", "lon": "", "lat": "", "location_source": "", "photos": [png()]},
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert "还不知道问题在哪里" in body and "经纬度" not in body
    (draft,) = Attachment.objects.filter(owner_type="core.draft")
    assert f'name="draft_photos" value="{draft.pk}"' in body and 'data-testid="draft-photo"' in body
    assert client.get(reverse("web:attachment", args=[draft.pk, "thumb"])).status_code == 200
    # Another resident cannot see it.
    client.force_login(w.p.other_resident)
    assert client.get(reverse("web:attachment", args=[draft.pk, "thumb"])).status_code == 404
    # The second try, with a location picked on the map, files the report with the kept photo.
    client.force_login(w.p.resident)
    done = client.post(
        reverse("web:case_report"),
        {
            "description": "井盖没了，很危险",
            "lon": IN_SUB1[0],
            "lat": IN_SUB1[1],
            "location_source": "map",
            "draft_photos": [draft.pk],
        },
    )
    assert done.status_code == 302
    draft.refresh_from_db()
    assert draft.owner_type == "cases.caseevent" and draft.kind == "before"


def test_a_failed_submit_keeps_the_location_and_a_removed_photo_is_discarded(client, w):
    from jingzhi.core.models import Attachment

    client.force_login(w.p.resident)
    first = client.post(
        reverse("web:case_report"),
        {
            "description": "",
            "lon": IN_SUB1[0],
            "lat": IN_SUB1[1],
            "location_source": "place",
            "place_name": "槐柏树胡同",
            "photos": [png("a.png"), png("b.png")],
        },
    )
    body = first.content.decode()
    assert first.status_code == 400
    assert f'value="{IN_SUB1[0]}"' in body and 'value="place"' in body and "位置：槐柏树胡同" in body
    a, b = Attachment.objects.filter(owner_type="core.draft").order_by("pk")
    second = client.post(
        reverse("web:case_report"),
        {
            "description": "",
            "location_source": "place",
            "lon": IN_SUB1[0],
            "lat": IN_SUB1[1],
            "draft_photos": [b.pk],
        },
    )
    assert second.status_code == 400
    assert list(Attachment.objects.filter(owner_type="core.draft").values_list("pk", flat=True)) == [b.pk]


def test_places_are_found_by_name_across_the_district_with_no_links_or_people(client, w):
    client.force_login(w.p.resident)
    body = client.get(reverse("web:case_report_places"), {"place": "石碑"}).content.decode()
    assert 'data-testid="place-choice"' in body and "石碑社区" in body
    assert "/places/" not in body
    assert (
        "没有找到" in client.get(reverse("web:case_report_places"), {"place": "不存在的街"}).content.decode()
    )


def test_the_assist_names_the_place_in_plain_words(client, w):
    client.force_login(w.p.resident)
    body = client.get(
        reverse("web:case_report_assist"), {"part": "where", "lon": IN_SUB1[0], "lat": IN_SUB1[1]}
    ).content.decode()
    assert 'data-testid="where"' in body and "青槐东里社区" in body and "经纬度" not in body


def test_the_public_report_map_shows_places_outside_the_residents_community_without_links(client, w):
    client.force_login(w.p.resident)
    url = reverse("web:geojson")
    box = {"level": "grid", "bbox": "116.349,39.899,116.353,39.902"}
    own = client.get(url, box).json()
    assert GRID2 not in [f["id"] for f in own["features"]]
    public = client.get(url, {**box, "scope": "public"}).json()
    assert GRID2 in [f["id"] for f in public["features"]]
    assert all(f["properties"]["url"] is None for f in public["features"])
    bad = client.get(url, {**box, "level": "subdistrict", "scope": "public"})
    assert bad.status_code == 400 and "公开地图" in bad.json()["message"]


# ---------------------------------------------------------------------------------------------------- English
def test_the_phone_sign_in_and_the_report_form_are_english_apart_from_the_data(client, w, outbox, settings):
    from jingzhi.web.tests.test_english import _chinese_chrome

    client.cookies["django_language"] = "en"
    settings.JINGZHI_DEMO = True
    first = client.get(reverse("web:phone_login")).content.decode()
    assert _chinese_chrome(first, ["精治"]) == []
    sent = client.post(reverse("web:phone_login"), {"step": "send", "phone": PHONE}).content.decode()
    assert _chinese_chrome(sent, ["精治"]) == [] and "valid for 5 minutes" in sent
    failed = client.post(
        reverse("web:phone_login"), {"step": "verify", "phone": PHONE, "code": "12"}
    ).content.decode()
    assert "The code must be 6 digits" in failed
    client.force_login(w.p.resident)
    form = client.get(f"/report/?street={STREET1}").content.decode()
    assert _chinese_chrome(form, ["精治", "槐柏树胡同", "王阿姨", "wang"]) == []
    assert "You are reporting a problem on" in form
    places = client.get(reverse("web:case_report_places"), {"place": "石碑"}).content.decode()
    assert _chinese_chrome(places, ["石碑社区", "丰泽街道"]) == []
    error = client.post(
        reverse("web:case_report"), {"description": "x", "lon": "", "lat": ""}
    ).content.decode()
    assert "We do not know where the problem is yet" in error


def test_an_unknown_street_code_just_leaves_the_form_without_a_preset(client, w):
    client.force_login(w.p.resident)
    response = client.get("/report/?street=nonsense%3Cscript%3E")
    body = response.content.decode()
    assert response.status_code == 200
    assert (
        'data-testid="street-preset"' not in body
        and "<script>" not in body.split("</head>")[1].split("<script")[0]
    )
    assert 'id="id_location_source" value=""' in body


def test_an_inspectors_quick_report_is_filed_as_an_inspectors_report(client, w):
    from jingzhi.cases.models import Case

    for user, source in ((w.p.inspector, "inspector"), (w.p.resident, "resident_web")):
        client.force_login(user)
        response = client.post(
            reverse("web:case_report"),
            {
                "description": f"井盖没了 {source}",
                "location_source": "map",
                "lon": IN_SUB1[0],
                "lat": IN_SUB1[1],
            },
        )
        assert response.status_code == 302, response.content.decode()[:500]
        assert Case.objects.get(description=f"井盖没了 {source}").source == source
