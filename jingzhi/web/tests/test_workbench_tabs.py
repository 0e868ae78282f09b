"""The workbench's tabs: a department user gets its department queues (each count the length of the queue
behind it) and not the centre's; a queue outside them still opens by name, with its tab; staff with a
place role keep every tab."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from jingzhi.cases import queries
from jingzhi.web.testing import report, to_handling

pytestmark = pytest.mark.django_db

TAB = re.compile(r'data-testid="tab-(\w+)"[^>]*>[^<]*<span class="count">([^<]*)</span>')


def _tabs(client, user, **params) -> dict[str, str]:
    client.force_login(user)
    response = client.get(reverse("web:cases_workbench"), params)
    assert response.status_code == 200
    return dict(TAB.findall(response.content.decode()))


def test_a_handler_gets_the_department_tabs_counted_exactly(client, w):
    for _ in range(2):
        to_handling(w, report(w))
    report(w)  # waiting to be verified: not the department's work
    tabs = _tabs(client, w.p.handler, queue="handling")
    assert list(tabs) == ["response", "handling", "check", "supervision", "parked", "closed"]
    for name, count in tabs.items():
        if name != "closed":  # counted only when it is the tab being looked at
            assert count == str(queries.queue_for(w.p.handler, name).count()), name
    assert tabs["handling"] == "2" and tabs["closed"] == ""
    assert _tabs(client, w.p.handler, queue="closed")["closed"] == "0"


def test_a_queue_outside_the_department_tabs_opens_by_name_with_its_tab(client, w):
    report(w, actor=w.p.handler)  # the handler's own report: theirs to see, waiting to be verified
    tabs = _tabs(client, w.p.handler, queue="verify")
    assert tabs["verify"] == "1" and "filing" not in tabs and "dispatch" not in tabs


def test_place_staff_keep_every_tab(client, w):
    report(w)
    for user in (w.p.operator, w.p.dispatcher):
        tabs = _tabs(client, user)
        assert list(tabs) == [
            "verify",
            "filing",
            "dispatch",
            "response",
            "handling",
            "check",
            "callback",
            "supervision",
            "parked",
            "closed",
        ], user.username


def test_a_long_queue_is_paged_from_a_capped_count_like_its_tab(client, w, monkeypatch):
    from jingzhi.web.casepages import workbench

    monkeypatch.setattr(workbench, "COUNT_CAP", 3)
    monkeypatch.setattr(workbench, "PAGE_SIZE", 2)
    for _ in range(5):
        report(w)
    client.force_login(w.p.operator)
    body = client.get(reverse("web:cases_workbench"), {"queue": "verify"}).content.decode()
    assert dict(TAB.findall(body))["verify"] == "2+"
    assert "第 1 / 2 页，共 2+ 件" in body  # counted to the cap only: two pages of two reachable
    assert body.count('data-testid="case-row"') == 2 and 'data-testid="queue-capped"' in body
    last = client.get(reverse("web:cases_workbench"), {"queue": "verify", "page": 2}).content.decode()
    assert last.count('data-testid="case-row"') == 1  # the third case; beyond the cap, the filters narrow it

    short = client.get(reverse("web:cases_workbench"), {"queue": "filing"}).content.decode()
    assert 'data-testid="queue-capped"' not in short
