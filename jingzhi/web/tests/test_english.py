"""The English interface: with the language cookie set to "en" the chrome (navigation, headings, labels,
messages) is English, while the data — place names, people's names — stays as entered. Also guards the
catalogues themselves: every Chinese msgid of the finished apps has an English msgstr, and the compiled
.mo files carry them."""

from __future__ import annotations

import gettext as gettext_module
import re
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import translation

from jingzhi.core.errors import InvalidInput, NotFound
from jingzhi.rectification.testing import STREET1
from jingzhi.web.testing import report, to_handling

HAN = re.compile(r"[\u4e00-\u9fff]")
ROOT = Path(__file__).resolve().parents[2]
# The apps whose strings are finished.
TRANSLATED_APPS = [
    "core",
    "accounts",
    "geo",
    "taxonomy",
    "duties",
    "cases",
    "rectification",
    "councils",
    "spaces",
    "assessment",
    "projects",
    "open311",
    "api",
    "web",
]
# Shown in their own language by design: the language switch offers "简体中文" to those who want it.
# The page-text helpers live in core.testing, so any app's tests may use them (the layers forbid importing web).
from jingzhi.core.testing import NOT_CHROME  # noqa: E402,F401
from jingzhi.core.testing import chinese_chrome as _chinese_chrome  # noqa: E402
from jingzhi.core.testing import visible_text as _visible_text  # noqa: E402,F401


def _chinese_free(text: str, data: list[str]) -> str:
    """`text` with the data values taken out (longest first), leaving only what the interface wrote."""
    for value in sorted(data, key=len, reverse=True):
        text = text.replace(value, " ")
    return text


def _place_names(tree) -> list[str]:
    names = [tree["district"].name]
    for level in ("subdistricts", "communities", "grids", "streets"):
        names += [place.name for place in tree[level]]
    return names


def _stored_text() -> list[str]:
    """Every Chinese value the world's data holds (places, people, departments, categories, cases, streets,
    the Ten Nos standard): what a page may show in Chinese whatever the interface language. Audit rows and
    notifications are left out, so chrome cannot hide behind them."""
    from django.apps import apps
    from django.db import models

    values = set()
    for label in (
        "geo",
        "accounts",
        "taxonomy",
        "duties",
        "cases",
        "rectification",
        "projects",
        "councils",
        "spaces",
        "assessment",
    ):
        for model in apps.get_app_config(label).get_models():
            fields = [
                f.name
                for f in model._meta.concrete_fields
                if isinstance(f, (models.CharField, models.TextField)) and not f.choices
            ]
            for row in model.objects.values_list(*fields) if fields else []:
                for value in row:
                    if isinstance(value, str) and HAN.search(value):  # keywords are stored as one list
                        values.update(
                            [value, value[:59], *re.split(r"[、，,;；\s]+", value)]
                        )  # 59: truncatechars
    return sorted(v for v in values if v)


@pytest.fixture
def english(client):
    client.cookies["django_language"] = "en"
    return client


@pytest.mark.django_db
def test_login_page_is_english_with_the_language_cookie(english):
    response = english.get(reverse("web:login"))
    body = response.content.decode()
    assert response["Content-Language"] == "en"
    assert "Log in to Jingzhi" in body and "Username" in body and "Password" in body
    assert _chinese_chrome(body, []) == []


@pytest.mark.django_db
def test_home_page_of_a_subdistrict_admin_is_english_apart_from_the_data(english, sub_admin, tree):
    english.force_login(sub_admin)
    english.cookies["django_language"] = "en"  # force_login keeps cookies, but say it where it matters
    body = english.get(reverse("web:home")).content.decode()
    for label in (
        "Home",
        "Places",
        "Grid map",
        "Log out",
        "This month",
        "Opened this month",
        "Street checks",
        "Refined urban governance",
        "Subdistrict administrator",
    ):
        assert label in body, label
    assert _chinese_chrome(body, _place_names(tree)) == []


@pytest.mark.django_db
def test_grid_page_shows_english_labels_and_chinese_place_names(english, sub_admin, tree):
    english.force_login(sub_admin)
    grid = tree["grids"][0]
    body = english.get(reverse("web:grid", args=[grid.pk])).content.decode()
    for label in ("Grid code", "Community", "Subdistrict", "Area", "m²", "Neighbouring grids"):
        assert label in body, label
    assert grid.name in body and grid.community.name in body  # data keeps its language
    assert _chinese_chrome(body, _place_names(tree)) == []


@pytest.mark.django_db
def test_place_list_pages_are_english_apart_from_the_data(english, sub_admin, tree):
    english.force_login(sub_admin)
    pages = [
        reverse("web:places"),
        reverse("web:district", args=[tree["district"].pk]),
        reverse("web:subdistrict", args=[tree["subdistricts"][0].pk]),
        reverse("web:community", args=[tree["communities"][0].pk]),
        reverse("web:map"),
    ]
    for url in pages:
        body = english.get(url).content.decode()
        assert _chinese_chrome(body, _place_names(tree)) == [], url


