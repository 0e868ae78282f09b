"""Errors a person reads. Every domain failure is an ApplicationError with a Chinese message, a stable
machine code and, where a field or a row is at fault, `fields` naming it. Interfaces turn these into a 4xx
answer (API body `{code, message, fields}`), a form error or a command-line message; never a 500."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _


class ApplicationError(Exception):
    code = "invalid"
    status = 400
    default_message = _("请求无法处理")

    def __init__(
        self,
        message: str | None = None,
        *,
        code: str | None = None,
        fields: dict | None = None,
        details: dict | None = None,
    ):
        self.message = str(message or self.default_message)
        if code:
            self.code = code
        self.fields = fields or {}
        # Machine-readable extras a client may act on (e.g. the actions allowed now); never shown as text.
        self.details = details or {}
        super().__init__(self.message)

    def as_dict(self) -> dict:
        body = {"code": self.code, "message": self.message, "fields": self.fields}
        if self.details:
            body["details"] = self.details
        return body


class InvalidInput(ApplicationError):
    code = "invalid"
    default_message = _("输入有误")


class NotFound(ApplicationError):
    """Also what an actor gets for an object outside their jurisdiction: missing and forbidden look alike."""

    code = "not_found"
    status = 404
    default_message = _("未找到该对象，或您无权查看")


class PermissionDenied(ApplicationError):
    code = "permission_denied"
    status = 403
    default_message = _("您无权执行此操作")


class Conflict(ApplicationError):
    """The object changed under the actor (another person acted first); reload and try again."""

    code = "conflict"
    status = 409
    default_message = _("该记录已被他人修改，请刷新后重试")


class RateLimited(ApplicationError):
    """Too many actions in a short time (`core.ratelimit`); `retry_after` seconds until one is allowed again.
    Interfaces answer 429 with a Retry-After header."""

    code = "rate_limited"
    status = 429
    default_message = _("操作过于频繁，请稍后再试")

    def __init__(self, message: str | None = None, *, retry_after: int = 60, fields: dict | None = None):
        super().__init__(message, fields=fields)
        self.retry_after = max(1, int(retry_after))
