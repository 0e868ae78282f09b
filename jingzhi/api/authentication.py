"""API authentication by personal token: `Authorization: Bearer <key>` (or `Token <key>`).

Keys are created with `jingzhi create-token USERNAME NAME` (or `accounts.actions.do_create_api_token`) and
shown once; only their SHA-256 is stored, so a key is looked up by its hash. A resident's phone app gets an
expiring one by signing in with a text-message code (`/api/v1/auth/phone/…`, `api.phone_auth`). A revoked or
expired token or a deactivated user is refused with 401 and the usual error body. Use is stamped at most once
a minute.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed

from jingzhi.accounts import actions
from jingzhi.accounts.models import ApiToken
from jingzhi.core import clock

KEYWORDS = ("bearer", "token")


class BearerTokenAuthentication(BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].decode("latin-1").lower() not in KEYWORDS:
            return None  # not ours: another scheme (or none) — let the next authenticator look
        if len(parts) != 2:
            raise AuthenticationFailed(_("Authorization 头格式应为“Bearer <密钥>”"))
        try:
            key = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise AuthenticationFailed(_("令牌含有非法字符")) from None
        return self.authenticate_key(key)

    def authenticate_key(self, key: str):
        token = (
            ApiToken.objects.select_related("user").filter(key_hash=actions.hash_key(key)).first()
            if key
            else None
        )
        if token is None:
            raise AuthenticationFailed(_("令牌无效"))
        if token.revoked_at is not None:
            raise AuthenticationFailed(_("令牌已吊销"))
        if token.expires_at is not None and token.expires_at <= clock.now():
            raise AuthenticationFailed(_("令牌已过期，请重新登录"))
        if not token.user.is_active:
            raise AuthenticationFailed(_("该令牌所属用户已停用"))
        actions.touch_api_token(token)
        return token.user, token

    def authenticate_header(self, request):
        return 'Bearer realm="api"'
