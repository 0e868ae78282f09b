"""The database cache several web nodes share when there is no Redis: its table comes with `migrate`, and
two processes (two cache objects here, as two nodes would hold) count the same rate limit together."""

from __future__ import annotations

import pytest
from django.core.cache.backends.db import DatabaseCache
from django.db import connection

from jingzhi.config.apps import _create_cache_table
from jingzhi.config.profile import CACHE_TABLE
from jingzhi.core import ratelimit

pytestmark = pytest.mark.django_db

DB_CACHE = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": CACHE_TABLE}}


@pytest.fixture
def cache_table(settings):
    settings.CACHES = DB_CACHE
    _create_cache_table(using="default")  # what `migrate` runs after core's migrations
    assert CACHE_TABLE in connection.introspection.table_names()
    return settings


def test_two_nodes_count_one_rate_limit_together(cache_table, monkeypatch):
    node_a, node_b = DatabaseCache(CACHE_TABLE, {}), DatabaseCache(CACHE_TABLE, {})
    verdicts = []
    for i in range(4):
        monkeypatch.setattr(ratelimit, "cache", node_a if i % 2 == 0 else node_b)
        verdicts.append(ratelimit.hit("report", "client-1", limit=3).allowed)
    # Three allowed in all, not three per node: the fourth, on node B, is refused.
    assert verdicts == [True, True, True, False]


def test_without_a_database_cache_migrate_makes_no_table(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    if CACHE_TABLE in connection.introspection.table_names():
        pytest.skip("the table exists from an earlier test in this database")
    _create_cache_table(using="default")
    assert CACHE_TABLE not in connection.introspection.table_names()
