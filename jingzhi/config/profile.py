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
