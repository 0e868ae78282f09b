"""Sign in or sign up by phone with a one-time code (/login/phone/): the resident's door, reached from a
street board's QR code in under a minute. Two steps on one page — the number, then the six-digit code — and
back to `next` (the report form with its ?street=). The rules (number format, resend wait, hourly and
per-address limits, wrong-code limit, expiry, staff refused) are `accounts.actions`'; this page only shows
their answers. In the demo (`jingzhi demo`'s data or JINGZHI_DEMO, with the console SMS backend) the code is also shown on the page,
since no text message is really sent; the server console prints it too.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from jingzhi.accounts import actions, otp
from jingzhi.core.clientip import client_ip
from jingzhi.core.errors import ApplicationError, RateLimited

BACKEND = "jingzhi.accounts.backends.LockoutModelBackend"


def _next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("web:home")


def demo_shows_code() -> bool:
    """The code appears on the page only in the demo, and only while texts go to the console."""
    from jingzhi.core.sms import DEFAULT_BACKEND

    backend = getattr(settings, "JINGZHI_SMS_BACKEND", "") or DEFAULT_BACKEND
    from jingzhi.web.context_processors import is_demo

    return backend == DEFAULT_BACKEND and is_demo()


def phone_login(request):
    target = _next(request)
    if request.user.is_authenticated and request.method != "POST":
        return redirect(target)
    context = {
        "next": target,
        "phone": "",
        "step": "phone",
        "error": None,
        "to_report": target.startswith(reverse("web:case_report")),
    }
    status = 200
    if request.method == "POST":
        post = request.POST
        context["phone"] = post.get("phone", "")[:32]
        try:
            if post.get("step") == "verify":
                context["step"] = "code"
                result = actions.do_sign_in_with_code(phone=post.get("phone", ""), code=post.get("code", ""))
                login(request, result.user, backend=BACKEND)
                if result.created:
                    messages.success(request, _("已为您开通账号，现在可以反映问题了。"))
                return redirect(target)
            issued = actions.do_request_login_code(
                phone=post.get("phone", ""), client_ip=client_ip(request) or ""
            )
            context.update(
                {
                    "step": "code",
                    "issued": issued,
                    "minutes": int(otp.ttl().total_seconds() // 60),
                    "demo_code": issued.code if demo_shows_code() else "",
                }
            )
        except ApplicationError as exc:
            context["error"] = exc.message
            context["error_fields"] = exc.fields if isinstance(exc.fields, dict) else {}
            status = exc.status
            if isinstance(exc, RateLimited) and post.get("step") != "verify":
                # Asked again too soon: a code already sent may still be good, so offer its box.
                context["step"] = "code"
            response = render(request, "web/phone_login.html", context, status=status)
            if isinstance(exc, RateLimited):
                response["Retry-After"] = str(exc.retry_after)
            return response
    return render(request, "web/phone_login.html", context, status=status)
