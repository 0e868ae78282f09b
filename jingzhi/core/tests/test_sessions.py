"""The database session store (`core.sessions`): one compiled read by the session's key, which still refuses an
expired session as Django's `expire_date__gt=now` filter did (issue 16)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from jingzhi.core.sessions import SessionStore

pytestmark = pytest.mark.django_db


def _new(**data) -> str:
    store = SessionStore()
    store.update(data)
    store.create()
    return store.session_key


def test_each_session_is_read_by_its_own_key_in_one_statement():
    a, b = _new(who="a"), _new(who="b")
    with CaptureQueriesContext(connection) as ctx:
        assert SessionStore(a).load() == {"who": "a"}
        assert SessionStore(b).load() == {"who": "b"}
    assert len(ctx.captured_queries) == 2


def test_an_expired_or_unknown_session_loads_empty_and_drops_its_key():
    key = _new(who="old")
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() - timedelta(seconds=1))
    for stale in (SessionStore(key), SessionStore("no-such-session-key-0123456789")):
        assert stale.load() == {}
        assert stale.session_key is None
    assert SessionStore(_new(who="new")).load() == {"who": "new"}
