"""OpenAPI pieces shared by every endpoint: the error body component, the token security scheme and the
offline documentation pages.

The documentation is served entirely from our own static files (drf-spectacular-sidecar): Swagger UI with
its online validator switched off, and Redoc from our own template, because drf-spectacular's stock Redoc
template pulls fonts from Google.
"""

from __future__ import annotations

import json

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_serializer
from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerView
from rest_framework import serializers


@extend_schema_serializer(component_name="Error")
class ErrorSerializer(serializers.Serializer):
    code = serializers.CharField(
        help_text=_("稳定的机器可读错误码，如 invalid、not_found、not_authenticated")
    )
    message = serializers.CharField(help_text=_("给人看的中文说明：哪个字段、哪一行、为什么"))
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text=_(
            "出错的字段（嵌套字段以点号连接，如 points.3.lon）及其错误信息：总是“字段名 → 中文说明的列表”，"
            "没有出错字段时为空对象"
        ),
    )
    details = serializers.DictField(
        required=False,
        help_text=_(
            "可选：供程序使用的附加数据，如 allowed_actions（您此刻可办理的动作）、refused_because；"
            "错误码说明见 code"
        ),
    )


ERROR_DESCRIPTIONS = {
    400: _("输入有误：fields 指出每个出错的字段"),
    401: _("未登录，或令牌无效、已吊销"),
    403: _("无权执行此操作"),
    404: _("对象不存在，或不在您的辖区内（两者不作区分）"),
    405: _("不支持该 HTTP 方法"),
    406: _("无法以请求的格式（Accept）作答"),
    409: _("冲突：状态不允许，或已被他人修改、占用"),
    413: _("请求体过大"),
    415: _("不支持的请求体类型（Content-Type）"),
    422: _("请求与先前的同一幂等键的请求不一致"),
    429: _("请求过于频繁：Retry-After 给出须等待的秒数"),
}

# Every endpoint may answer these: it needs a signed-in user (401, 403), and any request may be limited.
ALWAYS = {401, 403, 429}


def error_responses(*statuses: int) -> dict:
    """Responses for the given error statuses, all with the Error body. 401, 403 and 429 are always
    included (see ALWAYS)."""
    wanted = sorted(set(statuses) | ALWAYS)
    return {s: OpenApiResponse(ErrorSerializer, description=ERROR_DESCRIPTIONS[s]) for s in wanted}


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "jingzhi.api.authentication.BearerTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": str(
                _(
                    "个人 API 令牌：`Authorization: Bearer <密钥>`（也接受 `Token <密钥>`）。"
                    "用 `jingzhi create-token 用户名 用途` 创建，密钥只显示一次。"
                )
            ),
        }


class SwaggerView(SpectacularSwaggerView):
    """Swagger UI with the online validator off: the default would send our schema to swagger.io."""

    @extend_schema(exclude=True)
    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        settings = json.loads(response.data["settings"]) if response.data.get("settings") else {}
        settings["validatorUrl"] = None
        response.data["settings"] = json.dumps(settings, indent=2)
        return response


class RedocView(SpectacularRedocView):
    template_name = "api/redoc.html"