@pytest.mark.django_db
def test_chinese_stays_the_default_on_the_same_pages(client, sub_admin, tree):
    client.force_login(sub_admin)
    body = client.get(reverse("web:grid", args=[tree["grids"][0].pk])).content.decode()
    assert "网格编码" in body and "Grid code" not in body


def test_application_error_messages_follow_the_active_language():
    with translation.override("en"):
        assert NotFound().message == "Not found, or you may not view it"
        assert InvalidInput().message == "Invalid input"
    with translation.override("zh-hans"):
        assert NotFound().message == "未找到该对象，或您无权查看"


def test_a_specific_error_raised_in_english_names_the_value():
    from jingzhi.geo.exceptions import InvalidCoordinates
    from jingzhi.geo.locate import locate

    with translation.override("en"), pytest.raises(InvalidCoordinates) as caught:
        locate(500, 39.9)
    assert caught.value.message == "Longitude 500 is out of range (it should be between -180 and 180)"
    assert not HAN.search(caught.value.message)


@pytest.mark.django_db
def test_api_error_body_follows_the_language_cookie(english, sub_admin):
    english.force_login(sub_admin)
    response = english.get("/api/v1/nothing-here/")
    assert response.status_code == 404
    assert response.json()["message"] == "No such endpoint: /api/v1/nothing-here/"


def _read_po(path: Path) -> list[dict]:
    """Entries of a .po file as {ctx, id, plural, strs, fuzzy}; enough of the format for our own files."""
    entries, entry, key = [], None, None

    def unquote(text: str) -> str:
        return text.strip()[1:-1].encode("raw_unicode_escape").decode("unicode_escape")

    for line in path.read_text(encoding="utf-8").splitlines() + [""]:
        if not line.strip() or line.startswith("#~"):
            if entry:
                entries.append(entry)
            entry, key = None, None
            continue
        if entry is None:
            entry = {"ctx": None, "id": None, "plural": None, "strs": {}, "fuzzy": False}
        if line.startswith("#,"):
            entry["fuzzy"] = entry["fuzzy"] or "fuzzy" in line
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            if key[0] == "strs":
                entry["strs"][key[1]] += unquote(line)
            else:
                entry[key[0]] += unquote(line)
        else:
            word, _, rest = line.partition(" ")
            if word.startswith("msgstr"):
                index = int(word[7:-1]) if "[" in word else 0
                key = ("strs", index)
                entry["strs"][index] = unquote(rest)
            else:
                key = ({"msgctxt": "ctx", "msgid": "id", "msgid_plural": "plural"}[word],)
                entry[key[0]] = unquote(rest)
    return [e for e in entries if e["id"]]  # the header has an empty msgid


@pytest.mark.parametrize("app", TRANSLATED_APPS)
def test_every_string_of_the_app_has_an_english_translation(app):
    po = ROOT / app / "locale" / "en" / "LC_MESSAGES" / "django.po"
    entries = _read_po(po)
    assert entries, po
    missing = [e["id"] for e in entries if e["fuzzy"] or not all(e["strs"].values())]
    assert missing == []
    placeholders = re.compile(r"%\(\w+\)[-+ #0-9.]*[sdrf]")
    for entry in entries:
        for text in entry["strs"].values():
            assert sorted(placeholders.findall(text)) == sorted(placeholders.findall(entry["id"])), (
                entry["id"],
                text,
            )


@pytest.mark.parametrize("app", TRANSLATED_APPS)
def test_the_compiled_catalogue_matches_the_po_file(app):
    directory = ROOT / app / "locale" / "en" / "LC_MESSAGES"
    with open(directory / "django.mo", "rb") as handle:
        compiled = gettext_module.GNUTranslations(handle)
    for entry in _read_po(directory / "django.po"):
        if entry["plural"] or entry["ctx"]:
            continue
        assert compiled.gettext(entry["id"]) == entry["strs"][0], entry["id"]


def test_spreadsheet_words_are_read_in_chinese_whatever_the_interface_language():
    from jingzhi.taxonomy import rules

    with translation.override("en"):
        assert rules.parse_kind("部件") == "component" and rules.parse_kind("Component") == "component"
        assert rules.parse_unit("工作日") == rules.parse_unit("working days") == "working_days"
        assert rules.parse_step("派遣") == rules.parse_step("Dispatch") is not None
        assert rules.parse_shiwu("乱停车") == rules.parse_shiwu("无乱停车") == "illegal_parking"


