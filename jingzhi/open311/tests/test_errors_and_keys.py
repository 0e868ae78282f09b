"""Spec errors (an array of {code, description} with 400/403/404, never HTML, never 5xx) for every kind of bad
input, in both formats; keys issued and revoked; the POST rate limit; and the rule that a reporter's name,
phone and e-mail never leave through Open311."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from jingzhi.cases.models import Case
from jingzhi.open311.models import Open311Request
from jingzhi.open311.testing import (
    BASE,
    OUTSIDE,
    REPORTER_EMAIL,
    REPORTER_NAME,
    REPORTER_PHONE,
    form,
    parse,
    spec_errors,
)

pytestmark = pytest.mark.django_db
FORMATS = ["xml", "json"]


def post(http, fmt, data):
    return http.post(f"{BASE}requests.{fmt}", data)


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_missing_service_code_is_a_400(http, key, fmt):
    errors = spec_errors(post(http, fmt, form(key.raw, service_code=None)), fmt, 400)
    assert errors[0][0] == 400 and "service_code" in errors[0][1]


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_missing_location_is_a_400(http, key, fmt):
    errors = spec_errors(post(http, fmt, form(key.raw, lat=None, long=None)), fmt, 400)
    assert "lat" in errors[0][1]


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_unknown_service_code_is_a_400_on_post_and_a_404_for_its_definition(http, key, fmt):
    errors = spec_errors(post(http, fmt, form(key.raw, service_code="component-9999")), fmt, 400)
    assert "component-9999" in errors[0][1]
    spec_errors(http.get(f"{BASE}services/component-9999.{fmt}"), fmt, 404)
    spec_errors(http.get(f"{BASE}services/component-0109.{fmt}"), fmt, 404)  # inactive category


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_missing_wrong_or_revoked_key_is_a_403(http, key, fmt):
    from jingzhi.open311.actions import do_revoke_client

    assert spec_errors(post(http, fmt, form(None)), fmt, 403)[0][0] == 403
    spec_errors(post(http, fmt, form("o311_not-a-key")), fmt, 403)
    assert post(http, fmt, form(key.raw)).status_code == 200
    do_revoke_client(actor=None, prefix=key.client.key_prefix)
    errors = spec_errors(post(http, fmt, form(key.raw)), fmt, 403)
    assert "吊销" in errors[0][1]


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_location_outside_the_jurisdiction_is_a_400_and_files_nothing(http, key, fmt):
    errors = spec_errors(post(http, fmt, form(key.raw, lat=str(OUTSIDE[1]), long=str(OUTSIDE[0]))), fmt, 400)
    assert "辖区" in errors[0][1]
    assert not Case.objects.exists()


@pytest.mark.parametrize("fmt", FORMATS)
def test_malformed_dates_and_filters_are_400s_each_named(http, world, fmt):
    errors = spec_errors(http.get(f"{BASE}requests.{fmt}?start_date=yesterday&end_date=2025-13-40"), fmt, 400)
    assert len(errors) == 2
    assert "start_date" in errors[0][1] and "end_date" in errors[1][1]
    spec_errors(
        http.get(f"{BASE}requests.{fmt}?start_date=2025-01-01&end_date=2025-06-01"), fmt, 400
    )  # > 90 days
    spec_errors(http.get(f"{BASE}requests.{fmt}?status=pending"), fmt, 400)
    spec_errors(http.get(f"{BASE}requests.{fmt}?service_code=nope"), fmt, 400)
    spec_errors(http.get(f"{BASE}requests.{fmt}?bbox=1,2,3"), fmt, 400)
    spec_errors(http.get(f"{BASE}requests.{fmt}?page_size=1001"), fmt, 400)
    spec_errors(http.get(f"{BASE}requests.{fmt}?extensions=maybe"), fmt, 400)
    spec_errors(http.get(f"{BASE}requests.{fmt}?coordinate_system=bd09"), fmt, 400)


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_too_long_description_is_a_400(http, key, fmt):
    errors = spec_errors(post(http, fmt, form(key.raw, description="x" * 4001)), fmt, 400)
    assert "description" in errors[0][1]
    assert not Case.objects.exists()


@pytest.mark.parametrize("fmt", FORMATS)
def test_bad_attributes_email_and_media_url_are_reported_together(http, world, key, fmt):
    errors = spec_errors(
        post(
            http,
            fmt,
            form(
                key.raw,
                email="not-an-email",
                media_url="ftp://x",
                **{"attribute[filing_condition]": "999999", "attribute[colour][]": "red"},
            ),
        ),
        fmt,
        400,
    )
    text = " ".join(d for _c, d in errors)
    assert len(errors) == 4
    for word in ("email", "media_url", "colour", "999999"):
        assert word in text


def test_an_unknown_format_suffix_is_a_400_in_xml(http, world):
    for path in ("services.csv", "requests.yaml", "discovery.html", "services/component-0101.txt"):
        errors = spec_errors(http.get(f"{BASE}{path}"), "xml", 400)
        assert ".xml" in errors[0][1]


@pytest.mark.parametrize("fmt", FORMATS)
def test_unknown_paths_requests_and_tokens_are_404s(http, world, fmt):
    spec_errors(http.get(f"{BASE}nothing/here.{fmt}"), fmt, 404)
    spec_errors(http.get(f"{BASE}requests/JZ2025061199999.{fmt}"), fmt, 404)
    spec_errors(http.get(f"{BASE}requests/JZ2025061199999/updates.{fmt}"), fmt, 404)
    spec_errors(http.get(f"{BASE}tokens/deadbeef.{fmt}"), fmt, 404)


@pytest.mark.parametrize("fmt", FORMATS)
def test_any_path_under_open311_outside_v2_answers_the_spec_error(http, fmt):
    """Not only /open311/v2/: /open311/, /open311/v3/… and the bare prefix never reach the web's HTML 404."""
    for path in (f"/open311/v3/services.{fmt}", f"/open311/services.{fmt}", f"/open311/x/y/z.{fmt}"):
        spec_errors(http.get(path), fmt, 404)
        spec_errors(http.post(path, {"a": "b"}), fmt, 404)
    spec_errors(http.get("/open311/"), "xml", 404)
    spec_errors(http.get("/open311"), "xml", 404)
    spec_errors(http.get("/open311/?format=json"), "json", 404)
    spec_errors(http.get("/open311/v2/discovery.%0A"), "xml", 404)  # a newline in the path
    spec_errors(http.get("/open311/%0A"), "xml", 404)


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_unexpected_failure_is_a_spec_500_not_a_page(http, world, fmt, monkeypatch, settings):
    from jingzhi.open311 import services

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    settings.DEBUG = False
    monkeypatch.setattr(services, "services", broken)
    errors = spec_errors(http.get(f"{BASE}services.{fmt}"), fmt, 500)
    assert "boom" not in errors[0][1]


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_wrong_jurisdiction_is_a_400_and_the_right_ones_pass(http, key, fmt, settings):
    spec_errors(http.get(f"{BASE}services.{fmt}?jurisdiction_id=elsewhere.gov"), fmt, 400)
    assert http.get(f"{BASE}services.{fmt}?jurisdiction_id=jingzhi.local").status_code == 200
    assert http.get(f"{BASE}services.{fmt}?jurisdiction_id=110199").status_code == 200
    assert post(http, fmt, form(key.raw, jurisdiction_id="110199")).status_code == 200
    settings.JINGZHI_OPEN311_JURISDICTION = "xicheng.beijing.gov.cn"
    spec_errors(post(http, fmt, form(key.raw, jurisdiction_id="110199")), fmt, 400)
    assert post(http, fmt, form(key.raw, jurisdiction_id="xicheng.beijing.gov.cn")).status_code == 200


