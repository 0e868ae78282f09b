"""Forms of the accounts app. `LoginForm` is the login page's form (used by the web app's login view): it
says plainly when an account is locked and for how long, instead of the generic "wrong password"."""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from jingzhi.accounts import lockout
from jingzhi.core.clientip import client_ip


class LoginForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("用户名或密码不正确。请注意区分大小写。"),
        "inactive": _("该账户已停用，请联系管理员。"),
        "locked": _("登录失败次数过多，账户已锁定，请 %(minutes)d 分钟后再试"),
    }

    username = forms.CharField(
        label=_("用户名"),
        max_length=150,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )
    password = forms.CharField(
        label=_("密码"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )

    def clean(self):
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is not None and password:
            ip_address = client_ip(self.request)
            self._raise_if_locked(username, ip_address)
            try:
                return super().clean()
            except forms.ValidationError:
                limited = getattr(self.request, "jingzhi_rate_limited", None)
                if limited is not None:
                    raise forms.ValidationError(limited.message, code="rate_limited") from None
                # This failure may be the one that locks the account: say so now, not on the next try.
                self._raise_if_locked(username, ip_address)
                raise
        return super().clean()

    def _raise_if_locked(self, username: str, ip_address: str | None) -> None:
        until = lockout.locked_until(username, ip_address)
        if until is not None:
            raise forms.ValidationError(
                self.error_messages["locked"], code="locked", params={"minutes": lockout.minutes_left(until)}
            )
