"""Reads from a streaming replica where a little staleness is harmless, with read-your-writes for the writer.

With DATABASE_REPLICA_URL set (profile.replica_config) the `replica` alias exists and:

- `ReplicaMiddleware` decides per request whether its reads may go to the replica: only a GET/HEAD request to a
  list, dashboard or export view (`READ_VIEWS`, plus JINGZHI_REPLICA_VIEWS), only while JINGZHI_READ_REPLICA is
  on, and never for an actor who wrote in the last JINGZHI_REPLICA_PIN_SECONDS. A request that may write
  (any other method) pins its actor to the primary for that long: a cookie for the browser, and a cache key
  derived from the credential (session cookie or Authorization header) for clients that keep no cookies.
- `ReplicaRouter` sends a read to the replica only inside such a request, and only outside a transaction:
  reads in `transaction.atomic` (the actions' reads before their writes, `select_for_update`) and every write
  go to the primary. Migrations run on the primary only.

Everything else (case pages, forms, the actions behind them, background jobs, management commands) reads the
primary: a replica is only ever asked for what a screen lists or counts.
"""

from __future__ import annotations

import contextvars
import hashlib
import re
import time
from contextlib import contextmanager

from django.conf import settings
from django.core.cache import cache
from django.db import connections

from jingzhi.config.profile import REPLICA_ALIAS

PIN_COOKIE = "jz_primary"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

# View names (namespace:name) whose GET reads may come from the replica: lists, dashboards, rankings, exports.
READ_VIEWS = re.compile(
    r"""^(
        api:[\w-]+-list | api:cases-queues | api:assessment-(ranking|indicators|unit) | api:spaces-(dashboard|ledger|coverage|overdue)
      | api:rectification-(board|ledger|streets|inspections|export-[\w-]+) | api:projects-list
      | web:cases_workbench | web:assessment(_report)?(_export)? | web:[\w]+_export | web:streets | web:street_board
      | web:spaces(_ledger|_coverage)? | web:projects | web:councils | web:places
      | open311:requests | open311:services
    )$""",
    re.VERBOSE,
)

_replica_ok: contextvars.ContextVar[bool] = contextvars.ContextVar("jingzhi_replica_ok", default=False)


def replica_configured() -> bool:
    return REPLICA_ALIAS in settings.DATABASES and bool(getattr(settings, "JINGZHI_READ_REPLICA", False))


def pin_seconds() -> float:
    return float(getattr(settings, "JINGZHI_REPLICA_PIN_SECONDS", 5.0))


def is_read_view(view_name: str | None) -> bool:
    if not view_name:
        return False
    return bool(READ_VIEWS.match(view_name)) or view_name in getattr(settings, "JINGZHI_REPLICA_VIEWS", ())


@contextmanager
def replica_reads(allowed: bool = True):
    """Let the reads in this block go to the replica (what the middleware does around a list view)."""
    token = _replica_ok.set(allowed)
    try:
        yield
    finally:
        _replica_ok.reset(token)


class ReplicaRouter:
    """Reads go to the replica only when the request allows it and no transaction is open; the rest, and every
    write and migration, go to the primary."""

    def db_for_read(self, model, **hints):
        if not _replica_ok.get() or not replica_configured():
            return "default"
        if connections["default"].in_atomic_block:
            return "default"
        return REPLICA_ALIAS

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replica holds the same rows as the primary

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"


def _credential_key(request) -> str | None:
    """A cache key for the actor behind this request, from the credential it presents (never stored as is)."""
    credential = request.headers.get("Authorization") or request.COOKIES.get(settings.SESSION_COOKIE_NAME)
    if not credential:
        return None
    return "replica-pin:" + hashlib.sha256(credential.encode()).hexdigest()[:32]


def pinned(request) -> bool:
    """Has this actor written within the pin window? (cookie first; the cache for clients without cookies)"""
    stamp = request.COOKIES.get(PIN_COOKIE, "")
    try:
        if stamp and float(stamp) > time.time():
            return True
    except ValueError:
        pass
    key = _credential_key(request)
    return bool(key and cache.get(key))


def pin(request, response) -> None:
    seconds = pin_seconds()
    if seconds <= 0:
        return
    until = time.time() + seconds
    response.set_cookie(
        PIN_COOKIE,
        f"{until:.3f}",
        max_age=max(1, int(seconds + 0.999)),
        httponly=True,
        samesite="Lax",
        secure=getattr(settings, "SESSION_COOKIE_SECURE", False),
    )
    # The credential may have changed during the request (a login): pin both the old and the new one.
    for key in {_credential_key(request), _credential_key_from_response(response)} - {None}:
        cache.set(key, 1, timeout=seconds)


def _credential_key_from_response(response) -> str | None:
    morsel = response.cookies.get(settings.SESSION_COOKIE_NAME)
    if morsel is None or not morsel.value:
        return None
    return "replica-pin:" + hashlib.sha256(morsel.value.encode()).hexdigest()[:32]


class ReplicaMiddleware:
    """Opens the replica to the reads of a list, dashboard or export GET; pins a writer to the primary."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.jingzhi_read_from = "default"
        token = _replica_ok.set(False)
        try:
            response = self.get_response(request)
        finally:
            _replica_ok.reset(token)
        if request.method not in SAFE_METHODS and replica_configured():
            pin(request, response)
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.method not in ("GET", "HEAD") or not replica_configured():
            return None
        match = getattr(request, "resolver_match", None)
        if not is_read_view(match.view_name if match else None) or pinned(request):
            return None
        request.jingzhi_read_from = REPLICA_ALIAS
        # For the view and the rendering of its response; __call__ resets it when the request is done.
        _replica_ok.set(True)
        return None
