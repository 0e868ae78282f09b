"""The resident's report, phone first (issue 11 §2), in Chromium at 390 px: a tap on the report map places the
pin (it used to open the grid's page); no location until the resident gives one, in plain words, and a failed
submit keeps the location and the photos; "use my location" far from home still shows the map around the
point; the street board's QR link takes an anonymous visitor through phone sign-up to the form with the street
preset; the photo button is a large tap target with previews and removal. Screenshots: var/screenshots/
resident-*.png."""

from __future__ import annotations

import io
import re

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}
TOUCH = {"has_touch": True, "is_mobile": True}
STREET = "110199001S001"
HOME = "110199001001"


@pytest.fixture
def city(demo_city, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return demo_city


def _png(name="photo.png", colour=(90, 140, 200)) -> dict:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(buffer, format="PNG")
    return {"name": name, "mimeType": "image/png", "buffer": buffer.getvalue()}


def _resident(page_factory, login, **options):
    page = page_factory(PHONE, **options)
    login(page, "resident")
    page.wait_for_url(re.compile(r"/$"))
    return page


def _map_ready(page, level="grid"):
    page.wait_for_function(
        f"() => parseInt(document.getElementById('map').getAttribute('data-loaded-{level}') || '0') > 0"
    )


def _no_coordinates_words(page):
    text = page.locator("body").inner_text()
    assert "经纬度" not in text and "经度" not in text and "纬度" not in text


def test_a_tap_on_the_report_map_inside_a_grid_places_the_pin(page_factory, login, city, shot):
    page = _resident(page_factory, login, **TOUCH)
    page.goto("/report/")
    _map_ready(page)
    assert page.locator(".jz-pin").count() == 0  # no pin until the resident says where
    assert page.get_by_test_id("location-status").inner_text() == "还没有选择位置"
    box = page.locator("#map").bounding_box()
    page.touchscreen.tap(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_function("() => document.getElementById('id_lon').value !== ''")
    assert page.url.endswith("/report/")
    assert page.locator(".jz-pin").count() == 1
    assert page.input_value("#id_location_source") == "map"
    assert page.get_by_test_id("location-status").inner_text() == "已在地图上标出您点的位置"
    page.wait_for_selector("[data-testid=where]")
    assert "位置：" in page.get_by_test_id("where").inner_text()
    _no_coordinates_words(page)
    shot(page, "resident-report-tapped-phone", full_page=True)


def test_without_a_location_the_report_waits_and_keeps_the_photos_then_a_place_picked_by_name_files_it(
    page_factory, login, city, shot
):
    from jingzhi.cases.models import Case, CaseEvent

    page = _resident(page_factory, login)
    page.goto("/report/")
    page.fill("#id_description", "井盖没了，很危险")
    page.set_input_files("#id_photos", [_png("a.png"), _png("b.png", (200, 30, 30))])
    assert page.locator("[data-testid=new-photo]").count() == 2
    page.click("[data-testid=submit-report]")
    page.wait_for_selector("[data-testid=report-error]")
    error = page.get_by_test_id("report-error").inner_text()
    assert "还不知道问题在哪里" in error and "照片和位置都已保留" in error
    _no_coordinates_words(page)
    # The photos came back from the server, with previews.
    assert page.locator("[data-testid=draft-photo]").count() == 2
    page.wait_for_function(
        "() => Array.from(document.querySelectorAll('[data-testid=draft-photo] img')).every(i => i.complete && i.naturalWidth > 0)"
    )
    shot(page, "resident-report-no-location-phone", full_page=True)
    # A place by name: our own streets and communities.
    page.fill("[data-testid=place-search]", "槐柏树")
    page.wait_for_selector("[data-testid=place-choice]")
    page.locator("[data-testid=place-choice]").first.click()
    assert page.get_by_test_id("location-status").inner_text().startswith("位置：槐柏树")
    assert page.input_value("#id_location_source") == "place"
    page.wait_for_load_state("networkidle")  # the map's outlines around the place, for the screenshot
    shot(page, "resident-report-place-picked-phone", full_page=True)
    page.click("[data-testid=submit-report]")
    page.wait_for_url(re.compile(r"/my/reports/$"))
    case = Case.objects.filter(source="resident_web", reporter__username="resident").latest("pk")
    assert len(CaseEvent.objects.get(case=case, action="open").data["attachments"]) == 2


def test_use_my_location_far_from_home_shows_the_map_around_the_point(page_factory, login, city, shot):
    from jingzhi.geo.models import Community, Grid

    home = Community.objects.get(code=HOME, generation__is_active=True)
    cx, cy = (home.min_lon + home.max_lon) / 2, (home.min_lat + home.max_lat) / 2
    # The grid farthest from the resident's own community: nothing of home is in view there.
    far = max(
        Grid.objects.filter(generation__is_active=True).exclude(code__startswith=HOME),
        key=lambda g: ((g.min_lon + g.max_lon) / 2 - cx) ** 2 + ((g.min_lat + g.max_lat) / 2 - cy) ** 2,
    )
    lon, lat = (far.min_lon + far.max_lon) / 2, (far.min_lat + far.max_lat) / 2
    page = _resident(page_factory, login)
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation({"longitude": lon, "latitude": lat, "accuracy": 20})
    page.goto("/report/")
    _map_ready(page)
    page.evaluate("() => document.getElementById('map').removeAttribute('data-loaded-grid')")
    page.click("[data-testid=locate-me]")
    page.wait_for_function("() => document.getElementById('id_lon').value !== ''")
    _map_ready(page)
    assert page.input_value("#id_location_source") == "gps"
    page.wait_for_selector("[data-testid=where]")
    assert far.community.name in page.get_by_test_id("where").inner_text()
    shot(page, "resident-report-far-from-home-phone", full_page=True)


def test_a_street_board_qr_link_leads_an_anonymous_visitor_through_phone_sign_up_to_the_form(
    page_factory, city, settings, shot
):
    from jingzhi.cases.models import Case
    from jingzhi.geo.models import Street

    settings.JINGZHI_DEMO = True
    settings.JINGZHI_SMS_BACKEND = ""  # the console backend, as in `jingzhi demo`
    page = page_factory(PHONE, **TOUCH)
    page.goto(f"/s/{STREET}/")
    page.get_by_test_id("report-link").click()
    page.wait_for_url(re.compile(r"/login/phone/"))
    shot(page, "resident-phone-login-phone", full_page=True)
    page.fill("[data-testid=phone]", "139 1234 5678")
    page.click("[data-testid=send-code]")
    page.wait_for_selector("[data-testid=demo-code]")
    code = re.search(r"\d{6}", page.get_by_test_id("demo-code").inner_text()).group(0)
    shot(page, "resident-phone-code-phone", full_page=True)
    page.fill("[data-testid=code]", code)
    page.click("[data-testid=verify-code]")
    page.wait_for_url(re.compile(rf"/report/\?street={STREET}$"))
    name = Street.objects.get(code=STREET, generation__is_active=True).name
    assert name in page.get_by_test_id("street-preset").inner_text()
    assert page.get_by_test_id("location-status").inner_text().startswith(f"位置：{name}")
    assert page.input_value("#id_location_source") == "street"
    page.wait_for_selector("[data-testid=where]")
    assert name in page.get_by_test_id("where").inner_text()
    assert page.locator(".jz-pin").count() == 1
    _map_ready(page, "street")
    shot(page, "resident-report-from-qr-phone", full_page=True)
    page.fill("#id_description", "路边堆了很多建筑垃圾")
    page.click("[data-testid=submit-report]")
    page.wait_for_url(re.compile(r"/my/reports/$"))
    case = Case.objects.get(source="resident_web", reporter__phone="13912345678")
    assert case.street.code == STREET


def test_the_photo_button_is_a_large_tap_target_with_previews_and_removal(page_factory, login, city, shot):
    page = _resident(page_factory, login, **TOUCH)
    page.goto("/report/")
    box = page.get_by_test_id("photo-add").bounding_box()
    assert box["height"] >= 44 and box["width"] >= 300
    page.set_input_files("#id_photos", [_png("a.png"), _png("b.png", (200, 30, 30))])
    assert page.locator("[data-testid=new-photo]").count() == 2
    remove = page.locator("[data-testid=new-photo] [data-testid=photo-remove]").first
    rbox = remove.bounding_box()
    assert rbox["height"] >= 44 and rbox["width"] >= 44
    remove.tap()
    assert page.locator("[data-testid=new-photo]").count() == 1
    assert page.evaluate("() => document.getElementById('id_photos').files.length") == 1
    assert page.evaluate("() => document.getElementById('id_photos').files[0].name") == "b.png"
    shot(page, "resident-report-photos-phone", full_page=True)
    # Nothing scrolls sideways on a phone.
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390


def test_the_password_page_offers_residents_phone_sign_in_on_desktop_too(page_factory, login, city, shot):
    page = page_factory({"width": 1280, "height": 860})
    page.goto(f"/login/?next=/report/%3Fstreet%3D{STREET}")
    shot(page, "resident-login-desktop")
    page.get_by_test_id("phone-login").click()
    page.wait_for_url(re.compile(r"/login/phone/\?next="))
    assert page.locator("[data-testid=phone]").is_visible()
    login(page, "resident")
    page.wait_for_url(re.compile(r"/$"))
    page.goto("/report/")
    _map_ready(page)
    shot(page, "resident-report-desktop", full_page=True)


def test_nothing_scrolls_sideways_at_360_px(page_factory, login, city):
    narrow = {"width": 360, "height": 740}
    anonymous = page_factory(narrow)
    anonymous.goto(f"/report/?street={STREET}")
    anonymous.wait_for_url(re.compile(r"/login/phone/"))
    assert anonymous.evaluate("() => document.documentElement.scrollWidth") <= 360
    page = page_factory(narrow)
    login(page, "resident")
    page.wait_for_url(re.compile(r"/$"))
    page.goto(f"/report/?street={STREET}")
    page.fill("[data-testid=place-search]", "社区")
    page.wait_for_selector("[data-testid=place-choice]")
    page.set_input_files("#id_photos", [_png("a.png"), _png("b.png"), _png("c.png"), _png("d.png")])
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 360
