"""Bad input answers 4xx in each interface's own shape, never a 500: NUL characters in paths, query strings,
form fields and JSON bodies (PostgreSQL cannot store them); JSON nested thousands deep; ids written with
digits other than ASCII ("²") or beyond what the database holds. Run on SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest
from django.test import Client

from jingzhi.api.testing import token_client
from jingzhi.cases.testing import IN_SUB1

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(world):
    client = Client()
    client.force_login(world.p.shift_lead)
    return client


@pytest.fixture
def resident(world):
    client = Client()
    client.force_login(world.p.resident)
    return client


@pytest.mark.parametrize("url", ["/cases/?q=%00", "/streets/?q=%00", "/cases/%00/", "/streets/%00/"])
def test_nul_in_a_web_path_or_query_is_a_400_page(staff, url):
    response = staff.get(url)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert "空字符" in response.content.decode()


def test_nul_in_the_report_form_is_a_400_page_and_files_nothing(resident):
    from jingzhi.cases.models import Case

    response = resident.post(
        "/report/",
        {"description": "井盖\x00没了", "lon": IN_SUB1[0], "lat": IN_SUB1[1], "idempotency_key": "k"},
    )
    assert response.status_code == 400
    assert "description" in response.content.decode()
    assert not Case.objects.exists()


def test_nul_in_an_api_query_is_a_400_in_the_api_shape(world):
    response = token_client(world.p.shift_lead).get("/api/v1/cases/?q=%00")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and "空字符" in body["message"] and "q" in body["fields"]


def test_nul_in_an_api_json_body_is_a_400_in_the_api_shape(world):
    api = token_client(world.p.resident)
    body = {"description": "井盖\u0000没了", "lon": IN_SUB1[0], "lat": IN_SUB1[1]}
    response = api.post("/api/v1/cases/", body, format="json")
    assert response.status_code == 400
    data = response.json()
    assert data["code"] == "parse_error" and "description" in data["message"]


def test_nul_in_an_api_form_body_is_a_400_in_the_api_shape(world):
    api = token_client(world.p.resident)
    response = api.post(
        "/api/v1/cases/",
        {"description": "井盖\x00没了", "lon": IN_SUB1[0], "lat": IN_SUB1[1]},
        format="multipart",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def test_json_nested_three_thousand_deep_is_a_400_in_the_api_shape(world):
    api = token_client(world.p.resident)
    deep = "[" * 3000 + "]" * 3000
    response = api.generic(
        "POST", "/api/v1/cases/", f'{{"description": "x", "extra": {deep}}}', content_type="application/json"
    )
    assert response.status_code == 400
    data = response.json()
    assert data["code"] == "parse_error" and "嵌套" in data["message"]


def test_json_depth_counts_brackets_outside_strings_only():
    from jingzhi.api.parsers import json_depth

    assert json_depth('{"a": [1, {"b": "[[[[["}]}', 10) == 3
    assert json_depth('{"a": "\\"[[["}', 10) == 1
    assert json_depth("[" * 50, 5) == 6  # stops once past the limit


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_nul_in_open311_is_a_400_in_the_spec_error_list(world, fmt):
    from jingzhi.open311.testing import spec_errors

    response = Client().get(f"/open311/v2/requests.{fmt}?service_request_id=%00")
    errors = spec_errors(response, fmt, 400)
    assert "空字符" in errors[0][1]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_nul_in_an_open311_post_is_a_400_in_the_spec_error_list(world, fmt):
    from jingzhi.open311.actions import do_create_client
    from jingzhi.open311.testing import form, spec_errors

    _client, raw = do_create_client(actor=None, name="随手拍 App")
    response = Client().post(f"/open311/v2/requests.{fmt}", form(raw, description="井盖\x00没了"))
    errors = spec_errors(response, fmt, 400)
    assert "description" in errors[0][1]


@pytest.mark.parametrize("ref", ["²", "%C2%B2", "99999999999999999999", "１２"])
def test_a_case_id_that_is_not_plain_ascii_digits_is_a_404(staff, ref):
    assert staff.get(f"/cases/{ref}/").status_code == 404


def test_a_unicode_digit_category_filter_is_ignored_not_a_500(staff):
    response = staff.get("/cases/?category=²")
    assert response.status_code == 200
    assert staff.get("/cases/?category=99999999999999999999").status_code == 200


def test_a_unicode_digit_duplicate_of_on_the_report_form_is_not_a_500(resident):
    response = resident.post(
        "/report/",
        {
            "description": "井盖没了",
            "lon": IN_SUB1[0],
            "lat": IN_SUB1[1],
            "idempotency_key": "k2",
            "duplicate_of": "²",
        },
    )
    # Filed without a case to follow (302), or refused naming the field (400) where intake checks the offered
    # duplicate itself; before the fix it was a 500.
    assert response.status_code in (302, 400)


def test_open311_page_size_in_unicode_digits_is_a_400(world):
    from jingzhi.open311.testing import spec_errors

    response = Client().get("/open311/v2/requests.json?page_size=²")
    assert "page_size" in spec_errors(response, "json", 400)[0][1]


def _png_claiming(width: int, height: int) -> bytes:
    import struct
    import zlib

    def chunk(kind: bytes, payload: bytes) -> bytes:
        return (
            struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + chunk(b"IEND", b"")
    )


def test_nine_huge_canvases_through_the_api_are_refused_naming_the_file(world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from jingzhi.cases.models import Case

    photos = [SimpleUploadedFile(f"p{n}.png", _png_claiming(8000, 8000), "image/png") for n in range(9)]
    body = {"description": "井盖没了", "lon": IN_SUB1[0], "lat": IN_SUB1[1], "photos": photos}
    response = token_client(world.p.resident).post("/api/v1/cases/", body, format="multipart")
    assert response.status_code == 400
    data = response.json()
    assert "p0.png" in data["message"] and "像素过多" in data["message"]
    assert not Case.objects.exists()


def test_a_huge_canvas_on_the_web_form_is_refused_naming_the_file(resident):
    from django.core.files.uploadedfile import SimpleUploadedFile

    photo = SimpleUploadedFile("井盖.png", _png_claiming(8000, 8000), "image/png")
    response = resident.post(
        "/report/",
        {
            "description": "井盖没了",
            "lon": IN_SUB1[0],
            "lat": IN_SUB1[1],
            "idempotency_key": "k3",
            "photos": photo,
        },
    )
    assert response.status_code == 400
    assert "井盖.png" in response.content.decode() and "像素过多" in response.content.decode()
