"""Navigation offers only what each person can open (issue 11 §1): as every demo login, every header link
and every link of the home page answers 200 — never the 404 a council member used to get from the street
list, never the 403 of a workbench offered to a resident. The demo is built once for the module (its own
small history: every queue has cases, a whistle, months of street checks) once for all roles."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from jingzhi.demo.build import USERS

ROLES = [row[0] for row in USERS]
SKIP = ("/static/", "/api/", "/admin/")  # API docs and the admin site are tested by their own suites


@pytest.fixture
def demo(db, settings, tmp_path):
    from django.core.cache import cache

    from jingzhi.demo.build import build_demo

    settings.VAR_DIR = tmp_path
    settings.MEDIA_ROOT = str(tmp_path / "media")
    cache.clear()
    yield build_demo(case_count=40, street_months=4)
    cache.clear()


def _links(html: str, pattern: str) -> list[str]:
    return sorted({h for h in re.findall(pattern, html) if not h.startswith(SKIP)})


def _client(username):
    from jingzhi.accounts.models import User

    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def test_every_nav_link_and_home_link_opens_for_every_demo_role(demo):
    from jingzhi.accounts.models import User
    from jingzhi.web.navigation import entries_for

    broken = {}
    for username in ROLES:
        client = _client(username)
        home = client.get("/")
        assert home.status_code == 200
        html = home.content.decode()
        nav = re.search(r'<nav class="site-nav".*?</nav>', html, re.S).group(0)
        header = _links(nav, r'href="(/[^"#]*)"')
        entries = [e["url"] for e in entries_for(User.objects.get(username=username))]
        assert header == sorted(u for u in entries if not u.startswith(SKIP)), "the header shows the registry"
        blocks = _links(html.split('<main class="page">', 1)[1], r'href="(/[^"#]*)"')
        assert blocks, f"{username}'s home offers no work"
        for url in dict.fromkeys([*header, *blocks]):
            status = client.get(url.replace("&amp;", "&")).status_code
            if status != 200:
                broken[(username, url)] = status
    assert broken == {}, "links offered that do not open"


def test_a_council_member_is_not_listed_a_street_whose_page_is_not_theirs(demo):
    """Issue 11: the street list showed a council member their street, whose page and patrol page
    answered 404. Now the list holds only streets whose page opens, and every link on it does."""
    street = re.compile(r'href="(/streets/\d+S\w+/)"')
    council = _client("council_member")
    html = council.get("/streets/").content.decode()
    assert street.findall(html) == []
    assert "streets" not in re.findall(r'data-nav="(\w+)"', html)
    steward = _client("steward")
    listed = street.findall(steward.get("/streets/").content.decode())
    assert listed and all(steward.get(u).status_code == 200 for u in listed)
