"""The site's own error pages: 400, 403, 404, 500 and the CSRF failure, in the site's layout and the reader's
language, installed as handler400/403/404/500 in the root URLconf.

A page shows the reason our code wrote when it refused — `raise Http404(exc.message)` after an access
helper said "案件不存在，或您无权查看", `PermissionDenied(_("工作台仅供工作人员使用…"))` — and nothing
else: a message is shown only when a `jingzhi` module raised the exception with it (so Django's own
developer texts, such as get_object_or_404's "No Case matches the given query." or a DisallowedHost
explanation, never reach the reader), and otherwise a plain sentence for the status stands in.

Machine interfaces keep their own error shapes: under /api/ and /open311/ every handler hands over to
Django's default (those apps answer their errors in JSON or XML before a handler is ever reached; what
still falls through keeps today's behaviour), so no HTML layout is ever sent to an API client.
"""

from __future__ import annotations

import logging

from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.views import csrf, defaults

logger = logging.getLogger(__name__)

MACHINE_PREFIXES = ("/api/", "/open311/")
TEMPLATE = "web/error.html"


def is_machine_path(request) -> bool:
    return request.path_info.startswith(MACHINE_PREFIXES)


def _raised_by_us(exception: BaseException) -> bool:
    """True when the innermost frame of the exception's traceback is in a jingzhi module."""
    tb = exception.__traceback__
    if tb is None:
        return False
    while tb.tb_next is not None:
        tb = tb.tb_next
    module = tb.tb_frame.f_globals.get("__name__", "")
    return module == "jingzhi" or module.startswith("jingzhi.")


def reason_of(exception: BaseException | None) -> str:
    """The user-facing message our code passed to Http404 / PermissionDenied / BadRequest, or ""."""
    if exception is None or not exception.args:
        return ""
    message = exception.args[0]
    if not isinstance(message, str | Promise) or not _raised_by_us(exception):
        return ""
    return str(message).strip()


def _page(request, status: int, title: str, reason: str, hint: str = "") -> HttpResponse:
    context = {"status": status, "title": title, "reason": reason, "hint": hint}
    return HttpResponse(render_to_string(TEMPLATE, context, request), status=status)


def page_not_found(request, exception=None):
    if is_machine_path(request):
        return defaults.page_not_found(request, exception)
    return _page(
        request,
        404,
        _("页面不存在"),
        reason_of(exception) or _("您要找的页面不存在，或者您无权查看。"),
        _("请检查网址，或从首页重新进入。"),
    )


def permission_denied(request, exception=None):
    if is_machine_path(request):
        return defaults.permission_denied(request, exception)
    return _page(
        request,
        403,
        _("无权访问"),
        reason_of(exception) or _("您没有访问此页面的权限。"),
        _("如果您认为应当有权访问，请联系本单位的系统管理员。"),
    )


def bad_request(request, exception=None):
    if is_machine_path(request):
        return defaults.bad_request(request, exception)
    try:
        return _page(
            request,
            400,
            _("请求有误"),
            reason_of(exception) or _("提交的内容无法处理。"),
            _("请返回上一页检查后重试。"),
        )
    except Exception:  # noqa: BLE001 - a request bad enough to get here may break the layout too
        logger.exception("the 400 page could not be rendered")
        return defaults.bad_request(request, exception)


def csrf_failure(request, reason=""):
    """A form posted without a valid CSRF token: most often a page left open past the session's end."""
    if is_machine_path(request):
        return csrf.csrf_failure(request, reason)
    return _page(
        request,
        403,
        _("页面已过期"),
        _("这个表单已失效（页面打开太久，或已在别处退出登录），为安全起见未予提交。"),
        _("请刷新页面后重新填写提交。"),
    )


def server_error(request):
    """The layout if it can still be drawn; Django's plain page if drawing it fails too (the database that
    broke the request may be what the header needs)."""
    if is_machine_path(request):
        return defaults.server_error(request)
    try:
        return _page(
            request,
            500,
            _("服务器出错了"),
            _("处理您的请求时发生了内部错误，错误已记录。"),
            _("请稍后再试；如果问题持续，请联系系统管理员。"),
        )
    except Exception:  # noqa: BLE001 - an error page must answer whatever broke
        logger.exception("the 500 page could not be rendered")
        return defaults.server_error(request)
