"""A small city for the Open311 tests: the cases tests' world (district 110199, two subdistricts with one grid
each, a street, 部件 0101 上水井盖 with a filing condition, people for every role, the duty rule 上水井盖 →
市政市容委) plus an event category without filing conditions, and a client key. The clock is pinned at the
cases tests' T0 (a working Wednesday) for the whole test, so dates and deadlines are fixed."""

from __future__ import annotations

import io
import json
from types import SimpleNamespace
from xml.etree import ElementTree as ET

import pytest
from django.core.cache import cache
from django.test import Client

from jingzhi.cases.testing import (
    IN_SUB1,
    IN_SUB2,
    OUTSIDE,
    STREET1,
    T0,
    build_people,
    build_places,
    build_taxonomy,
)

BASE = "/open311/v2/"
REPORTER_NAME = ("卫", "淑珍")  # first_name, last_name as a client sends them
REPORTER_PHONE = "13911112222"
REPORTER_EMAIL = "weishuzhen@example.org"

__all__ = ["IN_SUB1", "IN_SUB2", "OUTSIDE", "STREET1", "T0"]


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


def build_world():
    from jingzhi.duties import loader
    from jingzhi.duties.actions import do_create_duty_rule
    from jingzhi.taxonomy import actions as taxonomy

    places = build_places()
    tax = build_taxonomy()
    people = build_people()
    do_create_duty_rule(actor=None, category=tax.cover, scope_kind="everywhere", departments=[people.szsr])
    loader.clear_cache()
    tidy = taxonomy.do_create_category(actor=None, kind="event", code="01", name="市容环境")
    rubbish = taxonomy.do_create_category(
        actor=None, kind="event", code="0101", name="暴露垃圾", parent=tidy, keywords="垃圾、垃圾堆"
    )
    return SimpleNamespace(places=places, t=tax, p=people, tidy=tidy, rubbish=rubbish)


@pytest.fixture
def world(db):
    from jingzhi.core import clock

    with clock.frozen(T0):
        yield build_world()


@pytest.fixture
def key(world):
    from jingzhi.open311.actions import do_create_client

    client, raw = do_create_client(actor=None, name="随手拍 App", rate_limit_per_minute=1000)
    return SimpleNamespace(client=client, raw=raw)


@pytest.fixture
def http():
    return Client()


def form(key_raw: str, **fields) -> dict:
    """A valid POST requests body for 上水井盖 in subdistrict 001, overridden by `fields` (None drops one)."""
    body = {
        "api_key": key_raw,
        "service_code": "component-0101",
        "lat": str(IN_SUB1[1]),
        "long": str(IN_SUB1[0]),
        "description": "井盖丢了，很危险",
    }
    body.update(fields)
    return {k: v for k, v in body.items() if v is not None}


def parse(response, fmt: str):
    """The body as ElementTree root (xml) or Python value (json), after checking the content type."""
    if fmt == "xml":
        assert response["Content-Type"].startswith("text/xml"), response["Content-Type"]
        assert response.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
        return ET.fromstring(response.content)
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    return json.loads(response.content)


def spec_errors(response, fmt: str, status: int) -> list[tuple[int, str]]:
    """Check a spec error body — `errors/error/{code,description}` or `[{code, description}]` — and return it."""
    assert response.status_code == status, (response.status_code, response.content[:500])
    assert b"<html" not in response.content.lower()
    body = parse(response, fmt)
    if fmt == "xml":
        assert body.tag == "errors"
        errors = list(body)
        assert errors and all(e.tag == "error" for e in errors)
        found = []
        for error in errors:
            assert [child.tag for child in error] == ["code", "description"]
            found.append((int(error.findtext("code")), error.findtext("description")))
        return found
    assert isinstance(body, list) and body
    for error in body:
        assert set(error) == {"code", "description"}
        assert isinstance(error["code"], int) and error["description"]
    return [(e["code"], e["description"]) for e in body]


def jpeg_bytes() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 80, 20)).save(buffer, "JPEG")
    return buffer.getvalue()
