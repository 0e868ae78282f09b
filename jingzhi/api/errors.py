"""One error body for the whole API: `{code, message, fields}`.

DRF hands every exception raised in an API view to `exception_handler` (settings EXCEPTION_HANDLER). Domain
errors (`core.errors.ApplicationError`) keep their code, Chinese message, fields and status; DRF's own
exceptions (validation, authentication, permission, 404, 405, 415, 429…) are reshaped; Django's Http404 and
PermissionDenied are mapped; anything unexpected becomes a JSON 500 (logged) rather than an HTML page,
except with DEBUG on, where the developer wants the traceback page.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions as drf
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import set_rollback

from jingzhi.core.errors import ApplicationError, NotFound, PermissionDenied

logger = logging.getLogger("jingzhi.api")

# DRF exception → our stable code. DRF's default_code values are already snake_case; this pins them so
# a DRF upgrade cannot silently change what clients match on.
CODES = {
    drf.ValidationError: "invalid",
    drf.ParseError: "parse_error",
    drf.AuthenticationFailed: "authentication_failed",
    drf.NotAuthenticated: "not_authenticated",
    drf.PermissionDenied: "permission_denied",
    drf.NotFound: "not_found",
    drf.MethodNotAllowed: "method_not_allowed",
    drf.NotAcceptable: "not_acceptable",
    drf.UnsupportedMediaType: "unsupported_media_type",
    drf.Throttled: "throttled",
}


def flatten_errors(detail, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error detail as {"field": [...], "points.3.lon": [...]}; errors not tied to a field go
    under NON_FIELD_ERRORS_KEY ("non_field_errors")."""
    out: dict[str, list[str]] = {}

    def put(key: str, message) -> None:
        out.setdefault(key or api_settings.NON_FIELD_ERRORS_KEY, []).append(str(message))

    if isinstance(detail, dict):
        for key, value in detail.items():
            name = str(key)
            if name == api_settings.NON_FIELD_ERRORS_KEY and prefix:
                name = ""
            child = f"{prefix}.{name}" if prefix and name else (prefix or name)
            for k, v in flatten_errors(value, child).items():
                out.setdefault(k, []).extend(v)
    elif isinstance(detail, list):
        if any(isinstance(item, dict | list) for item in detail):
            for index, item in enumerate(detail):
                if not item:
                    continue  # a list serializer reports {} for each valid item
                if isinstance(item, dict | list):
                    for k, v in flatten_errors(item, f"{prefix}.{index}" if prefix else str(index)).items():
                        out.setdefault(k, []).extend(v)
                else:
                    put(prefix, item)
        else:
            for item in detail:
                put(prefix, item)
    else:
        put(prefix, detail)
    return out


def validation_summary(fields: dict[str, list[str]]) -> str:
    parts = [f"{name}：{msgs[0]}" for name, msgs in list(fields.items())[:3]]
    more = len(fields) - len(parts)
    summary = "；".join(parts)
    if more > 0:
        summary += _("；另有 %(n)d 处") % {"n": more}
    return _("输入有误，请检查：%(summary)s") % {"summary": summary}


def _is_message(value) -> bool:
    """Text written for a person: it has a space or a non-ASCII character ("不能为空", "This field is
    required."). A bare ASCII word ("required", "too_long", "2025") is a machine code or a raw value."""
    return isinstance(value, str) and bool(value.strip()) and (not value.isascii() or " " in value.strip())


def message_fields(fields, message: str) -> dict[str, list[str]]:
    """Any `fields` an error carries, as the API promises them: `{field: [message, ...]}` with messages a
    person reads. Domain errors sometimes name a field with a code (`{"reason": "required"}`) or the raw
    value at fault (`{"lon": 100.0}`); such a field gets the error's own message, which says what is wrong
    in Chinese. Machine-readable data belongs in `details`, never here."""
    if not isinstance(fields, dict):
        return {}
    out: dict[str, list[str]] = {}
    for key, value in fields.items():
        items = value if isinstance(value, list | tuple) else [value]
        texts = [str(item) for item in items if _is_message(str(item)) and not isinstance(item, int | float)]
        out[str(key)] = texts if texts and len(texts) == len(items) else [str(message)]
    return out


def error_body(code: str, message: str, fields: dict | None = None, details: dict | None = None) -> dict:
    body = {"code": code, "message": str(message), "fields": message_fields(fields or {}, message)}
    if details:
        body["details"] = details
    return body


def exception_handler(exc, context):
    headers = {}
    if isinstance(exc, Http404):
        exc = NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = PermissionDenied()

    if isinstance(exc, ApplicationError):
        body = error_body(exc.code, exc.message, exc.fields, getattr(exc, "details", None))
        status = exc.status
        if getattr(exc, "retry_after", None):  # core.errors.RateLimited
            headers["Retry-After"] = str(exc.retry_after)
    elif isinstance(exc, drf.ValidationError):
        fields = flatten_errors(exc.detail)
        body, status = error_body("invalid", validation_summary(fields), fields), exc.status_code
    elif isinstance(exc, drf.APIException):
        code = next((c for klass, c in CODES.items() if isinstance(exc, klass)), None)
        if code is None:
            code = exc.default_code if isinstance(exc.default_code, str) else "error"
        detail = exc.detail
        if isinstance(detail, dict | list):
            fields = flatten_errors(detail)
            message = next(iter(fields.values()))[0] if fields else str(exc.default_detail)
        else:
            fields, message = {}, str(detail)
        body, status = error_body(code, message, fields), exc.status_code
        if getattr(exc, "auth_header", None):
            headers["WWW-Authenticate"] = exc.auth_header
        if getattr(exc, "wait", None):
            headers["Retry-After"] = str(int(exc.wait))
    else:
        if settings.DEBUG:
            return None  # let Django show the traceback page to the developer
        view = context.get("view")
        logger.error("unhandled error in API view %s", type(view).__name__ if view else "?", exc_info=exc)
        body, status = error_body("server_error", _("服务器内部错误，已记录，请稍后重试")), 500

    set_rollback()
    return Response(body, status=status, headers=headers)
