"""`make test`: lint, layer contract, mypy on the pure modules, the production profile's `check --deploy`, then
the suite on SQLite, PostgreSQL and in the browser.

PostgreSQL runs when a server answers at PG_TEST_URL (default postgres://postgres@127.0.0.1:5432/jingzhi);
with JINGZHI_REQUIRE_POSTGRES=1 a missing server fails the run. The browser pass needs /usr/bin/chromium
and is required likewise with JINGZHI_REQUIRE_BROWSER=1. Prints one closing line: "N passed, N failed".
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PG_URL = os.environ.get("PG_TEST_URL", "postgres://postgres@127.0.0.1:5432/jingzhi")
CHROMIUM = os.environ.get("JINGZHI_CHROMIUM", "/usr/bin/chromium")

totals = {"passed": 0, "failed": 0, "skipped": 0}
failures: list[str] = []


def flag(name: str) -> bool:
    return os.environ.get(name, "") in ("1", "true", "yes")


def run(title: str, cmd: list[str], env: dict | None = None) -> int:
    print(f"\n=== {title} ===", flush=True)
    started = time.monotonic()
    proc = subprocess.run(cmd, cwd=ROOT, env={**os.environ, **(env or {})}, capture_output=True, text=True)
    sys.stdout.write(proc.stdout[-20000:])
    sys.stderr.write(proc.stderr[-5000:])
    print(f"--- {title}: exit {proc.returncode} in {time.monotonic() - started:.0f}s", flush=True)
    return proc.returncode, proc.stdout


def pytest_pass(title: str, args: list[str], env: dict) -> None:
    code, out = run(title, [str(BIN / "pytest"), *args], env)
    tail = out.strip().splitlines()[-1] if out.strip() else ""
    for key in totals:
        m = re.search(rf"(\d+) {key}", tail)
        if m:
            totals[key] += int(m.group(1))
    m = re.search(r"(\d+) error", tail)
    if m:
        totals["failed"] += int(m.group(1))
    if code not in (0, 5):
        failures.append(title)
        if not re.search(r"\d+ (failed|error)", tail):
            totals["failed"] += 1


def postgres_reachable() -> bool:
    try:
        import psycopg

        with psycopg.connect(PG_URL.rsplit("/", 1)[0] + "/postgres", connect_timeout=3):
            return True
    except Exception as exc:  # noqa: BLE001 - any failure means "not reachable", and we say why
        print(f"PostgreSQL not reachable at {PG_URL}: {exc}")
        return False


def parallel() -> list[str]:
    """pytest-xdist workers for the database passes (one per core, at most 4; JINGZHI_TEST_WORKERS overrides)."""
    workers = os.environ.get("JINGZHI_TEST_WORKERS") or str(min(os.cpu_count() or 1, 4))
    return [] if workers in ("0", "1") else ["-n", workers, "--dist", "loadfile"]


def deploy_check(base_env: dict) -> None:
    """`manage.py check --deploy --fail-level WARNING` under the production profile with the HTTPS switch on:
    PostgreSQL, Redis, a real secret key, a host name, behind a TLS-terminating proxy. Any warning fails.

    The server's maintenance database stands in for the site's (the checks read at most the calendar tables,
    and treat a database without them as empty). jingzhi.W001 is silenced here: it says which years' holiday
    notices have not been imported — data, not configuration — and core's own tests cover it."""
    env = {
        **base_env,
        "DATABASE_URL": PG_URL.rsplit("/", 1)[0] + "/postgres",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        "JINGZHI_HTTPS": "1",
        "JINGZHI_PROXY_SSL_HEADER": "X-Forwarded-Proto",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "jingzhi.example.gov.cn",
        "DEBUG": "0",
        "JINGZHI_SILENCED_CHECKS": "jingzhi.W001",
        "JINGZHI_AUDIT_KEY": secrets.token_hex(32),  # production keeps it outside the database (W021)
    }
    cmd = [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"]
    code, _ = run("check --deploy (production profile, JINGZHI_HTTPS=1)", cmd, env)
    if code:
        failures.append("check --deploy")
        totals["failed"] += 1
    else:
        totals["passed"] += 1


def main() -> int:
    base_env = {"JINGZHI_FAST_HASHER": "1", "JINGZHI_VAR": str(ROOT / "var" / "test"), "REDIS_URL": ""}
    for title, cmd in (
        ("ruff", [str(BIN / "ruff"), "check", "."]),
        ("ruff format", [str(BIN / "ruff"), "format", "--check", "."]),
        ("import-linter", [str(BIN / "lint-imports")]),
        ("mypy (the pure modules listed in pyproject.toml)", [str(BIN / "mypy")]),
    ):
        code, _ = run(title, cmd)
        if code:
            failures.append(title)
            totals["failed"] += 1
        else:
            totals["passed"] += 1
    code, _ = run(
        "migrations are up to date",
        [sys.executable, "manage.py", "makemigrations", "--check", "--dry-run"],
        base_env,
    )
    if code:
        failures.append("makemigrations --check")
        totals["failed"] += 1

    if postgres_reachable():
        deploy_check(base_env)
    elif flag("JINGZHI_REQUIRE_POSTGRES"):
        print("JINGZHI_REQUIRE_POSTGRES=1 and no PostgreSQL server: the deploy check cannot run.")
        failures.append("check --deploy (no PostgreSQL)")
        totals["failed"] += 1
    else:
        print("SKIPPED: check --deploy under the production profile (no PostgreSQL server reachable).")

    pytest_pass("pytest on SQLite", ["-q", *parallel(), "-m", "not browser and not postgres_only"], base_env)

    if postgres_reachable():
        pytest_pass(
            "pytest on PostgreSQL",
            ["-q", *parallel(), "-m", "not browser"],
            {**base_env, "DATABASE_URL": PG_URL},
        )
    elif flag("JINGZHI_REQUIRE_POSTGRES"):
        print("JINGZHI_REQUIRE_POSTGRES=1 and no PostgreSQL server: failing the run.")
        failures.append("PostgreSQL required but not reachable")
        totals["failed"] += 1
    else:
        print("SKIPPED: the PostgreSQL pass (no server reachable). Set PG_TEST_URL or start PostgreSQL.")

    if Path(CHROMIUM).exists():
        pytest_pass("browser suite (Playwright + Chromium)", ["-q", "-m", "browser"], base_env)
    elif flag("JINGZHI_REQUIRE_BROWSER"):
        print(f"JINGZHI_REQUIRE_BROWSER=1 and no browser at {CHROMIUM}: failing the run.")
        failures.append("browser required but missing")
        totals["failed"] += 1
    else:
        print(f"SKIPPED: the browser suite ({CHROMIUM} missing). `apt-get install chromium fonts-noto-cjk`.")

    if failures:
        print("\nFailed parts: " + ", ".join(failures))
    print(f"\n{totals['passed']} passed, {totals['failed']} failed, {totals['skipped']} skipped")
    return 1 if failures else 0


if __name__ == "__main__":
    shutil.rmtree(ROOT / "var" / "test", ignore_errors=True)
    (ROOT / "var" / "test").mkdir(parents=True, exist_ok=True)
    sys.exit(main())