def test_a_wrong_method_is_a_405_with_a_spec_body(http, world):
    response = http.delete(f"{BASE}services.json")
    spec_errors(response, "json", 405)
    assert "GET" in response["Allow"]


# ---------------------------------------------------------------------------------------------- rate limit
@pytest.mark.parametrize("fmt", FORMATS)
def test_posts_beyond_the_clients_rate_limit_get_a_429_until_the_window_slides(http, world, fmt):
    from datetime import timedelta

    from jingzhi.core import clock
    from jingzhi.open311.actions import do_create_client

    _client, raw = do_create_client(actor=None, name="慢速客户端", rate_limit_per_minute=2)
    assert post(http, fmt, form(raw)).status_code == 200
    assert post(http, fmt, form(raw)).status_code == 200
    response = post(http, fmt, form(raw))
    errors = spec_errors(response, fmt, 429)
    assert errors[0][0] == 429 and int(response["Retry-After"]) >= 1
    assert Case.objects.count() == 2
    # another client is not affected
    _other, other_raw = do_create_client(actor=None, name="另一个客户端", rate_limit_per_minute=2)
    assert post(http, fmt, form(other_raw)).status_code == 200
    with clock.frozen(clock.now() + timedelta(minutes=2)):
        assert post(http, fmt, form(raw)).status_code == 200


def test_the_sliding_window_weights_last_minute_by_what_remains_of_it():
    from jingzhi.open311.ratelimit import weighted_count

    assert weighted_count(10, 0, 0) == 10
    assert weighted_count(10, 2, 30) == 7
    assert weighted_count(10, 2, 60) == 2


