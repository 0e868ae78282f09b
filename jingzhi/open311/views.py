"""The GeoReport v2 endpoints, mounted at /open311/v2/: thin views that parse the request, call the queries
or the action, and render with `spec` in the format named by the path suffix (.xml or .json).

Every failure — a missing field, an unknown service code, a bad or revoked key, a location outside the
jurisdiction, a malformed date, a description over 4,000 characters, an unknown suffix, too many POSTs —
is answered as the spec says: an array of {code, description} (XML `errors/error`) with 400, 403, 404 (and
405 for a wrong method, 429 for the rate limit), never Django's HTML page. Views are plain Django functions,
not DRF, so they stay out of the /api/ schema and keep the spec's exact bodies; POST is csrf-exempt because
clients authenticate with `api_key`, not a session.
"""

from __future__ import annotations

import logging
from functools import wraps
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import SuspiciousOperation, ValidationError
from django.core.validators import URLValidator, validate_email
from django.http import HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from jingzhi.cases.exceptions import OutsideJurisdiction
from jingzhi.core import clock
from jingzhi.core.clientip import client_ip
from jingzhi.core.errors import ApplicationError
from jingzhi.open311 import locations, queries, ratelimit, services, spec
from jingzhi.open311.actions import Submission, do_submit_request, hash_key, touch_client
from jingzhi.open311.models import Open311Client
from jingzhi.open311.spec import Open311Error

logger = logging.getLogger("jingzhi.open311")

# When the behaviour of these endpoints last changed (discovery's `changeset`).
CHANGESET = "2025-06-01T00:00:00+08:00"
DEFAULT_JURISDICTION = "jingzhi.local"


def tz() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def jurisdiction_ids() -> set[str]:
    """The configured id (JINGZHI_OPEN311_JURISDICTION); without one, `jingzhi.local` and the codes of the
    districts in the active boundary generation."""
    configured = str(getattr(settings, "JINGZHI_OPEN311_JURISDICTION", "") or "").strip()
    if configured:
        return {configured}
    from jingzhi.geo.models import District

    return {
        DEFAULT_JURISDICTION,
        *District.objects.filter(generation__is_active=True).values_list("code", flat=True),
    }


def primary_jurisdiction() -> str:
    configured = str(getattr(settings, "JINGZHI_OPEN311_JURISDICTION", "") or "").strip()
    return configured or DEFAULT_JURISDICTION


# ---------------------------------------------------------------------------------------------- plumbing
def _respond(fmt: str, root: str, value, status: int = 200, headers: dict | None = None) -> HttpResponse:
    response = HttpResponse(spec.render(fmt, root, value), status=status, content_type=spec.FORMATS[fmt])
    for key, val in (headers or {}).items():
        response[key] = val
    response["Access-Control-Allow-Origin"] = "*"
    return response


def _error(fmt: str, exc: Open311Error, headers: dict | None = None) -> HttpResponse:
    return _respond(fmt if fmt in spec.FORMATS else "xml", "errors", exc.body(), exc.status, headers)


def _from_application_error(exc: ApplicationError) -> Open311Error:
    if isinstance(exc, OutsideJurisdiction):
        return Open311Error(400, _("位置不在本辖区内：%(why)s") % {"why": exc.message})
    status = exc.status if exc.status in (400, 403, 404, 429) else 400
    error = Open311Error(status, exc.message)
    if status == 429:
        error.retry_after = exc.retry_after
    return error


