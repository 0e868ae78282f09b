"""Turns the environment into the pieces of settings that differ between profiles."""

import secrets
from pathlib import Path

import environ


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
