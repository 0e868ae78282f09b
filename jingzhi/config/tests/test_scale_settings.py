"""Settings for several web nodes, read from the environment: a shared cache and sessions, private object
storage for photos, and the read replica's alias, router and middleware (docs/scale-out.md)."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

import jingzhi.config.settings as live_settings

SETTINGS_FILE = Path(live_settings.__file__)
SWITCHES = [
    "DATABASE_URL",
    "REDIS_URL",
    "DATABASE_REPLICA_URL",
    "JINGZHI_READ_REPLICA",
    "JINGZHI_CACHE",
    "JINGZHI_S3_BUCKET",
    "S3_ENDPOINT_URL",
    "S3_ACCESS_KEY_ID",
    "S3_SECRET_ACCESS_KEY",
]
PG = "postgres://jz@127.0.0.1:5432/jz"


@pytest.fixture
def read_settings(monkeypatch, tmp_path):
    def read(**env):
        for name in SWITCHES:
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("JINGZHI_VAR", str(tmp_path))
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        return runpy.run_path(str(SETTINGS_FILE))

    return read


def test_the_embedded_profile_keeps_one_process_in_memory_and_sessions_in_the_database(read_settings):
    s = read_settings()
    assert s["CACHES"]["default"]["BACKEND"].endswith("LocMemCache")
    assert s["SESSION_ENGINE"] == "jingzhi.core.sessions"  # Django's database store, its read compiled once
    assert s["STORAGES"]["default"]["BACKEND"].endswith("FileSystemStorage")
    assert "replica" not in s["DATABASES"] and not s.get("DATABASE_ROUTERS")
    assert "jingzhi.config.replica.ReplicaMiddleware" not in s["MIDDLEWARE"]


def test_several_nodes_share_the_cache_through_redis_or_else_the_database(read_settings):
    s = read_settings(DATABASE_URL=PG)
    assert s["CACHES"]["default"]["BACKEND"] == "django.core.cache.backends.db.DatabaseCache"
    assert s["CACHES"]["default"]["LOCATION"] == "jingzhi_cache"
    s = read_settings(DATABASE_URL=PG, REDIS_URL="redis://127.0.0.1:6379/0")
    assert s["CACHES"]["default"]["BACKEND"] == "jingzhi.core.cache.RedisCache"
    assert s["SESSION_ENGINE"] == "django.contrib.sessions.backends.cached_db"  # still kept in the database
    assert s["RQ_QUEUES"] == {"default": {"USE_REDIS_CACHE": "default"}}
    s = read_settings(DATABASE_URL=PG, REDIS_URL="redis://127.0.0.1:6379/0", JINGZHI_CACHE="database")
    assert s["CACHES"]["default"]["BACKEND"].endswith("DatabaseCache")
    assert s["RQ_QUEUES"] == {"default": {"URL": "redis://127.0.0.1:6379/0"}}


def test_a_wrong_cache_choice_is_named(read_settings):
    with pytest.raises(ImproperlyConfigured, match="JINGZHI_CACHE"):
        read_settings(JINGZHI_CACHE="memcached")
    with pytest.raises(ImproperlyConfigured, match="REDIS_URL"):
        read_settings(JINGZHI_CACHE="redis")


def test_photos_go_to_private_object_storage_when_a_bucket_is_set(read_settings):
    s = read_settings(
        JINGZHI_S3_BUCKET="photos",
        S3_ENDPOINT_URL="http://127.0.0.1:9000",
        S3_ACCESS_KEY_ID="key",
        S3_SECRET_ACCESS_KEY="secret",
    )
    default = s["STORAGES"]["default"]
    assert default["BACKEND"] == "storages.backends.s3.S3Storage"
    options = default["OPTIONS"]
    assert options["bucket_name"] == "photos" and options["endpoint_url"] == "http://127.0.0.1:9000"
    assert options["access_key"] == "key" and options["secret_key"] == "secret"
    # Never public: no public-read ACL, and any URL the storage makes is signed and short-lived.
    assert options["default_acl"] == "private"
    assert options["querystring_auth"] is True and options["querystring_expire"] <= 300
    assert s["STORAGES"]["staticfiles"]["BACKEND"].endswith("StaticFilesStorage")


def test_a_replica_url_adds_the_alias_its_router_and_the_pinning_middleware(read_settings):
    s = read_settings(DATABASE_URL=PG, DATABASE_REPLICA_URL="postgres://jz@127.0.0.1:5433/jz")
    replica = s["DATABASES"]["replica"]
    assert replica["PORT"] == 5433 and replica["ENGINE"] == "django.db.backends.postgresql"
    assert replica["TEST"] == {"MIRROR": "default"}
    assert "pool" in replica["OPTIONS"]  # the same connection pool settings as the primary
    assert s["DATABASE_ROUTERS"] == ["jingzhi.config.replica.ReplicaRouter"]
    mw = s["MIDDLEWARE"]
    assert mw.index("django.contrib.sessions.middleware.SessionMiddleware") < mw.index(
        "jingzhi.config.replica.ReplicaMiddleware"
    )
    assert s["JINGZHI_READ_REPLICA"] is True
    s = read_settings(
        DATABASE_URL=PG, DATABASE_REPLICA_URL="postgres://jz@127.0.0.1:5433/jz", JINGZHI_READ_REPLICA="0"
    )
    assert s["JINGZHI_READ_REPLICA"] is False and "replica" in s["DATABASES"]


def test_a_replica_of_another_engine_is_refused(read_settings):
    with pytest.raises(ImproperlyConfigured, match="DATABASE_REPLICA_URL"):
        read_settings(DATABASE_URL=PG, DATABASE_REPLICA_URL="sqlite:////tmp/x.sqlite3")