@pytest.mark.django_db
def test_the_category_workbook_keeps_its_chinese_words_in_english(tmp_path):
    from openpyxl import load_workbook

    from jingzhi.taxonomy.excel import SHEET_HELP, export_categories

    with translation.override("en"):
        data = export_categories()
    (tmp_path / "t.xlsx").write_bytes(data)
    help_rows = [[cell for cell in row] for row in load_workbook(tmp_path / "t.xlsx")[SHEET_HELP].values]
    assert help_rows[0] == ["类型", "部件、事件"]


# ------------------------------------------------------------------------------------ case and street pages
@pytest.mark.django_db
def test_the_case_workbench_is_english_apart_from_the_data(english, w):
    report(w)
    to_handling(w, report(w))
    for user, queue in ((w.p.operator, "verify"), (w.p.dispatcher, "dispatch"), (w.p.handler, "handling")):
        english.force_login(user)
        body = english.get(reverse("web:cases_workbench"), {"queue": queue}).content.decode()
        assert 'data-testid="case-row"' in body or queue == "dispatch", (user, queue)
        # A handler sees only its department's queues; the others see 待核实 among theirs, in English.
        assert ("To verify" in body or user == w.p.handler) and "待核实" not in body
        assert "In handling" in body or user != w.p.handler
        assert _chinese_chrome(body, _stored_text()) == [], (user.username, queue)
        assert (
            "Keyboard shortcuts: " in body
            and "：" not in _visible_text(body).split("Keyboard shortcuts")[1][:40]
        )


@pytest.mark.django_db
def test_a_case_page_is_english_apart_from_the_data(english, w):
    case = to_handling(w, report(w))
    english.force_login(w.p.handler)
    body = english.get(reverse("web:case_detail", args=[case.number])).content.decode()
    assert "In handling" in body and "Category" in body and "Filing condition" in body
    assert "井盖没了，很危险" in body  # the description keeps its language
    assert _chinese_chrome(body, _stored_text()) == []
    english.force_login(w.p.dispatcher)
    body = english.get(reverse("web:case_detail", args=[case.number])).content.decode()
    assert _chinese_chrome(body, _stored_text()) == []


@pytest.mark.django_db
def test_the_street_list_and_a_street_page_are_english_apart_from_the_data(english, appointed):
    from jingzhi.rectification import actions
    from jingzhi.rectification.testing import day

    actions.do_record_inspection(
        actor=appointed.p.assessor,
        street_code=STREET1,
        kind="city_monthly",
        inspected_on=day(2025, 6, 11).date(),
        results=[
            {"item": "illegal_parking", "passed": False, "count": 6},
            {"item": "piled_materials", "passed": False, "count": 1},
        ],
    )
    english.force_login(appointed.p.sub_admin)
    body = english.get("/streets/").content.decode()
    assert "Grade" in body and "Street chief" in body and "槐柏树街" in body
    assert _chinese_chrome(body, _stored_text()) == []
    body = english.get(f"/streets/{STREET1}/").content.decode()
    assert "Current grade" in body and "Not up to standard" in body and "槐柏树街" in body
    assert _chinese_chrome(body, _stored_text()) == []
    english.force_login(appointed.p.chief)
    assert _chinese_chrome(english.get("/streets/mine/").content.decode(), _stored_text()) == []
    english.logout()
    english.cookies["django_language"] = "en"
    board = english.get(f"/streets/{STREET1}/board/")
    assert board.status_code == 200
    assert _chinese_chrome(board.content.decode(), _stored_text()) == []


# ------------------------------------------------------------------------------ a walk through every role
# English words a page in Chinese must not show: the interface words most likely to be left untranslated.
ENGLISH_CHROME = re.compile(
    r"\b(Save|Cancel|Submit|Search|Status|Category|Next|Previous|Log ?out|Log ?in|Home|Back|Delete|Edit"
    r"|Close|Filter|Reset|Loading|Yes|No|Your role|Inbox|Mark all read|Help)\b"
)


def _walk(client, w, case):
    """(role, url, body) for the main pages of each demo role, in the client's language."""
    pages = {
        "resident": ["web:home", "web:case_report", "web:my_reports", "web:inbox", "web:loop_help"],
        "inspector": ["web:home", "web:cases_workbench", "web:inbox"],
        "operator": ["web:home", "web:cases_workbench", "web:inbox", "web:loop_help"],
        "shift_lead": ["web:home", "web:cases_workbench", "web:inbox"],
        "dispatcher": ["web:home", "web:cases_workbench", "web:inbox"],
        "handler": ["web:home", "web:cases_workbench", "web:inbox"],
        "sub_admin": ["web:home", "web:places", "web:map", "web:streets", "web:inbox"],
        "district_admin": ["web:home", "web:cases_workbench", "web:streets", "web:inbox"],
        "street_chief": ["web:home", "web:streets_mine", "web:inbox"],
    }
    for role, names in pages.items():
        user = getattr(w.p, role)
        client.force_login(user)
        for name in names:
            response = client.get(reverse(name))
            assert response.status_code == 200, (role, name)
            yield role, name, response.content.decode()
        if role != "resident" and role != "street_chief":
            response = client.get(reverse("web:case_detail", args=[case.number]))
            if response.status_code == 200:
                yield role, "case", response.content.decode()


