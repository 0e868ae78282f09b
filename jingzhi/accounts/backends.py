"""The authentication backend: django-axes' backend with our lockout rules and a lock against races.

Every door that checks a password goes through Django's `authenticate()` and so through this backend: the
web login (`accounts.forms.LoginForm`), the admin login, and any script. (The API has no password login; it
takes bearer tokens made on the web.) A locked username or address is refused before the password is even
checked (so a locked account stays locked with the right password, and a locked attempt is not counted
again). The check, the password and the count of a failure happen in one transaction holding the username's
advisory lock (`lockout.serialize`), so thirty parallel wrong passwords are checked at most the limit times.
A success clears the username's failures. Attempts coming too fast (right or wrong) are refused first by the
per-username and per-address login rate limits (`core.ratelimit`). The friendly "locked, try again in N minutes" message comes from
`LoginForm`, which asks `lockout` first.
"""

from __future__ import annotations

from axes.backends import AxesBackend
from axes.handlers.proxy import AxesProxyHandler
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest

from jingzhi.accounts import actions, lockout
from jingzhi.accounts.models import User
from jingzhi.core import clock, prepared, ratelimit
from jingzhi.core.errors import RateLimited


class LoginLocked(PermissionDenied):
    """Raised by authenticate() for a locked username or address; Django then stops trying backends."""

    def __init__(self, until):
        self.until = until
        super().__init__(f"locked until {until.isoformat()}")


def prepare(request) -> HttpRequest:
    """The request with axes' attributes, its time from our injectable clock (so tests can pin it)."""
    if request is None:
        request = HttpRequest()  # authenticate() from a script: still throttled by username
    if not hasattr(request, "axes_updated"):
        AxesProxyHandler.update_request(request)
        request.axes_attempt_time = clock.now()
    return request


class LoginRateLimited(PermissionDenied):
    """Raised by authenticate() when login attempts come too fast (core.ratelimit); `request.
    jingzhi_rate_limited` keeps the RateLimited so the page can answer 429 with its message."""


class LockoutModelBackend(AxesBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(User.USERNAME_FIELD)
        if username is None or password is None:
            return None
        request = prepare(request)
        try:
            ratelimit.check_login(username=username, client_ip=request.axes_ip_address)
        except RateLimited as exc:
            request.jingzhi_rate_limited = exc
            request.jingzhi_failure_counted = True  # too fast is not a wrong password
            raise LoginRateLimited(exc.message) from None
        with transaction.atomic():
            lockout.serialize(username)
            until = lockout.locked_until(username, request.axes_ip_address)
            if until is not None:
                request.axes_locked_out = True
                request.jingzhi_failure_counted = True  # a refused attempt is not a new failure
                raise LoginLocked(until)
            user = ModelBackend.authenticate(self, request, username=username, password=password, **kwargs)
            if user is None:
                actions.record_login_failure(request=request, username=username)
            else:
                actions.clear_login_failures(username=username)
        return user

    def get_user(self, user_id):
        """ModelBackend's, its statement compiled once per process (`core.prepared`): every signed-in request
        reads its user by the id in the session."""
        if type(user_id) is not int:
            return super().get_user(user_id)
        rows = prepared.fetch(("session_user",), _user_by_pk, user_id)
        user = rows[0] if rows else None
        return user if user is not None and self.user_can_authenticate(user) else None


def _user_by_pk(pk):
    return User._default_manager.filter(pk=pk)
