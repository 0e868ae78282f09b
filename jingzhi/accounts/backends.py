"""The authentication backend: Django's ModelBackend with login throttling in front of it.

A locked username or address is refused before the password is even checked (so a locked account stays
locked with the right password, and a locked attempt is not counted again). Every refused password is
counted; a success clears the username's failures. The friendly "locked, try again in N minutes" message
comes from `accounts.forms.LoginForm`, which asks `lockout` first; this backend is the guard for every other
path (the admin login, `authenticate()` called anywhere).
"""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied

from jingzhi.accounts import actions, lockout
from jingzhi.accounts.models import User


class LoginLocked(PermissionDenied):
    """Raised by authenticate() for a locked username or address; Django then stops trying backends."""

    def __init__(self, until):
        self.until = until
        super().__init__(f"locked until {until.isoformat()}")


class LockoutModelBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(User.USERNAME_FIELD)
        if username is None or password is None:
            return None
        ip_address = lockout.client_ip(request)
        until = lockout.locked_until(username, ip_address)
        if until is not None:
            raise LoginLocked(until)
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            actions.record_login_failure(username=username, ip_address=ip_address)
        else:
            actions.clear_login_failures(username=username)
        return user
