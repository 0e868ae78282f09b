"""PostgreSQL helpers shared by the PostgreSQL-only benches (intake, queue): a fresh database per bench.

Each bench works in its own database named after the bench URL's (``jingzhi_bench`` → ``jingzhi_bench_intake``),
dropped and created at the start, so runs never see each other's rows and `make bench` can run them in turn.
"""

from __future__ import annotations

import os
import sys
from urllib.parse import urlsplit, urlunsplit

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/jingzhi_bench"


def skip_unless_postgres(name: str) -> None:
    """`make bench` runs every script on SQLite too; these measure PostgreSQL only."""
    if os.environ.get("JINGZHI_BENCH_PROFILE") == "sqlite":
        print(
            f"{name}: measures PostgreSQL only (set DATABASE_URL, or run `make bench` with a server); "
            "skipped on SQLite."
        )
        sys.exit(0)
    url = os.environ.get("DATABASE_URL", "")
    if url and not url.startswith(("postgres://", "postgresql://")):
        print(f"{name}: DATABASE_URL is not PostgreSQL ({url.split(':', 1)[0]}); skipped.")
        sys.exit(0)


def fresh_database(suffix: str) -> str:
    """Drop and create `<bench db><suffix>`; returns its URL (also set as DATABASE_URL for Django)."""
    import psycopg

    base = os.environ.get("DATABASE_URL") or DEFAULT_URL
    parts = urlsplit(base)
    name = (parts.path.lstrip("/") or "jingzhi_bench") + suffix
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    try:
        with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as exc:
        print(f"PostgreSQL not reachable at {admin_url}: {exc}".strip())
        sys.exit(1)
    url = urlunsplit(parts._replace(path=f"/{name}"))
    os.environ["DATABASE_URL"] = url
    return url


def drop_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{parts.path.lstrip("/")}" WITH (FORCE)')
