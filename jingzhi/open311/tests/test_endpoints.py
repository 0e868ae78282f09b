"""GeoReport v2, endpoint by endpoint, in both formats: element names, fields, datetimes with offsets, and the
case a POST makes."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from jingzhi.cases.models import Case
from jingzhi.open311.models import Open311Request
from jingzhi.open311.testing import (
    BASE,
    IN_SUB1,
    REPORTER_EMAIL,
    REPORTER_NAME,
    REPORTER_PHONE,
    STREET1,
    T0,
    form,
    jpeg_bytes,
    parse,
)

pytestmark = pytest.mark.django_db
FORMATS = ["xml", "json"]
OFFSET = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00$")
REQUEST_ELEMENTS = [
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
]


def post(http, fmt, data, **extra):
    return http.post(f"{BASE}requests.{fmt}", data, **extra)


def file_one(http, key, fmt="json", **fields) -> dict:
    response = post(http, fmt, form(key.raw, **fields))
    assert response.status_code == 200, response.content
    body = parse(response, fmt)
    if fmt == "xml":
        return {child.tag: child.text for child in body.find("request")}
    return body[0]


def requests_of(response, fmt) -> list[dict]:
    """Requests as dicts of element text (xml) or the JSON objects, after checking the XML element names."""
    body = parse(response, fmt)
    if fmt == "json":
        assert isinstance(body, list)
        return body
    assert body.tag == "service_requests"
    assert all(child.tag == "request" for child in body)
    return [{child.tag: (child.text if len(child) == 0 else child) for child in request} for request in body]


# ---------------------------------------------------------------------------------------------- discovery
@pytest.mark.parametrize("fmt", FORMATS)
def test_discovery_lists_this_endpoint_with_both_formats(http, world, fmt):
    response = http.get(f"{BASE}discovery.{fmt}")
    assert response.status_code == 200
    body = parse(response, fmt)
    if fmt == "xml":
        assert body.tag == "discovery"
        assert [c.tag for c in body] == ["changeset", "contact", "key_service", "endpoints"]
        endpoint = body.find("endpoints/endpoint")
        assert endpoint.findtext("specification") == "http://wiki.open311.org/GeoReport_v2"
        assert endpoint.findtext("url").endswith("/open311/v2/")
        assert [f.text for f in endpoint.findall("formats/format")] == ["text/xml", "application/json"]
        assert OFFSET.match(body.findtext("changeset"))
    else:
        assert body["endpoints"][0]["formats"] == ["text/xml", "application/json"]
        assert body["endpoints"][0]["type"] == "production"


# ---------------------------------------------------------------------------------------------- services
@pytest.mark.parametrize("fmt", FORMATS)
def test_services_are_the_active_leaf_categories_with_metadata_when_they_have_filing_conditions(
    http, world, fmt
):
    response = http.get(f"{BASE}services.{fmt}")
    assert response.status_code == 200
    body = parse(response, fmt)
    if fmt == "xml":
        assert body.tag == "services"
        assert all(s.tag == "service" for s in body)
        services = [{c.tag: c.text for c in s} for s in body]
        assert list(services[0]) == [
            "service_code",
            "service_name",
            "description",
            "metadata",
            "type",
            "keywords",
            "group",
        ]
    else:
        services = body
    by_code = {s["service_code"]: s for s in services}
    # the parents (公用设施, 市容环境) and the inactive 0109 are not services
    assert sorted(by_code) == ["component-0101", "event-0101"]
    cover, rubbish = by_code["component-0101"], by_code["event-0101"]
    assert cover["service_name"] == "上水井盖" and cover["group"] == "公用设施"
    assert rubbish["group"] == "市容环境" and rubbish["type"] == "realtime"
    truth = {"xml": ("true", "false"), "json": (True, False)}[fmt]
    assert (cover["metadata"], rubbish["metadata"]) == truth
    assert "井盖" in cover["keywords"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_service_definition_offers_the_filing_conditions_as_a_single_value_list(http, world, fmt):
    response = http.get(f"{BASE}services/component-0101.{fmt}")
    assert response.status_code == 200
    body = parse(response, fmt)
    condition = world.t.condition
    if fmt == "xml":
        assert body.tag == "service_definition"
        assert body.findtext("service_code") == "component-0101"
        attribute = body.find("attributes/attribute")
        assert [c.tag for c in attribute] == [
            "variable",
            "code",
            "datatype",
            "required",
            "datatype_description",
            "order",
            "description",
            "values",
        ]
        assert attribute.findtext("datatype") == "singlevaluelist"
        assert attribute.findtext("variable") == "true" and attribute.findtext("required") == "false"
        values = attribute.findall("values/value")
        assert [(v.findtext("key"), v.findtext("name")[:5]) for v in values] == [
            (str(condition.pk), "缺失或移位")
        ]
        assert [c.tag for c in values[0]] == ["key", "name"]
    else:
        (attribute,) = body["attributes"]
        assert attribute["code"] == "filing_condition" and attribute["order"] == 1
        assert attribute["values"][0]["key"] == str(condition.pk)


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_service_without_conditions_has_an_empty_definition(http, world, fmt):
    body = parse(http.get(f"{BASE}services/event-0101.{fmt}"), fmt)
    if fmt == "xml":
        assert body.find("attributes") is not None and len(body.find("attributes")) == 0
    else:
        assert body == {"service_code": "event-0101", "attributes": []}


# ---------------------------------------------------------------------------------------------- POST
@pytest.mark.parametrize("fmt", FORMATS)
def test_posting_a_request_opens_a_real_case_and_answers_the_id_and_notice_without_a_token(
    http, world, key, fmt
):
    response = post(
        http,
        fmt,
        form(
            key.raw,
            first_name=REPORTER_NAME[0],
            last_name=REPORTER_NAME[1],
            phone=REPORTER_PHONE,
            email=REPORTER_EMAIL,
            account_id="acct-7",
            device_id="dev-1",
            media_url="https://img.example.org/1.jpg",
            **{"attribute[filing_condition]": str(world.t.condition.pk)},
        ),
    )
    assert response.status_code == 200, response.content
    body = parse(response, fmt)
    if fmt == "xml":
        assert body.tag == "service_requests"
        (request,) = body
        assert request.tag == "request"
        # A realtime service answers service_request_id, never a token beside it (GeoReport v2).
        assert [c.tag for c in request] == ["service_request_id", "service_notice", "account_id"]
        created = {c.tag: c.text for c in request}
    else:
        (created,) = body
        assert "token" not in created
    assert created["account_id"] == "acct-7"
    case = Case.objects.get(number=created["service_request_id"])
    assert case.source == "open311" and case.state == "reported"
    assert case.category == world.t.cover and case.filing_condition == world.t.condition
    assert case.grid_code == "110199001001001"
    assert case.reporter_name == "淑珍卫" and case.reporter_phone == REPORTER_PHONE
    assert "核实" in created["service_notice"]
    extra = Open311Request.objects.get(case=case)
    assert extra.client == key.client
    assert extra.contact_email == REPORTER_EMAIL and extra.media_url == "https://img.example.org/1.jpg"
    assert extra.attributes == {"filing_condition": str(world.t.condition.pk)}


def test_the_filed_case_waits_in_the_operators_verification_queue_and_is_routed_on_dispatch(http, world, key):
    from jingzhi.cases import actions
    from jingzhi.cases.queries import queue_for

    number = file_one(http, key)["service_request_id"]
    case = Case.objects.get(number=number)
    assert case in list(queue_for(world.p.operator, "verify"))
    actions.do_verify_case(actor=world.p.inspector, case_id=case.pk, note="属实")
    actions.do_file_case(actor=world.p.shift_lead, case_id=case.pk)
    case = actions.do_dispatch_case(actor=world.p.dispatcher, case_id=case.pk)
    assert case.lead_department == world.p.szsr and case.routing["manual"] is False
    shown = requests_of(http.get(f"{BASE}requests/{number}.json"), "json")[0]
    assert shown["agency_responsible"] == "市政市容委"
    assert shown["status"] == "open"
    assert OFFSET.match(shown["expected_datetime"])
    from zoneinfo import ZoneInfo

    local = case.handle_deadline.astimezone(ZoneInfo("Asia/Shanghai")).isoformat(timespec="seconds")
    assert shown["expected_datetime"] == local


def test_a_location_can_be_an_address_id_or_an_address_string_naming_our_street(http, world, key):
    by_id = file_one(http, key, lat=None, long=None, address_id="110199002001001")
    case = Case.objects.get(number=by_id["service_request_id"])
    assert case.grid_code == "110199002001001"
    by_name = file_one(http, key, lat=None, long=None, address_string="北京市示范区槐柏树胡同 12 号门口")
    case = Case.objects.get(number=by_name["service_request_id"])
    assert case.street_code == STREET1 and case.address == "北京市示范区槐柏树胡同 12 号门口"


def test_a_multipart_post_stores_the_photo_on_the_cases_opening_event(http, world, key):
    from jingzhi.core.models import Attachment

    photo = SimpleUploadedFile("manhole.jpg", jpeg_bytes(), content_type="image/jpeg")
    response = http.post(f"{BASE}requests.json", {**form(key.raw), "media": photo})
    assert response.status_code == 200, response.content
    case = Case.objects.get(number=parse(response, "json")[0]["service_request_id"])
    event = case.events.get(action="open")
    assert Attachment.objects.filter(owner_type="cases.caseevent", owner_id=str(event.pk)).count() == 1


def test_multivalue_attributes_are_parsed_from_bracketed_fields(world):
    from django.http import QueryDict

    from jingzhi.open311 import spec

    data = QueryDict("attribute[kind][]=a&attribute[kind][]=b&attribute[size]=3&api_key=x")
    assert spec.collect_attributes(data.lists()) == {"kind": ["a", "b"], "size": ["3"]}


def test_a_description_of_4000_characters_is_accepted_and_4001_refused(http, world, key, settings):
    from jingzhi.open311.testing import spec_errors

    settings.JINGZHI_CASE_DESCRIPTION_MAX = 4000
    file_one(http, key, description="井" * 4000)
    errors = spec_errors(post(http, "xml", form(key.raw, description="井" * 4001)), "xml", 400)
    assert "4001" in errors[0][1] and "4000" in errors[0][1]


def test_a_missing_description_is_filled_from_the_service(http, world, key):
    number = file_one(http, key, description=None)["service_request_id"]
    assert "上水井盖" in Case.objects.get(number=number).description


# ---------------------------------------------------------------------------------------------- tokens
@pytest.mark.parametrize("fmt", FORMATS)
def test_a_token_gives_back_the_service_request_id(http, world, key, fmt):
    created = file_one(http, key)
    # The POST answer of a realtime service carries no token; one filed by an earlier batch-style answer
    # (kept with the request) still resolves.
    created["token"] = Open311Request.objects.get(case__number=created["service_request_id"]).token
    response = http.get(f"{BASE}tokens/{created['token']}.{fmt}")
    assert response.status_code == 200
    body = parse(response, fmt)
    if fmt == "xml":
        assert body.tag == "service_requests"
        assert [c.tag for c in body.find("request")] == ["service_request_id", "token"]
        assert body.findtext("request/service_request_id") == created["service_request_id"]
    else:
        assert body == [{"service_request_id": created["service_request_id"], "token": created["token"]}]


# ---------------------------------------------------------------------------------------------- GET requests
@pytest.mark.parametrize("fmt", FORMATS)
def test_one_request_has_every_spec_element_and_offsets_on_every_datetime(http, world, key, fmt):
    created = file_one(http, key, media_url="https://img.example.org/2.jpg")
    response = http.get(f"{BASE}requests/{created['service_request_id']}.{fmt}")
    assert response.status_code == 200
    (request,) = requests_of(response, fmt)
    assert list(request) == REQUEST_ELEMENTS
    assert request["status"] == "open"
    assert request["service_code"] == "component-0101" and request["service_name"] == "上水井盖"
    assert OFFSET.match(request["requested_datetime"]) and OFFSET.match(request["updated_datetime"])
    assert request["requested_datetime"] == "2025-06-11T09:00:00+08:00"
    assert request["media_url"] == "https://img.example.org/2.jpg"
    assert float(request["lat"]) == pytest.approx(IN_SUB1[1]) and float(request["long"]) == pytest.approx(
        IN_SUB1[0]
    )
    assert "待核实" in request["status_notes"]


def _cases_for_filters(world):
    """Four cases: three 上水井盖 at T0-1d, T0-10d (voided → closed) and T0-100d, one 暴露垃圾 at T0-2d in 002."""
    from jingzhi.cases import actions

    def open_at(days, where=IN_SUB1, category=None):
        return actions.do_open_case(
            actor=None,
            source="open311",
            description="测试",
            lon=where[0],
            lat=where[1],
            category=category or world.t.cover,
            reported_at=T0 - timedelta(days=days),
        )

    recent = open_at(1)
    voided = open_at(10)
    actions.do_void_case(actor=world.p.shift_lead, case_id=voided.pk, reason="重复上报")
    old = open_at(100)
    rubbish = open_at(2, where=(116.3515, 39.9005), category=world.rubbish)
    return recent, voided, old, rubbish


def _ids(http, fmt, query=""):
    response = http.get(f"{BASE}requests.{fmt}?{query}")
    assert response.status_code == 200, response.content
    return [r["service_request_id"] for r in requests_of(response, fmt)]


@pytest.mark.parametrize("fmt", FORMATS)
def test_requests_default_to_the_last_90_days_newest_first(http, world, fmt):
    recent, voided, old, rubbish = _cases_for_filters(world)
    assert _ids(http, fmt) == [recent.number, rubbish.number, voided.number]


@pytest.mark.parametrize("fmt", FORMATS)
def test_requests_filter_by_id_list_service_code_dates_status_and_bbox(http, world, fmt):
    recent, voided, old, rubbish = _cases_for_filters(world)
    # an id list overrides every other filter, even the 90-day window
    assert sorted(
        _ids(http, fmt, f"service_request_id={old.number},{recent.number}&status=closed")
    ) == sorted([old.number, recent.number])
    assert _ids(http, fmt, "service_code=event-0101") == [rubbish.number]
    assert _ids(http, fmt, "service_code=event-0101,component-0101&status=closed") == [voided.number]
    assert _ids(http, fmt, "status=open") == [recent.number, rubbish.number]
    assert _ids(http, fmt, "status=open,closed") == [recent.number, rubbish.number, voided.number]
    start = (T0 - timedelta(days=120)).isoformat()
    end = (T0 - timedelta(days=50)).isoformat()
    from urllib.parse import quote

    assert _ids(http, fmt, f"start_date={quote(start)}&end_date={quote(end)}") == [old.number]
    # an unencoded '+' arrives as a space and is still understood
    assert _ids(http, fmt, f"start_date={start.replace('+', '%20')}&end_date={end.replace('+', '%20')}") == [
        old.number
    ]
    assert _ids(http, fmt, "start_date=2025-06-09&end_date=2025-06-10") == [recent.number, rubbish.number]
    assert _ids(http, fmt, "bbox=116.351,39.900,116.352,39.901") == [rubbish.number]
    assert _ids(http, fmt, "bbox=116.0,39.0,116.1,39.1") == []


@pytest.mark.parametrize("fmt", FORMATS)
def test_requests_page_through_results(http, world, fmt):
    recent, voided, old, rubbish = _cases_for_filters(world)
    assert _ids(http, fmt, "page_size=2") == [recent.number, rubbish.number]
    assert _ids(http, fmt, "page_size=2&page=2") == [voided.number]
    assert _ids(http, fmt, "page_size=2&page=3") == []


def test_hotline_cases_are_not_published(http, world):
    from jingzhi.cases import actions

    hotline = actions.do_open_case(
        actor=None,
        source="hotline",
        description="热线诉求",
        lon=IN_SUB1[0],
        lat=IN_SUB1[1],
        reporter_name="张三",
    )
    assert hotline.number not in _ids(http, "json")
    assert http.get(f"{BASE}requests/{hotline.number}.json").status_code == 404


@pytest.mark.parametrize("fmt", FORMATS)
def test_gcj02_coordinates_are_converted_on_the_way_in_and_optionally_out(http, world, key, fmt):
    from jingzhi.geo.coords import wgs84_to_gcj02

    # the GCJ-02 form of a point in grid 001 lies hundreds of metres away, outside the district, in WGS84
    glon, glat = (float(v) for v in wgs84_to_gcj02(*IN_SUB1))
    created = file_one(http, key, fmt=fmt, lat=str(glat), long=str(glon), coordinate_system="gcj02")
    case = Case.objects.get(number=created["service_request_id"])
    assert case.grid_code == "110199001001001"
    assert case.lon == pytest.approx(IN_SUB1[0], abs=1e-6) and case.lat == pytest.approx(IN_SUB1[1], abs=1e-6)
    assert Open311Request.objects.get(case=case).coordinate_system == "gcj02"
    (shown,) = requests_of(http.get(f"{BASE}requests/{case.number}.{fmt}?coordinate_system=gcj02"), fmt)
    assert float(shown["long"]) == pytest.approx(glon, abs=1e-6)
    assert float(shown["lat"]) == pytest.approx(glat, abs=1e-6)


@pytest.mark.parametrize("fmt", FORMATS)
def test_extensions_add_the_detailed_state_and_a_timeline_naming_departments_but_no_people(
    http, world, key, fmt
):
    from jingzhi.cases import actions

    number = file_one(http, key)["service_request_id"]
    case = Case.objects.get(number=number)
    actions.do_verify_case(actor=world.p.inspector, case_id=case.pk, note="zhao 现场核实属实")
    actions.do_file_case(actor=world.p.shift_lead, case_id=case.pk)
    actions.do_dispatch_case(actor=world.p.dispatcher, case_id=case.pk)
    response = http.get(f"{BASE}requests/{number}.{fmt}?extensions=true")
    assert response.status_code == 200
    for person in ("zhao", "zhou", "wu"):
        assert person.encode() not in response.content
    body = parse(response, fmt)
    if fmt == "xml":
        extended = body.find("request/extended_attributes")
        assert extended.findtext("detailed_status") == "pending_response"
        events = extended.findall("timeline/event")
        assert [e.findtext("action") for e in events] == ["open", "verify", "file", "dispatch"]
        assert [d.text for d in events[-1].findall("departments/department")] == ["市政市容委"]
        assert OFFSET.match(events[0].findtext("datetime"))
    else:
        extended = body[0]["extended_attributes"]
        assert extended["detailed_status_label"] == "待响应"
        assert extended["timeline"][-1]["departments"] == ["市政市容委"]
        assert extended["timeline"][-1]["status"] == "open"
    plain = requests_of(http.get(f"{BASE}requests/{number}.{fmt}"), fmt)[0]
    assert "extended_attributes" not in plain


@pytest.mark.parametrize("fmt", FORMATS)
def test_request_updates_list_each_public_step(http, world, key, fmt):
    from jingzhi.cases import actions

    number = file_one(http, key)["service_request_id"]
    case = Case.objects.get(number=number)
    actions.do_void_case(actor=world.p.shift_lead, case_id=case.pk, reason="重复")
    response = http.get(f"{BASE}requests/{number}/updates.{fmt}")
    assert response.status_code == 200
    body = parse(response, fmt)
    if fmt == "xml":
        assert body.tag == "service_request_updates"
        assert all(u.tag == "request_update" for u in body)
        updates = [{c.tag: c.text for c in u} for u in body]
    else:
        updates = body
    assert [u["status"] for u in updates] == ["open", "closed"]
    assert "已作废" in updates[-1]["description"]
    assert all(OFFSET.match(u["updated_datetime"]) for u in updates)
    assert "重复" not in updates[-1]["description"]  # staff's free text stays inside


def test_listing_requests_costs_a_fixed_number_of_queries(http, world, django_assert_max_num_queries):
    from jingzhi.cases import actions

    def listing():
        return http.get(f"{BASE}requests.json?extensions=true")

    for n in range(2):
        actions.do_open_case(
            actor=None,
            source="open311",
            description=f"测试{n}",
            lon=IN_SUB1[0],
            lat=IN_SUB1[1],
            category=world.t.cover,
        )
    listing()
    with django_assert_max_num_queries(8) as few:
        assert len(parse(listing(), "json")) == 2
    for n in range(6):
        actions.do_open_case(
            actor=None,
            source="open311",
            description=f"更多{n}",
            lon=IN_SUB1[0],
            lat=IN_SUB1[1],
            category=world.t.cover,
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(parse(listing(), "json")) == 8