@pytest.mark.django_db
def test_every_role_walks_its_main_pages_in_english_without_chinese_chrome(english, w):
    """Notifications are written in Chinese (the language active when the case moved); the reader's inbox
    must still show them in English."""
    case = to_handling(w, report(w))
    data = _stored_text() + [w.p.resident.display_name]
    seen = 0
    for role, page, body in _walk(english, w, case):
        seen += 1
        assert _chinese_chrome(body, data) == [], (role, page)
        text = _visible_text(body)
        # Full-width punctuation belongs to Chinese sentences: an English label ends in ": ", a list has ", ".
        assert "、" not in _chinese_free(text, data), (
            role,
            page,
            re.findall(r"(?s).{30}、.{10}", _chinese_free(text, data)),
        )
        assert not re.search(r"[A-Za-z][：（）]", text), (
            role,
            page,
            re.findall(r"(?s).{30}[A-Za-z][：（）].{10}", text),
        )
    assert seen > 25


@pytest.mark.django_db
def test_every_role_walks_its_main_pages_in_chinese_without_english_chrome(client, w):
    case = to_handling(w, report(w))
    data = {value for value in _stored_text()}
    for role, page, body in _walk(client, w, case):
        text = _visible_text(body)
        for value in sorted(data, key=len, reverse=True):
            text = text.replace(value, " ")
        assert ENGLISH_CHROME.findall(text) == [], (role, page)


@pytest.mark.django_db
def test_the_geolocation_status_words_come_translated_from_the_page(english, w):
    """cases.js is one file for every language: it holds no Chinese and takes its words from data-geo-*."""
    script = (ROOT / "web" / "static" / "web" / "cases.js").read_text(encoding="utf-8")
    assert not HAN.search(script)
    english.force_login(w.p.resident)
    body = english.get(reverse("web:case_report")).content.decode()
    assert 'data-geo-busy="Finding your location…"' in body
    assert 'data-geo-done="Located (to within about {m} m)"' in body
    with translation.override("zh-hans"):
        english.cookies["django_language"] = "zh-hans"
        assert 'data-geo-busy="正在定位…"' in english.get(reverse("web:case_report")).content.decode()


@pytest.mark.django_db
def test_a_notification_is_read_in_the_readers_language_whatever_the_writers(client, w):
    from jingzhi.core.models import Notification

    with translation.override("zh-hans"):
        case = to_handling(w, report(w))
    row = Notification.objects.filter(recipient=w.p.handler, verb="case_dispatched").get()
    assert row.title == f"新派遣案件 {case.number}，请及时响应"  # e-mail/SMS and old readers: as written
    client.force_login(w.p.handler)
    client.cookies["django_language"] = "en"
    assert (
        f"Newly dispatched case {case.number}; please respond promptly"
        in client.get(reverse("web:inbox")).content.decode()
    )
    client.cookies["django_language"] = "zh-hans"
    assert f"新派遣案件 {case.number}，请及时响应" in client.get(reverse("web:inbox")).content.decode()

    client.cookies["django_language"] = "en"  # the API reads the same language as the pages
    english_api = client.get("/api/v1/me/inbox/").json()
    titles = [row["title"] for row in english_api["results"]]
    assert f"Newly dispatched case {case.number}; please respond promptly" in titles


@pytest.mark.django_db
def test_every_notice_of_the_loop_is_written_in_each_language(w):
    """Each inbox row the loop writes carries every interface language's rendering, so none is stuck in the
    writer's language (seen: 督办 and 结案 notices read in Chinese by an English handler)."""
    from django.conf import settings

    from jingzhi.cases import actions
    from jingzhi.core.models import Notification

    with translation.override("zh-hans"):
        case = to_handling(w, report(w))
        actions.do_supervise_case(actor=w.p.sub_admin, case_id=case.pk, note="请加快")
        actions.do_feedback_case(actor=w.p.handler, case_id=case.pk, note="已处理")
        actions.do_check_pass_case(actor=w.p.inspector, case_id=case.pk)
        assert actions.do_close_case(actor=w.p.shift_lead, case_id=case.pk, note="回访满意").state == "closed"
    rows = list(Notification.objects.values_list("verb", "texts"))
    assert {"case_supervised", "case_closed"} <= {verb for verb, _texts in rows}
    languages = {code for code, _name in settings.LANGUAGES}
    assert [verb for verb, texts in rows if set(texts or {}) != languages] == []
