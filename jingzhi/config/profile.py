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


def tasks_config(redis_url: str) -> dict:
    if redis_url:
        return {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    return {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
