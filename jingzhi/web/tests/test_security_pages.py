"""Security of the web shell as a page sees it: the Content-Security-Policy on every response (strict, no
external host, the tile server and the API docs as the only computed exceptions), no inline script, handler
or style attribute in any template or rendered page, and the error pages (400/403/404/500, CSRF) in the
site's layout and the reader's language — while /api/ and /open311/ keep their own error shapes."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.test import Client, RequestFactory

from jingzhi.web import errors

pytestmark = pytest.mark.django_db
JINGZHI = Path(__file__).resolve().parents[2]
HAN = re.compile(r"[\u4e00-\u9fff]")


def policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    out = {}
    for part in header.split(";"):
        name, *sources = part.split()
        out[name] = sources
    return out


# ------------------------------------------------------------------------------------------------ the policy
def test_every_page_gets_the_strict_policy(client):
    p = policy(client.get("/login/"))
    assert p["default-src"] == ["'self'"]
    assert p["script-src"] == ["'self'"]
    assert p["style-src"] == ["'self'"]
    assert p["img-src"] == ["'self'"]
    assert p["object-src"] == ["'none'"]
    assert p["base-uri"] == ["'self'"]
    assert p["frame-ancestors"] == ["'none'"]
    assert p["form-action"] == ["'self'"]
    assert "upgrade-insecure-requests" not in p  # only with JINGZHI_HTTPS


@pytest.mark.parametrize("path", ["/no/such/page/", "/api/v1/me/", "/open311/v2/discovery.json"])
def test_error_pages_and_machine_answers_carry_it_too(client, path):
    assert policy(client.get(path))["script-src"] == ["'self'"]


def test_no_external_host_without_a_tile_server(client, settings):
    settings.JINGZHI_MAP_TILES = "none"
    sources = {s for values in policy(client.get("/login/")).values() for s in values}
    assert sources <= {"'self'", "'none'"}


def test_the_configured_tile_server_is_allowed_for_images_only(client, settings):
    settings.JINGZHI_MAP_TILES = "osm"
    settings.JINGZHI_MAP_TILE_URL = ""
    p = policy(client.get("/login/"))
    assert p["img-src"] == ["'self'", "https://tile.openstreetmap.org"]
    assert p["script-src"] == ["'self'"] and p["connect-src"] == ["'self'"]


def test_tianditu_subdomains_become_one_wildcard(client, settings):
    settings.JINGZHI_MAP_TILES = "tianditu"
    settings.JINGZHI_TIANDITU_KEY = "k"
    settings.JINGZHI_MAP_TILE_URL = ""
    assert policy(client.get("/login/"))["img-src"] == ["'self'", "https://*.tianditu.gov.cn"]


def test_a_tile_server_on_this_site_adds_nothing(client, settings):
    settings.JINGZHI_MAP_TILES = "osm"
    settings.JINGZHI_MAP_TILE_URL = "/tiles/{z}/{x}/{y}.png"
    assert policy(client.get("/login/"))["img-src"] == ["'self'"]


@pytest.mark.parametrize("path", ["/api/docs/", "/api/redoc/"])
def test_only_the_api_viewers_get_inline_script(client, path):
    p = policy(client.get(path))
    assert "'unsafe-inline'" in p["script-src"]
    assert {s for values in p.values() for s in values} <= {
        "'self'",
        "'none'",
        "'unsafe-inline'",
        "data:",
        "blob:",
    }
    assert "'unsafe-inline'" not in policy(client.get("/api/schema/"))["script-src"]


def test_the_kept_policy_headers_are_the_ones_built_afresh(client, settings):
    """Issue 16: the headers are built once per kind of path and copied after that (`csp.PolicyMiddleware`);
    each response carries exactly what building them afresh gives, the viewers theirs and the rest the strict
    one, and a changed setting is seen at once."""
    from jingzhi.web import csp

    paths = ["/login/", "/api/docs/", "/no/such/page/", "/api/v1/me/", "/login/", "/api/redoc/", "/api/docs/"]
    names = ("Content-Security-Policy", "Content-Security-Policy-Report-Only")

    def headers(path):
        response = client.get(path)
        return tuple(response.get(name) for name in names)

    kept = [headers(path) for path in paths]
    fresh = []
    for path in paths:
        csp._headers.clear()
        fresh.append(headers(path))
    assert kept == fresh
    assert "'unsafe-inline'" in kept[1][0] and "'unsafe-inline'" not in kept[0][0] and kept[0] == kept[4]
    settings.JINGZHI_MAP_TILES = "osm"
    settings.JINGZHI_MAP_TILE_URL = ""
    assert "https://tile.openstreetmap.org" in policy(client.get("/login/"))["img-src"]


def test_https_switch_adds_upgrade_insecure_requests(client, settings):
    settings.CONTENT_SECURITY_POLICY = {
        "DIRECTIVES": {**settings.CONTENT_SECURITY_POLICY["DIRECTIVES"], "upgrade-insecure-requests": True}
    }
    assert "upgrade-insecure-requests" in policy(client.get("/login/"))


# ------------------------------------------------------------------------------------------------ HTTPS at work
@pytest.fixture
def https_on(settings):
    """What JINGZHI_HTTPS=1 with JINGZHI_PROXY_SSL_HEADER=X-Forwarded-Proto sets (config.profile.https_config)."""
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = settings.LANGUAGE_COOKIE_SECURE = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")


def test_plain_http_is_redirected_to_https(client, https_on):
    response = client.get("/login/")
    assert response.status_code == 301 and response["Location"] == "https://testserver/login/"


def test_behind_the_proxy_https_is_served_with_hsts_and_secure_cookies(client, https_on):
    response = client.get("/login/", HTTP_X_FORWARDED_PROTO="https")
    assert response.status_code == 200
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert response.cookies["csrftoken"]["secure"] is True
    switched = client.post("/i18n/setlang/", {"language": "en"}, HTTP_X_FORWARDED_PROTO="https")
    assert switched.cookies["django_language"]["secure"] is True


def test_a_client_cannot_claim_https_through_another_header(client, https_on):
    assert client.get("/login/", HTTP_X_FORWARDED_SSL="on").status_code == 301


# ------------------------------------------------------------------------------------------------ no inline code
INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.I)
HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.I)
STYLE_ATTR = re.compile(r"<[^>]*\sstyle\s*=", re.I)
STYLE_ELEMENT = re.compile(r"<style\b", re.I)
# The API's ReDoc page is a third-party viewer with its own, documented, looser policy (jingzhi.web.csp).
TEMPLATE_EXCEPTIONS = {"api/templates/api/redoc.html"}


def _template_files():
    for path in sorted(JINGZHI.glob("*/templates/**/*.html")):
        rel = path.relative_to(JINGZHI).as_posix()
        if rel not in TEMPLATE_EXCEPTIONS:
            yield rel, path.read_text(encoding="utf-8")


TEMPLATES = list(_template_files())


@pytest.mark.parametrize("rel,text", TEMPLATES, ids=[rel for rel, _text in TEMPLATES])
def test_no_template_carries_inline_script_handler_or_style(rel, text):
    for pattern in (INLINE_SCRIPT, HANDLER, STYLE_ATTR, STYLE_ELEMENT):
        assert not pattern.search(text), f"{rel}: {pattern.search(text).group(0)[:120]}"


class _Inline(HTMLParser):
    """What a rendered page would ask the CSP to allow: inline scripts, handlers, style attributes/elements."""

    def __init__(self):
        super().__init__()
        self.problems = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        names = dict(attrs)
        if tag == "script" and not names.get("src") and names.get("type") != "application/json":
            self.problems.append("inline <script>")
        if tag == "style":
            self.problems.append("<style> element")
        for name, _value in attrs:
            if name.startswith("on") or name == "style":
                self.problems.append(f"<{tag} {name}=>")


def inline_code(html: str) -> list[str]:
    parser = _Inline()
    parser.feed(html)
    return parser.problems


def test_the_scanner_sees_what_the_csp_would_refuse():
    html = '<div style="x"></div><button onclick="f()"></button><script>1</script><style>a{}</style>'
    assert len(inline_code(html)) == 4
    assert inline_code('<script src="/a.js"></script><script type="application/json">{}</script>') == []


@pytest.fixture
def admin_client(client, district_admin):
    client.force_login(district_admin)
    return client


def test_rendered_pages_need_no_inline_code(admin_client, tree):
    pages = [
        "/",
        "/places/",
        f"/places/district/{tree['district'].pk}/",
        f"/places/subdistrict/{tree['subdistricts'][0].pk}/",  # with its chart
        f"/places/community/{tree['communities'][0].pk}/",
        f"/places/grid/{tree['grids'][0].pk}/",
        "/map/",
        "/help/loop/",
        "/inbox/",
    ]
    for path in pages:
        response = admin_client.get(path)
        assert response.status_code == 200, path
        assert inline_code(response.content.decode()) == [], path


def test_the_chart_is_data_started_by_a_static_script(admin_client, tree):
    html = admin_client.get(f"/places/subdistrict/{tree['subdistricts'][0].pk}/").content.decode()
    assert 'data-chart="communities-chart"' in html
    assert '<script id="communities-chart" type="application/json">{"type": "BarChart"' in html
    assert "web/charts.js" in html


# ------------------------------------------------------------------------------------------------ error pages
def test_404_shows_the_reason_in_the_sites_layout_in_chinese(admin_client):
    response = admin_client.get("/cases/JZ0000000000/")
    html = response.content.decode()
    assert response.status_code == 404
    assert 'class="site-header"' in html and "页面不存在" in html
    assert "案件不存在，或您无权查看（JZ0000000000）" in html
    assert 'name="viewport"' in html


def test_404_in_english_with_the_language_cookie(admin_client):
    admin_client.cookies["django_language"] = "en"
    response = admin_client.get("/cases/JZ0000000000/")
    html = response.content.decode()
    assert response.status_code == 404 and '<html lang="en">' in html
    assert "Page not found" in html and "JZ0000000000" in html
    body = html[html.index('data-testid="error-page"') :]
    body = body[: body.index("</section>")]
    assert not HAN.search(body), body


def test_accept_language_alone_keeps_the_404_chinese(admin_client):
    html = admin_client.get("/cases/JZ0000000000/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert "页面不存在" in html and "Page not found" not in html


def test_an_unknown_address_gets_the_plain_sentence_not_the_resolver_dump(client):
    response = client.get("/no/such/page/")
    html = response.content.decode()
    assert response.status_code == 404
    assert "您要找的页面不存在，或者您无权查看。" in html
    assert "tried" not in html and "no/such" not in html.split('data-testid="error-reason"')[1][:200]


def test_403_shows_why_in_both_languages(client, tree):
    from jingzhi.web.tests.conftest import _user

    client.force_login(_user("nobody"))
    response = client.get("/cases/")
    html = response.content.decode()
    assert response.status_code == 403
    assert "无权访问" in html and "工作台仅供工作人员使用" in html and 'class="site-header"' in html
    client.cookies["django_language"] = "en"
    html = client.get("/cases/").content.decode()
    assert "Access denied" in html
    reason = html.split('data-testid="error-reason">')[1].split("</p>")[0]
    assert reason and not HAN.search(reason), reason


def test_djangos_own_messages_are_not_shown():
    from jingzhi.accounts.models import User

    with pytest.raises(Http404) as caught:
        get_object_or_404(User, pk=-1)
    assert errors.reason_of(caught.value) == ""
    assert errors.reason_of(Http404({"path": "x", "tried": []})) == ""


def test_a_message_raised_by_our_code_is_shown():
    try:
        raise Http404("某个原因")
    except Http404 as exc:
        assert errors.reason_of(exc) == "某个原因"


def test_400_for_a_bad_host_hides_djangos_explanation(client):
    response = client.get("/login/", HTTP_HOST="evil.example")
    html = response.content.decode()
    assert response.status_code == 400
    assert "请求有误" in html and 'class="site-header"' in html
    assert "HTTP_HOST" not in html and "evil.example" not in html


def test_a_form_without_its_csrf_token_explains_in_the_layout(tree):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/login/", {"username": "x", "password": "y"})
    html = response.content.decode()
    assert response.status_code == 403
    assert "页面已过期" in html and "请刷新页面后重新填写提交。" in html and 'class="site-header"' in html


@pytest.mark.urls("jingzhi.config.tests.boom_urls")
def test_500_is_the_layout_without_the_internals(client):
    client.raise_request_exception = False
    response = client.get("/boom/")
    html = response.content.decode()
    assert response.status_code == 500
    assert "服务器出错了" in html and 'class="site-header"' in html
    assert "secret internals" not in html


@pytest.mark.urls("jingzhi.config.tests.boom_urls")
def test_500_under_the_api_is_not_an_html_layout(client):
    client.raise_request_exception = False
    response = client.get("/api/boom/")
    assert response.status_code == 500
    assert 'class="site-header"' not in response.content.decode()


def test_open311_and_api_paths_keep_their_own_error_shapes(client):
    outside = client.get("/open311/nothing-here")
    assert outside.status_code == 404 and 'class="site-header"' not in outside.content.decode()
    spec = client.get("/open311/v2/nothing-here")
    assert spec.status_code == 404 and spec["Content-Type"].startswith("text/xml")
    api = client.get("/api/nothing-here/")
    assert api.status_code == 404 and api["Content-Type"] == "application/json"


@pytest.mark.parametrize(
    "handler,status",
    [
        (errors.page_not_found, 404),
        (errors.permission_denied, 403),
        (errors.bad_request, 400),
    ],
)
@pytest.mark.parametrize("prefix", ["/api/v1/x/", "/open311/v2/x"])
def test_handlers_hand_machine_paths_to_djangos_default(handler, status, prefix):
    request = RequestFactory().get(prefix)
    response = handler(request, Http404("原因"))
    assert response.status_code == status
    assert 'class="site-header"' not in response.content.decode()
    assert "原因" not in response.content.decode()
