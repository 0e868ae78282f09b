"""A resident's phone app signs in with a text-message code (手机验证码登录) and gets an API token:
`POST /api/v1/auth/phone/code/` sends the code, `POST /api/v1/auth/phone/token/` exchanges number and code
for a token that expires (JINGZHI_PHONE_TOKEN_DAYS, default 30 days), `DELETE /api/v1/auth/phone/token/`
signs the app out (revokes the token it calls with).

The rules are `accounts.actions`' — number format, resend wait, hourly and per-address limits, wrong-code
limit, expiry, staff accounts refused (a text message never opens a workbench) — the same answers the web
page (/login/phone/) gives. The code is never in an answer; the number is masked in the one answer that
names it.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from jingzhi.accounts import actions
from jingzhi.api.base import ApiView
from jingzhi.api.base import valid as _valid
from jingzhi.api.schema import error_responses
from jingzhi.core.clientip import client_ip

TAG = [str(_("账号"))]


class PhoneInSerializer(serializers.Serializer):
    phone = serializers.CharField(max_length=32, help_text=_("中国大陆手机号（11 位，可带 +86）"))


class CodeSentSerializer(serializers.Serializer):
    phone = serializers.CharField(help_text=_("打码后的手机号"))
    expires_at = serializers.DateTimeField()
    resend_after_seconds = serializers.IntegerField()


class TokenInSerializer(PhoneInSerializer):
    code = serializers.CharField(max_length=16, help_text=_("短信中的 6 位验证码"))
    device = serializers.CharField(
        max_length=40, required=False, allow_blank=True, help_text=_("设备名称（显示在令牌名称中，便于识别）")
    )


class TokenOutSerializer(serializers.Serializer):
    token = serializers.CharField(help_text=_("API 令牌：以 Authorization: Bearer <令牌> 使用；只返回这一次"))
    expires_at = serializers.DateTimeField()
    user_id = serializers.IntegerField()
    display_name = serializers.CharField()
    created = serializers.BooleanField(help_text=_("是否刚为该号码开通了居民账号"))


class PhoneCodeView(ApiView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="auth_phone_code",
        summary=str(_("发送登录验证码（居民手机号）")),
        description=str(
            _(
                "同一号码须等待一段时间才能再次发送，每小时、每个来源地址也有上限（429，Retry-After）；"
                "号码格式不对 400（fields.phone）。"
            )
        ),
        tags=TAG,
        auth=[],
        request=PhoneInSerializer,
        responses={202: CodeSentSerializer, **error_responses(400, 429)},
    )
    def post(self, request):
        data = _valid(PhoneInSerializer, request.data)
        issued = actions.do_request_login_code(phone=data["phone"], client_ip=client_ip(request) or "")
        body = {
            "phone": issued.phone_masked,
            "expires_at": issued.expires_at,
            "resend_after_seconds": issued.resend_seconds,
        }
        return Response(CodeSentSerializer(body).data, status=status.HTTP_202_ACCEPTED)


class PhoneTokenView(ApiView):
    def _signing_in(self) -> bool:
        # Signing in (POST) needs no token; signing out (DELETE) is done with the token being revoked. The
        # schema generator asks without a request.
        return getattr(getattr(self, "request", None), "method", None) == "POST"

    def get_authenticators(self):
        return [] if self._signing_in() else super().get_authenticators()

    def get_permissions(self):
        return [AllowAny()] if self._signing_in() else super().get_permissions()

    @extend_schema(
        operation_id="auth_phone_token",
        summary=str(_("以手机验证码换取 API 令牌（居民）")),
        description=str(
            _(
                "验证码错误、过期或已用 400（fields.code）；错误次数用完后须重新获取；"
                "工作人员账号不能用短信登录（403）。未注册的号码自动开通居民账号。"
            )
        ),
        tags=TAG,
        auth=[],
        request=TokenInSerializer,
        responses={201: TokenOutSerializer, **error_responses(400, 403)},
    )
    def post(self, request):
        data = _valid(TokenInSerializer, request.data)
        issued = actions.do_issue_phone_token(
            phone=data["phone"], code=data["code"], device=data.get("device", "")
        )
        body = {
            "token": issued.key,
            "expires_at": issued.token.expires_at,
            "user_id": issued.user.pk,
            "display_name": issued.user.display_name or "",
            "created": issued.created,
        }
        return Response(TokenOutSerializer(body).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        operation_id="auth_phone_sign_out",
        summary=str(_("退出登录（吊销当前令牌）")),
        tags=TAG,
        request=None,
        responses={204: None, **error_responses(400)},
    )
    def delete(self, request):
        from jingzhi.accounts.models import ApiToken

        if isinstance(request.auth, ApiToken):
            actions.do_revoke_api_token(actor=request.user, token=request.auth)
        return Response(status=status.HTTP_204_NO_CONTENT)
