"""Test builders for the web pages (tests only), shared by the web tests and importable by any test:
the cases world with a pinned clock (`w`, `clock_at`), a resident's report, a case walked to handling, an
uploaded picture, and the 十无 world with an appointed chief (`appointed`)."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse

from jingzhi.cases.testing import IN_SUB1, T0, build_people, build_places, build_taxonomy
from jingzhi.rectification import actions as rectification_actions
from jingzhi.rectification import testing as rect
from jingzhi.rectification.testing import STREET1


@pytest.fixture
def clock_at():
    """Pin the clock at T0; `clock_at(dt)` moves it."""
    from jingzhi.core import clock

    held = []

    def move(moment):
        while held:
            held.pop().__exit__(None, None, None)
        cm = clock.frozen(moment)
        cm.__enter__()
        held.append(cm)
        return moment

    move(T0)
    yield move
    while held:
        held.pop().__exit__(None, None, None)


@pytest.fixture
def w(db, clock_at, settings, tmp_path):
    from types import SimpleNamespace

    from jingzhi.duties import loader
    from jingzhi.duties.actions import do_create_duty_rule

    settings.MEDIA_ROOT = str(tmp_path / "media")
    places = build_places()
    tax = build_taxonomy()
    people = build_people()
    do_create_duty_rule(actor=None, category=tax.cover, scope_kind="everywhere", departments=[people.szsr])
    loader.clear_cache()
    return SimpleNamespace(places=places, t=tax, p=people)


def report(w, **kw):
    from jingzhi.cases.actions import do_open_case
    from jingzhi.cases.testing import as_named_reporter

    kw.setdefault("description", "井盖没了，很危险")
    actor = kw.pop("actor", w.p.resident)
    as_named_reporter(actor, kw)
    return do_open_case(
        actor=actor,
        source=kw.pop("source", "resident_web"),
        lon=IN_SUB1[0],
        lat=IN_SUB1[1],
        **kw,
    )


def to_handling(w, case):
    from jingzhi.cases import actions

    p = w.p
    actions.do_verify_case(actor=p.inspector, case_id=case.pk, note="属实")
    actions.do_file_case(actor=p.shift_lead, case_id=case.pk, filing_condition=w.t.condition.pk)
    actions.do_dispatch_case(actor=p.dispatcher, case_id=case.pk)
    return actions.do_accept_case(actor=p.handler, case_id=case.pk)


def png(name="photo.png"):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def page(client, user, case):
    client.force_login(user)
    return client.get(reverse("web:case_detail", args=[case.number]))


@pytest.fixture
def world(db):
    return rect.make_world()


@pytest.fixture
def at():
    with rect.pinned_clock() as go:
        yield go


@pytest.fixture
def appointed(world, at):
    rectification_actions.do_appoint_chief(
        actor=None, street_code=STREET1, user=world.p.chief, rank="street", title="副主任"
    )
    rectification_actions.do_update_board(
        actor=None, street_code=STREET1, property_company="青槐物业", chief_public_phone="010-6600 1234"
    )
    return world
