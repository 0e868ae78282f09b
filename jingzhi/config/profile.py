"""Turns the environment into the pieces of settings that differ between profiles."""

import re
import secrets
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured


def var_dir(env: environ.Env, base_dir: Path) -> Path:
    path = Path(env.str("JINGZHI_VAR", default=str(base_dir / "var"))).resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def ensure_secret_key(var: Path) -> str:
    """Generate a secret key into var/ on first run; read it on every later run."""
    key_file = var / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def database_config(env: environ.Env, var: Path) -> dict:
    url = env.str("DATABASE_URL", default="")
    if not url:
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(var / "jingzhi.sqlite3"),
            # WAL lets readers proceed while the single writer commits; IMMEDIATE avoids
            # "database is locked" on upgrade from a read to a write lock.
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
            },
            "TEST": {"NAME": str(var / "test.sqlite3")}
            if env.bool("JINGZHI_TEST_SQLITE_FILE", default=False)
            else {},
        }
    config = environ.Env.db_url_config(url)
    if config["ENGINE"] in ("django.db.backends.postgresql", "django.db.backends.postgresql_psycopg2"):
        config["ENGINE"] = "django.db.backends.postgresql"
        options = config.setdefault("OPTIONS", {})
        if env.bool("JINGZHI_DB_POOL", default=True):
            # Measured here: opening a connection per request costs ~6x the throughput.
            options["pool"] = {
                "min_size": 2,
                "max_size": env.int("JINGZHI_DB_POOL_MAX", default=10),
                "timeout": 10,
            }
        else:
            config["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=600)
            config["CONN_HEALTH_CHECKS"] = True
    return config


def tasks_config(redis_url: str, env: environ.Env | None = None) -> dict:
    """Both profiles queue jobs in the database outbox (jingzhi.core.jobs, ADR 0004). Embedded (no Redis)
    runs them in-process right after commit; production leaves them to `jingzhi worker`.
    JINGZHI_JOBS_INLINE overrides either way."""
    inline = not redis_url
    if env is not None:
        inline = env.bool("JINGZHI_JOBS_INLINE", default=inline)
    return {"default": {"BACKEND": "jingzhi.core.jobs.OutboxBackend", "OPTIONS": {"inline": inline}}}


def audit_key(env: environ.Env, var: Path) -> str:
    """The audit chain's HMAC key, kept outside the database: JINGZHI_AUDIT_KEY, else the file named by
    JINGZHI_AUDIT_KEY_FILE; the embedded profile (no DATABASE_URL) generates one into var/ on first run.
    Production without one gets "" (rows are sealed unkeyed and a system check warns)."""
    key = env.str("JINGZHI_AUDIT_KEY", default="")
    if key:
        return key.strip()
    path = env.str("JINGZHI_AUDIT_KEY_FILE", default="")
    if path:
        return Path(path).read_text(encoding="utf-8").strip()
    if env.str("DATABASE_URL", default=""):
        return ""
    key_file = var / "audit_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


HSTS_ONE_YEAR = 365 * 24 * 3600
_HEADER_NAME = re.compile(r"^[A-Za-z0-9-]+$")


def proxy_ssl_header(name: str) -> tuple[str, str] | None:
    """`X-Forwarded-Proto` → Django's ("HTTP_X_FORWARDED_PROTO", "https"); empty → None (no proxy)."""
    name = name.strip()
    if not name:
        return None
    if not _HEADER_NAME.match(name):
        raise ImproperlyConfigured(
            f"JINGZHI_PROXY_SSL_HEADER={name!r} 不是合法的请求头名称：只能含字母、数字和连字符，如 X-Forwarded-Proto。"
        )
    return ("HTTP_" + name.upper().replace("-", "_"), "https")


def https_config(env: environ.Env) -> dict:
    """The settings that the HTTPS switch decides, every one of them, on or off.

    With `JINGZHI_HTTPS=1` the site is only ever served over HTTPS: plain HTTP is redirected, browsers are
    told to remember that (HSTS, `JINGZHI_HSTS_SECONDS`), and the session, CSRF and language cookies are
    never sent in clear. Behind a reverse proxy that terminates TLS, `JINGZHI_PROXY_SSL_HEADER` names the
    header the proxy sets to "https" — without it every request looks like plain HTTP to Django and the
    redirect would loop. Only a proxy that overwrites that header on every request may be trusted this way.

    HSTS preload and includeSubDomains are commitments about a whole domain, so they stay the operator's
    choice; when one is declined, Django's deploy warning about it is silenced (the choice was made) through
    the returned SILENCED_SYSTEM_CHECKS.
    """
    on = env.bool("JINGZHI_HTTPS", default=False)
    include_subdomains = on and env.bool("JINGZHI_HSTS_INCLUDE_SUBDOMAINS", default=True)
    preload = on and env.bool("JINGZHI_HSTS_PRELOAD", default=False)
    silenced = []
    if on and not include_subdomains:
        silenced.append("security.W005")
    if on and not preload:
        silenced.append("security.W021")
    return {
        "JINGZHI_HTTPS": on,
        "SECURE_PROXY_SSL_HEADER": proxy_ssl_header(env.str("JINGZHI_PROXY_SSL_HEADER", default="")),
        "SECURE_SSL_REDIRECT": on,
        "SECURE_HSTS_SECONDS": env.int("JINGZHI_HSTS_SECONDS", default=HSTS_ONE_YEAR) if on else 0,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": include_subdomains,
        "SECURE_HSTS_PRELOAD": preload,
        "SESSION_COOKIE_SECURE": on,
        "CSRF_COOKIE_SECURE": on,
        "LANGUAGE_COOKIE_SECURE": on,
        "SILENCED_SYSTEM_CHECKS": silenced,
    }


# ---------------------------------------------------------------------------------------------------------
# Scale-out: what several web nodes must share (docs/scale-out.md)

REPLICA_ALIAS = "replica"
CACHE_TABLE = "jingzhi_cache"


def cache_config(env: environ.Env, redis_url: str) -> dict:
    """The cache every process must share once there is more than one: Redis when REDIS_URL is set; else the
    database (a table made by `migrate`) when the database is a server (PostgreSQL: possibly several web
    nodes); else local memory, for the embedded SQLite profile that runs one process. JINGZHI_CACHE
    (redis | database | local) overrides the choice."""
    choice = env.str("JINGZHI_CACHE", default="")
    if not choice:
        choice = "redis" if redis_url else ("database" if env.str("DATABASE_URL", default="") else "local")
    if choice == "redis":
        if not redis_url:
            raise ImproperlyConfigured(
                "JINGZHI_CACHE=redis 需要同时设置 REDIS_URL，如 redis://127.0.0.1:6379/0。"
            )
        # One connection pool for the cache and the task queue (jingzhi.core.cache explains why).
        return {"default": {"BACKEND": "jingzhi.core.cache.RedisCache", "LOCATION": redis_url}}
    if choice == "database":
        return {
            "default": {
                "BACKEND": "django.core.cache.backends.db.DatabaseCache",
                "LOCATION": CACHE_TABLE,
                "OPTIONS": {"MAX_ENTRIES": env.int("JINGZHI_CACHE_MAX_ENTRIES", default=100_000)},
            }
        }
    if choice == "local":
        return {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    raise ImproperlyConfigured(f"JINGZHI_CACHE={choice!r} 无效：可选 redis、database、local。")


def session_engine(redis_url: str) -> str:
    """Sessions always live in the database (every node sees them, a Redis restart logs nobody out); with
    Redis they are read through the cache, saving the session query on most requests; without it through
    Django's database store with its read compiled once (`core.sessions`)."""
    return "django.contrib.sessions.backends.cached_db" if redis_url else "jingzhi.core.sessions"


def replica_config(env: environ.Env, primary: dict) -> dict | None:
    """The `replica` alias from DATABASE_REPLICA_URL (a streaming replica of the primary), or None. Under
    tests it mirrors the primary's test database (TEST MIRROR), since a test run has no replica server."""
    url = env.str("DATABASE_REPLICA_URL", default="")
    if not url:
        return None
    replica = database_config(_UrlEnv(url), Path("."))
    if replica["ENGINE"] != primary["ENGINE"]:
        raise ImproperlyConfigured(
            "DATABASE_REPLICA_URL 必须与 DATABASE_URL 是同一种数据库（PostgreSQL 流复制副本）。"
        )
    replica["TEST"] = {"MIRROR": "default"}
    return replica


class _UrlEnv(environ.Env):
    """An environment whose DATABASE_URL is the replica's, so the replica gets the primary's pool settings."""

    def __init__(self, url: str):
        super().__init__()
        self._url = url

    def str(self, var, default=environ.Env.NOTSET, multiline=False):
        if var == "DATABASE_URL":
            return self._url
        return super().str(var, default=default, multiline=multiline)


def storage_config(env: environ.Env) -> dict:
    """Where uploaded photos go: the media root on this machine, or S3-compatible object storage when
    JINGZHI_S3_BUCKET is set (MinIO, Ceph, a cloud's OSS/COS through its S3 interface). Objects are private:
    no ACL that makes them public, and every photo is still served through the permission-checked view
    (jingzhi.web.media), never from a bucket address."""
    backend = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    bucket = env.str("JINGZHI_S3_BUCKET", default="")
    if bucket:
        options = {
            "bucket_name": bucket,
            "endpoint_url": env.str("S3_ENDPOINT_URL", default="") or None,
            "region_name": env.str("S3_REGION", default="") or None,
            "access_key": env.str("S3_ACCESS_KEY_ID", default="") or None,
            "secret_key": env.str("S3_SECRET_ACCESS_KEY", default="") or None,
            "location": env.str("JINGZHI_S3_PREFIX", default=""),
            "default_acl": "private",
            "querystring_auth": True,
            "querystring_expire": env.int("JINGZHI_S3_URL_SECONDS", default=60),
            # Names are content hashes: the same name is the same bytes, so no existence check before a write.
            "file_overwrite": True,
            "addressing_style": env.str("S3_ADDRESSING_STYLE", default="path"),
            "signature_version": "s3v4",
        }
        backend = {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {k: v for k, v in options.items() if v is not None},
        }
    return {
        "default": backend,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