def endpoint(*methods: str):
    """Format from the suffix, method check, jurisdiction check, and every error as a spec error body."""
    allowed = set(methods) | ({"HEAD"} if "GET" in methods else set())

    def decorate(fn):
        @csrf_exempt
        @wraps(fn)
        def view(request, fmt: str, **kwargs):
            fmt = (fmt or "").lower()
            headers = {}
            try:
                if fmt not in spec.FORMATS:
                    raise Open311Error(
                        400, _("不支持的格式“%(fmt)s”：请在路径末尾使用 .xml 或 .json") % {"fmt": fmt}
                    )
                if request.method not in allowed:
                    headers["Allow"] = ", ".join(sorted(allowed))
                    raise Open311Error(
                        405,
                        _("该地址不支持 %(method)s 方法，可用：%(allowed)s")
                        % {"method": request.method, "allowed": headers["Allow"]},
                    )
                params = request.POST if request.method == "POST" else request.GET
                jurisdiction = (params.get("jurisdiction_id") or "").strip()
                if jurisdiction and jurisdiction not in jurisdiction_ids():
                    raise Open311Error(
                        400,
                        _("jurisdiction_id“%(id)s”不是本服务器的辖区，应为 %(ok)s")
                        % {"id": jurisdiction, "ok": primary_jurisdiction()},
                    )
                kwargs = {name: spec.clean_text(value) for name, value in kwargs.items()}
                return fn(request, fmt, **kwargs)
            except Open311Error as exc:
                if exc.status == 429:
                    headers["Retry-After"] = str(getattr(exc, "retry_after", 60))
                return _error(fmt, exc, headers)
            except ApplicationError as exc:
                error = _from_application_error(exc)
                if error.status == 429:
                    headers["Retry-After"] = str(error.retry_after)
                return _error(fmt, error, headers)
            except SuspiciousOperation as exc:  # e.g. a body over DATA_UPLOAD_MAX_MEMORY_SIZE
                return _error(fmt, Open311Error(400, _("请求无效：%(why)s") % {"why": type(exc).__name__}))
            except Exception:
                # Never Django's HTML 500 under /open311/: the spec's error body, the traceback in the log.
                logger.exception("unhandled error in Open311 view %s", fn.__name__)
                return _error(fmt, Open311Error(500, _("服务器内部错误，已记录，请稍后重试")))

        return view

    return decorate


def _flag(params, name: str) -> bool:
    raw = (params.get(name) or "").strip().lower()
    if raw in ("", "false", "0", "no"):
        return False
    if raw in ("true", "1", "yes"):
        return True
    raise Open311Error(400, _("%(name)s 只能是 true 或 false") % {"name": name})


def _crs_param(params) -> str:
    return locations.coordinate_system(params.get("coordinate_system"))