# ---------------------------------------------------------------------------------------------- keys
def test_create_key_prints_a_working_key_once_and_revoke_key_stops_it(http, world):
    from jingzhi.core.models import AuditEvent
    from jingzhi.open311.models import Open311Client

    out, err = io.StringIO(), io.StringIO()
    call_command("open311", "create-key", "市民随手拍", stdout=out, stderr=err)
    raw = out.getvalue().strip()
    client = Open311Client.objects.get(name="市民随手拍")
    assert raw.startswith(client.key_prefix) and client.key_hash != raw and raw not in client.key_hash
    assert client.key_prefix in err.getvalue()
    assert post(http, "json", form(raw)).status_code == 200
    call_command("open311", "revoke-key", client.key_prefix, stdout=io.StringIO())
    client.refresh_from_db()
    assert client.revoked_at is not None and not client.is_active
    spec_errors(post(http, "json", form(raw)), "json", 403)
    assert AuditEvent.objects.filter(verb__in=["open311.key_created", "open311.key_revoked"]).count() == 2
    listing = io.StringIO()
    call_command("open311", "list-keys", stdout=listing)
    assert "已吊销" in listing.getvalue()


def test_revoking_an_unknown_prefix_is_a_command_error(world):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("open311", "revoke-key", "o311_nothing", stdout=io.StringIO())


def test_the_admin_issues_a_key_shown_once_in_its_message(world):
    from django.test import Client

    from jingzhi.accounts.actions import do_create_user
    from jingzhi.open311.models import Open311Client

    admin = do_create_user(actor=None, username="root311", password="x-secret-1", is_staff=True)
    admin.is_superuser = True
    admin.save(update_fields=["is_superuser"])
    browser = Client()
    browser.force_login(admin)
    response = browser.post(
        "/admin/open311/open311client/add/", {"name": "后台签发", "rate_limit_per_minute": "5"}, follow=True
    )
    assert response.status_code == 200
    client = Open311Client.objects.get(name="后台签发")
    shown = [str(m) for m in response.context["messages"]]
    assert any(client.key_prefix in m for m in shown)
    raw = next(m for m in shown if client.key_prefix in m).split("：")[-1].strip()
    assert client.rate_limit_per_minute == 5
    from jingzhi.open311.actions import hash_key

    assert hash_key(raw) == client.key_hash


# ---------------------------------------------------------------------------------------------- privacy
def test_reporter_name_phone_and_email_never_appear_in_any_response(http, world, key):
    from jingzhi.cases import actions

    contact = {
        "first_name": REPORTER_NAME[0],
        "last_name": REPORTER_NAME[1],
        "phone": REPORTER_PHONE,
        "email": REPORTER_EMAIL,
    }
    bodies = []
    for fmt in FORMATS:
        response = post(http, fmt, form(key.raw, **contact))
        assert response.status_code == 200
        bodies.append(response.content)
    created = parse(http.post(f"{BASE}requests.json", form(key.raw, **contact)), "json")[0]
    case = Case.objects.get(number=created["service_request_id"])
    assert case.reporter_name == "淑珍卫" and case.reporter_phone == REPORTER_PHONE
    actions.do_verify_case(actor=world.p.inspector, case_id=case.pk, note="已联系诉求人")
    actions.do_file_case(actor=world.p.shift_lead, case_id=case.pk)
    actions.do_dispatch_case(actor=world.p.dispatcher, case_id=case.pk)
    number = created["service_request_id"]
    token = Open311Request.objects.get(case=case).token
    paths = [
        "discovery",
        "services",
        "services/component-0101",
        "requests",
        f"requests/{number}",
        f"requests/{number}/updates",
        f"tokens/{token}",
    ]
    for fmt in FORMATS:
        for path in paths:
            for query in ("", "?extensions=true", "?extensions=true&coordinate_system=gcj02"):
                response = http.get(f"{BASE}{path}.{fmt}{query}")
                assert response.status_code == 200, (path, query, response.content[:300])
                bodies.append(response.content)
        # errors too
        bodies.append(
            post(http, fmt, form(key.raw, lat=str(OUTSIDE[1]), long=str(OUTSIDE[0]), **contact)).content
        )
        bodies.append(post(http, fmt, form(key.raw, description="x" * 4001, **contact)).content)
    bodies.append(http.get(f"{BASE}openapi.json").content)
    secrets = [REPORTER_PHONE, REPORTER_EMAIL, "淑珍", "淑珍卫", "weishuzhen"]
    for body in bodies:
        text = body.decode("utf-8")
        for secret in secrets:
            assert secret not in text, (secret, text[:300])
