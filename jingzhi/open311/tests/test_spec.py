"""The pure GeoReport v2 rules: W3C datetimes, the 90-day window, attribute answers, bbox, XML rendering."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from xml.etree import ElementTree as ET
from zoneinfo import ZoneInfo

import pytest

from jingzhi.open311 import spec
from jingzhi.open311.spec import Attribute, Open311Error

SH = ZoneInfo("Asia/Shanghai")


def test_w3c_datetimes_carry_the_shanghai_offset_even_from_utc_or_naive_values():
    assert spec.w3c(datetime(2025, 6, 11, 1, 0, tzinfo=UTC), SH) == "2025-06-11T09:00:00+08:00"
    assert spec.w3c(datetime(2025, 6, 11, 9, 0), SH) == "2025-06-11T09:00:00+08:00"
    assert spec.w3c(None, SH) is None


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("2025-06-11T09:00:00+08:00", datetime(2025, 6, 11, 1, tzinfo=UTC)),
        ("2025-06-11T01:00:00Z", datetime(2025, 6, 11, 1, tzinfo=UTC)),
        ("2025-06-11T09:00:00 08:00", datetime(2025, 6, 11, 1, tzinfo=UTC)),  # '+' lost in a query string
        ("2025-06-11T09:00", datetime(2025, 6, 11, 1, tzinfo=UTC)),  # local time
        ("2025-06-11", datetime(2025, 6, 10, 16, tzinfo=UTC)),
    ],
)
def test_w3c_input_is_read_in_all_its_common_forms(raw, expected):
    assert spec.parse_w3c("start_date", raw, SH) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "yesterday",
        "2025-13-01",
        "2025-06-31",
        "2025-06-11T25:00:00",
        "20250611",
        "2025-06-11T09:00:00+15:00",
        "",
    ],
)
def test_malformed_datetimes_are_a_400_naming_the_parameter(raw):
    with pytest.raises(Open311Error) as caught:
        spec.parse_w3c("end_date", raw, SH)
    assert caught.value.status == 400 and "end_date" in caught.value.errors[0][1]


def test_the_date_window_defaults_to_90_days_and_refuses_longer_or_reversed_spans():
    now = datetime(2025, 6, 11, tzinfo=SH)
    assert spec.date_window(None, None, now) == (now - timedelta(days=90), now)
    start = now - timedelta(days=10)
    assert spec.date_window(start, None, now) == (start, start + timedelta(days=90))
    assert spec.date_window(None, now, now) == (now - timedelta(days=90), now)
    with pytest.raises(Open311Error):
        spec.date_window(now - timedelta(days=91), now, now)
    with pytest.raises(Open311Error):
        spec.date_window(now, now - timedelta(days=1), now)


DEFINITION = [
    Attribute("kind", "种类", "multivaluelist", required=True, values=(("a", "甲"), ("b", "乙"))),
    Attribute("size", "大小", "number", order=2),
    Attribute("seen", "发现时间", "datetime", order=3),
    Attribute("one", "单选", "singlevaluelist", order=4, values=(("x", "X"),)),
    Attribute("note", "说明", "text", variable=False, order=5),
]


def test_attribute_answers_are_checked_against_their_datatypes():
    clean, problems = spec.check_attributes(
        DEFINITION,
        {"kind": ["a", "b"], "size": ["3.5"], "seen": ["2025-06-11T09:00:00+08:00"], "one": ["x"]},
        SH,
    )
    assert problems == []
    assert clean == {"kind": ["a", "b"], "size": 3.5, "seen": "2025-06-11T09:00:00+08:00", "one": "x"}


def test_attribute_problems_name_the_attribute_each():
    _clean, problems = spec.check_attributes(
        DEFINITION, {"size": ["big"], "one": ["x", "x"], "note": ["hi"], "colour": ["red"]}, SH
    )
    text = "\n".join(problems)
    assert len(problems) == 5
    for word in ("kind", "size", "one", "note", "colour"):  # required, number, single, informational, unknown
        assert f"attribute[{word}]" in text
    _clean, problems = spec.check_attributes(DEFINITION, {"kind": ["c"]}, SH)
    assert "“c”" in problems[0]


def test_statuses_and_bbox_are_parsed_strictly():
    assert spec.parse_statuses("open, closed") == {"open", "closed"}
    with pytest.raises(Open311Error):
        spec.parse_statuses("open,pending")
    assert spec.parse_bbox("116.3,39.9,116.4,40.0") == (116.3, 39.9, 116.4, 40.0)
    for bad in ("116.4,39.9,116.3,40.0", "a,b,c,d", "1,2,3", "200,0,201,1"):
        with pytest.raises(Open311Error):
            spec.parse_bbox(bad)


def test_xml_names_list_items_after_the_spec_and_drops_characters_xml_cannot_carry():
    xml = spec.to_xml(
        "service_requests",
        [
            {
                "service_request_id": "1",
                "status": "open",
                "lat": 39.9,
                "media_url": None,
                "description": "a\x00b\x0bc",
            }
        ],
    )
    root = ET.fromstring(xml)
    assert root.tag == "service_requests" and root[0].tag == "request"
    assert root.findtext("request/description") == "abc" and root.findtext("request/media_url") == ""
    errors = ET.fromstring(spec.to_xml("errors", Open311Error(403, "坏密钥").body()))
    assert [(e.findtext("code"), e.findtext("description")) for e in errors] == [("403", "坏密钥")]


def test_settings_checks_catch_a_bad_rate_limit_and_unknown_public_sources(settings):
    from jingzhi.open311.checks import open311_settings

    assert open311_settings() == []
    settings.JINGZHI_OPEN311_RATE_LIMIT = -1
    settings.JINGZHI_OPEN311_PUBLIC_SOURCES = ["resident_web", "twitter"]
    assert sorted(p.id for p in open311_settings()) == ["open311.E001", "open311.W001"]
