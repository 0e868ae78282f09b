"""`make bench`: run every bench/*.py on SQLite and, when a server answers, on PostgreSQL.

Each script prints lines `bench: NAME ours=X floor=Y ratio=R target=T unit=U`; this runner collects them
and reprints them together at the end, marking the ones below their target.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_URL = os.environ.get("PG_BENCH_URL", "postgres://postgres@127.0.0.1:5432/jingzhi_bench")
LINE = re.compile(r"^bench: (\S+) ours=(\S+) floor=(\S+) ratio=(\S+) target=(\S+) unit=(\S+)")


def postgres_reachable() -> bool:
    try:
        import psycopg

        with psycopg.connect(PG_URL.rsplit("/", 1)[0] + "/postgres", connect_timeout=3):
            return True
    except Exception:  # noqa: BLE001
        return False


def main() -> int:
    # soak.py starts its own cluster and runs for minutes: `make soak`, never part of `make bench`.
    scripts = sorted(
        p for p in (ROOT / "bench").glob("*.py") if not p.name.startswith("_") and p.stem != "soak"
    )
    only = sys.argv[1:]
    if only:
        scripts = [p for p in scripts if p.stem in only]
    profiles = [("sqlite", {})]
    if postgres_reachable():
        profiles.append(("postgresql", {"DATABASE_URL": PG_URL}))
    else:
        print(f"PostgreSQL not reachable at {PG_URL}: benchmarks run on SQLite only.")
    results = []
    for profile, extra in profiles:
        for script in scripts:
            print(f"\n=== {script.name} on {profile} ===", flush=True)
            env = {**os.environ, "JINGZHI_BENCH_PROFILE": profile, **extra}
            proc = subprocess.run(
                [sys.executable, str(script)], cwd=ROOT, env=env, capture_output=True, text=True
            )
            sys.stdout.write(proc.stdout)
            if proc.returncode:
                sys.stdout.write(proc.stderr[-3000:])
                results.append(f"[{profile}] {script.name} FAILED (exit {proc.returncode})")
            for line in proc.stdout.splitlines():
                m = LINE.match(line)
                if m:
                    ratio, target = float(m.group(4)), float(m.group(5))
                    mark = "" if ratio >= target else "   <-- below target"
                    results.append(f"[{profile}] {line}{mark}")
    print("\n=== summary ===")
    print("\n".join(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
