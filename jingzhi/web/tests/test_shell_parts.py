"""The page shell's parts kept in memory (`{% fixedpart %}` in `base.html`, issue 16): every page is byte for
byte what the template without them renders, for people of different roles and languages one after another
(nothing one person's page was built with reaches another's), and the tag refuses what must never be kept."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.template import Context, Engine, TemplateSyntaxError, engines
from django.test import override_settings
from django.urls import reverse, set_script_prefix

from jingzhi.web.testing import report, to_handling

pytestmark = pytest.mark.django_db

BASE = Path(__file__).resolve().parent.parent / "templates" / "web" / "base.html"
TOKEN = re.compile(r'(csrfmiddlewaretoken" value="|X-CSRFToken": ")[A-Za-z0-9]+')


def _plain_base() -> str:
    """`base.html` as it was before the parts: the same text without the tags."""
    text = BASE.read_text(encoding="utf-8")
    assert "{% fixedpart" in text
    text = re.sub(r"\{% (end)?fixedpart[^%]*%\}", "", text)
    return text.replace(" django_htmx jz_shell %}", " django_htmx %}")


def _masked(html: str) -> str:
    return TOKEN.sub(r"\1-", html)


@pytest.fixture
def plain_shell(monkeypatch, client):
    """The same request again with pages extending the plain base instead."""
    engine = engines["django"].engine
    plain = engine.from_string(_plain_base())
    find = engine.find_template

    def find_plain(name, dirs=None, skip=None):
        template, origin = find(name, dirs, skip)
        return (plain if name == "web/base.html" else template), origin

    def again(url):
        monkeypatch.setattr(engine, "find_template", find_plain)
        try:
            response = client.get(url)
        finally:
            monkeypatch.setattr(engine, "find_template", find)
        assert response.status_code == 200
        return response.content.decode()

    return again


def _get(client, user, url, language):
    client.force_login(user)
    client.cookies["django_language"] = language
    response = client.get(url)
    assert response.status_code == 200
    return response


def test_pages_are_what_the_plain_template_renders_for_each_person_and_language(client, w, plain_shell):
    case = to_handling(w, report(w))
    rounds = [
        (w.p.resident, reverse("web:my_reports"), "zh-hans"),
        (w.p.handler, reverse("web:case_detail", args=[case.number]), "zh-hans"),
        (w.p.resident, reverse("web:my_reports"), "en"),
        (w.p.operator, reverse("web:cases_workbench"), "en"),
        (w.p.handler, reverse("web:home"), "zh-hans"),
        (w.p.resident, reverse("web:home"), "zh-hans"),
        (w.p.operator, reverse("web:cases_workbench"), "zh-hans"),
        (w.p.handler, reverse("web:case_detail", args=[case.number]), "en"),
    ]
    seen = set()
    for _round in range(2):  # the second round is served from the kept parts
        for user, url, language in rounds:
            response = _get(client, user, url, language)
            body = response.content.decode()
            assert _masked(body) == _masked(plain_shell(url))
            seen.add(re.search(r'<nav class="site-nav".*?</nav>', body, re.S).group())
    # Different people, different headers: a resident's, a handler's and an operator's navigation.
    assert len(seen) >= 3


def test_two_people_with_different_roles_and_languages_each_see_their_own_header(client, w):
    resident_zh = _get(client, w.p.resident, reverse("web:home"), "zh-hans").content.decode()
    operator_en = _get(client, w.p.operator, reverse("web:home"), "en").content.decode()
    resident_zh_again = _get(client, w.p.resident, reverse("web:home"), "zh-hans").content.decode()
    assert 'data-nav="my_reports"' in resident_zh and 'data-nav="cases_workbench"' not in resident_zh
    assert 'data-nav="cases_workbench"' in operator_en and 'data-nav="my_reports"' not in operator_en
    assert ">我的上报</a>" in resident_zh and '<html lang="zh-CN">' in resident_zh
    assert '<html lang="en">' in operator_en and ">Log out</button>" in operator_en
    assert 'value="en" lang="en" class="link current"' in operator_en
    assert 'value="zh-hans" lang="zh-hans" class="link current"' in resident_zh_again
    assert _masked(resident_zh_again) == _masked(resident_zh)
    who = f'<span class="who" title="{w.p.operator.username}">'
    assert who in operator_en and who not in resident_zh_again


def test_the_active_link_and_the_unread_count_follow_the_page_and_the_person(client, w):
    from jingzhi.core import notifications

    home = _get(client, w.p.resident, reverse("web:home"), "zh-hans").content.decode()
    mine = _get(client, w.p.resident, reverse("web:my_reports"), "zh-hans").content.decode()
    assert 'data-nav="home" class=" active" aria-current="page"' in home
    assert 'data-nav="my_reports" class=" active" aria-current="page"' in mine
    assert 'data-nav="home" class=""' in mine
    before = notifications.unread_count(w.p.resident)
    report(w)  # the resident's own report: a notification may or may not follow; the badge shows the count
    after = notifications.unread_count(w.p.resident)
    body = _get(client, w.p.resident, reverse("web:home"), "zh-hans").content.decode()
    if after:
        assert f'aria-label="{after} 条未读">{after if after <= 99 else "99+"}</span>' in body
    else:
        assert "inbox-count" not in body
    assert before <= after


def test_a_changed_setting_forgets_the_parts(client, w):
    first = _get(client, w.p.resident, reverse("web:home"), "zh-hans").content.decode()
    assert '<link rel="stylesheet" href="/static/web/app.css">' in first
    with override_settings(STATIC_URL="/elsewhere/"):
        moved = _get(client, w.p.resident, reverse("web:home"), "zh-hans").content.decode()
    assert '<link rel="stylesheet" href="/elsewhere/web/app.css">' in moved
    again = _get(client, w.p.resident, reverse("web:home"), "zh-hans").content.decode()
    assert '<link rel="stylesheet" href="/static/web/app.css">' in again


def test_the_script_prefix_is_part_of_the_key(client, w):
    client.force_login(w.p.resident)
    plain = client.get(reverse("web:home")).content.decode()
    set_script_prefix("/jz/")  # what a WSGI server mounting the site under /jz does for each request
    try:
        mounted = client.get("/").content.decode()
    finally:
        set_script_prefix("/")
    again = client.get(reverse("web:home")).content.decode()
    assert '<a class="brand" href="/">' in plain and 'href="/jz/my/reports/"' not in plain
    assert '<a class="brand" href="/jz/">' in mounted and 'href="/jz/my/reports/"' in mounted
    assert _masked(again) == _masked(plain)


@pytest.mark.parametrize(
    "inside",
    ["{% csrf_token %}", "{% block b %}x{% endblock %}"],
)
def test_a_part_refuses_a_token_or_a_block(inside):
    engine = Engine(libraries={"jz_shell": "jingzhi.web.templatetags.jz_shell"})
    with pytest.raises(TemplateSyntaxError):
        engine.from_string("{% load jz_shell %}{% fixedpart %}" + inside + "{% endfixedpart %}")


def test_a_part_keys_on_its_values_and_keeps_what_it_assigns_to_itself():
    engine = Engine(
        libraries={"jz_shell": "jingzhi.web.templatetags.jz_shell", "i18n": "django.templatetags.i18n"}
    )
    template = engine.from_string(
        "{% load jz_shell i18n %}{% fixedpart a %}{{ a }}{{ b }}{% get_current_language as lc %}{% endfixedpart %}[{{ lc }}]"
    )
    assert template.render(Context({"a": 1, "b": "x"})) == "1x[]"
    assert template.render(Context({"a": 2, "b": "y"})) == "2y[]"
    # `b` is not listed: the part keyed on a=1 is served as first rendered — what the contract says.
    assert template.render(Context({"a": 1, "b": "z"})) == "1x[]"
    with pytest.raises(TypeError):
        template.render(Context({"a": {1}}))