# ---------------------------------------------------------------------------------------------- discovery
@endpoint("GET")
def discovery(request, fmt):
    base = request.build_absolute_uri("/open311/v2/")
    body = {
        "changeset": CHANGESET,
        "contact": str(
            getattr(settings, "JINGZHI_OPEN311_CONTACT", "") or _("请联系本区城市管理指挥中心或拨打 12345")
        ),
        "key_service": str(
            getattr(settings, "JINGZHI_OPEN311_KEY_SERVICE", "")
            or _("提交服务请求需要 api_key：请向本区城市管理指挥中心申请，由管理员签发")
        ),
        "endpoints": [
            {
                "specification": spec.SPECIFICATION,
                "url": base,
                "changeset": CHANGESET,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    return _respond(fmt, "discovery", body)


# ---------------------------------------------------------------------------------------------- services
@endpoint("GET")
def service_list(request, fmt):
    return _respond(fmt, "services", [services.service_dict(c) for c in services.services()])


@endpoint("GET")
def service_definition(request, fmt, service_code):
    category = services.access_service(service_code)
    return _respond(fmt, "service_definition", services.definition_dict(category))


# ---------------------------------------------------------------------------------------------- requests
def _client(params) -> Open311Client:
    key = (params.get("api_key") or "").strip()
    if not key:
        raise Open311Error(403, _("缺少 api_key：提交服务请求需要客户端密钥"))
    client = Open311Client.objects.filter(key_hash=hash_key(key)).first()
    if client is None:
        raise Open311Error(403, _("api_key 无效"))
    if not client.is_usable:
        raise Open311Error(403, _("api_key 已吊销或停用"))
    return client


def _contact_name(first: str, last: str) -> str:
    first, last = first.strip(), last.strip()
    if first.isascii() and last.isascii():
        return " ".join(p for p in (first, last) if p)
    return f"{last}{first}"  # Chinese order: family name first


class _CleanParams:
    """request.POST with every value stripped of characters XML and PostgreSQL cannot hold."""

    def __init__(self, data):
        self.data = data

    def get(self, name, default=""):
        value = self.data.get(name, default)
        return spec.clean_text(value) if isinstance(value, str) else value

    def lists(self):
        return [(spec.clean_text(k), [spec.clean_text(v) for v in vs]) for k, vs in self.data.lists()]


def _submission(request, category, service_code: str) -> Submission:
    params = _CleanParams(request.POST)
    problems: list[str] = []
    description = (params.get("description") or "").strip()
    if len(description) > spec.DESCRIPTION_MAX:
        problems.append(
            _("description 共 %(n)d 个字符，超过上限 %(max)d")
            % {"n": len(description), "max": spec.DESCRIPTION_MAX}
        )
    media_url = (params.get("media_url") or "").strip()
    if media_url:
        try:
            URLValidator(schemes=["http", "https"])(media_url)
            if len(media_url) > 500:
                raise ValidationError("too long")
        except ValidationError:
            problems.append(_("media_url 不是有效的 http(s) 地址（最长 500 个字符）"))
    email = (params.get("email") or "").strip()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            problems.append(_("email 格式不正确"))
    phone = (params.get("phone") or "").strip()
    if len(phone) > 32:
        problems.append(_("phone 最长 32 个字符"))
    given = spec.collect_attributes(params.lists())
    attributes, attribute_problems = spec.check_attributes(services.definition(category), given, tz())
    problems += attribute_problems
    crs = _crs_param(params)
    try:
        point = locations.resolve(
            lat=params.get("lat", ""),
            long=params.get("long", ""),
            address_string=params.get("address_string", ""),
            address_id=params.get("address_id", ""),
            crs=crs,
        )
    except Open311Error as exc:
        problems += [d for _c, d in exc.errors]
        point = None
    if problems:
        raise Open311Error(400, *problems)
    address = (params.get("address_string") or "").strip() or point.place_name
    return Submission(
        category=category,
        service_code=service_code,
        description=description
        or _("%(name)s（通过 Open311 上报，未附描述）") % {"name": category.path_name},
        lon=point.lon,
        lat=point.lat,
        crs=point.crs,
        address=address[:200],
        address_id=point.address_id,
        attributes=attributes,
        media_url=media_url,
        reporter_name=_contact_name(params.get("first_name", ""), params.get("last_name", ""))[:64],
        reporter_phone=phone,
        email=email,
        device_id=(params.get("device_id") or "").strip(),
        account_id=(params.get("account_id") or "").strip(),
        media=request.FILES.getlist("media"),
        client_ip=client_ip(request) or "",
    )


def _post_request(request, fmt):
    params = _CleanParams(request.POST)
    client = _client(params)
    verdict = ratelimit.hit(client.pk, client.rate_limit_per_minute)
    if not verdict.allowed:
        exc = Open311Error(
            429,
            _("提交过于频繁：每分钟最多 %(n)d 次，请 %(s)d 秒后重试")
            % {"n": verdict.limit, "s": verdict.retry_after},
        )
        exc.retry_after = verdict.retry_after
        raise exc
    touch_client(client)
    service_code = (params.get("service_code") or "").strip()
    if not service_code:
        raise Open311Error(400, _("缺少必填字段 service_code"))
    try:
        category = services.access_service(service_code)
    except Open311Error as exc:
        raise Open311Error(400, *[d for _c, d in exc.errors]) from None
    submission = _submission(request, category, service_code)
    filed = do_submit_request(client=client, submission=submission)
    case = filed.case
    notice = queries.service_notice(case, tz()) or None
    # Every service is realtime (the case exists once this answer is sent): the spec says the answer then
    # carries service_request_id and must not carry a token as well.
    body = [
        {
            "service_request_id": case.number,
            "service_notice": notice,
            "account_id": filed.account_id or None,
        }
    ]
    return _respond(fmt, "service_requests", body)


def _filters(params) -> queries.Filters:
    problems = []

    def attempt(fn, *args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except Open311Error as exc:
            problems.extend(d for _c, d in exc.errors)
            return None

    ids = spec.split_list(params.get("service_request_id", ""))
    codes = spec.split_list(params.get("service_code", ""))
    category_ids = attempt(services.categories_for_codes, codes) if codes else None
    start = (
        attempt(spec.parse_w3c, "start_date", params.get("start_date"), tz())
        if params.get("start_date")
        else None
    )
    end = (
        attempt(spec.parse_w3c, "end_date", params.get("end_date"), tz(), end_of_day=True)
        if params.get("end_date")
        else None
    )
    statuses = attempt(spec.parse_statuses, params.get("status", "")) or set()
    bbox = attempt(spec.parse_bbox, params.get("bbox")) if params.get("bbox") else None
    page = attempt(spec.parse_positive_int, "page", params.get("page"), default=1, maximum=1_000_000)
    page_size = attempt(
        spec.parse_positive_int,
        "page_size",
        params.get("page_size"),
        default=spec.MAX_REQUESTS,
        maximum=spec.MAX_REQUESTS,
    )
    window = None
    if not problems:
        window = attempt(spec.date_window, start, end, clock.now())
    if problems:
        raise Open311Error(400, *problems)
    crs = _crs_param(params)
    if bbox is not None and crs == "gcj02":
        from jingzhi.geo.coords import gcj02_to_wgs84

        (x0, y0), (x1, y1) = gcj02_to_wgs84(bbox[0], bbox[1]), gcj02_to_wgs84(bbox[2], bbox[3])
        bbox = (float(x0), float(y0), float(x1), float(y1))
    return queries.Filters(
        ids=ids,
        category_ids=category_ids,
        start=window[0],
        end=window[1],
        statuses=statuses,
        bbox=bbox,
        page=page,
        page_size=page_size,
    )


@endpoint("GET", "POST")
def request_list(request, fmt):
    if request.method == "POST":
        return _post_request(request, fmt)
    params = _CleanParams(request.GET)
    extensions = _flag(params, "extensions")
    crs = _crs_param(params)
    cases = queries.search(_filters(params), with_events=extensions)
    return _respond(
        fmt, "service_requests", queries.request_dicts(cases, tz(), extensions=extensions, crs=crs)
    )


@endpoint("GET")
def request_detail(request, fmt, service_request_id):
    params = _CleanParams(request.GET)
    extensions = _flag(params, "extensions")
    crs = _crs_param(params)
    case = queries.access_request(service_request_id, with_events=extensions)
    return _respond(
        fmt, "service_requests", queries.request_dicts([case], tz(), extensions=extensions, crs=crs)
    )


@endpoint("GET")
def request_updates(request, fmt, service_request_id):
    case = queries.access_request(service_request_id, with_events=True)
    return _respond(fmt, "service_request_updates", queries.update_dicts(case, tz()))


@endpoint("GET")
def token(request, fmt, token_id):
    from jingzhi.open311.models import Open311Request

    found = (
        Open311Request.objects.select_related("case")
        .filter(token=(token_id or "").strip(), case__source__in=queries.public_sources())
        .first()
    )
    if found is None:
        raise Open311Error(404, _("令牌“%(token)s”不存在") % {"token": token_id})
    return _respond(
        fmt, "service_requests", [{"service_request_id": found.case.number, "token": found.token}]
    )


# ---------------------------------------------------------------------------------------------- the rest
def openapi(request):
    from jingzhi.open311.openapi import document

    return JsonResponse(
        document(request.build_absolute_uri("/open311/v2/")), json_dumps_params={"ensure_ascii": False}
    )


@csrf_exempt
def not_found(request, path: str = ""):
    """Any other path under /open311/ (also outside /open311/v2/, routed here by the project URLconf): a
    spec 404 in JSON when the path ends in .json or `format=json` is asked, XML otherwise."""
    wants_json = path.lower().endswith(".json") or (request.GET.get("format") or "").lower() == "json"
    fmt = "json" if wants_json else "xml"
    return _error(
        fmt,
        Open311Error(
            404,
            _("Open311 接口中没有“%(path)s”，可用：discovery、services、requests、tokens") % {"path": path},
        ),
    )
