"""`make mutate APP=cases [MODULE=workflow] [FUNCTIONS=sla,check]`: mutation testing of pure modules (mutmut 3).

Not part of `make test` (a module takes minutes). For each pure module of the app — `workflow.py`,
`rules.py`, `routing.py`, and for `core` the calendar arithmetic and the id parser — mutmut changes the code
one small edit at a time (`<` to `<=`, `and` to `or`, a constant to another) and runs only that module's
own tests (`<app>/tests/test_<module>.py`) on SQLite; a mutant no test notices "survives". The script
prints each survivor and the score (killed / all mutants). A survivor is either a rule no test pins (write
the test) or an equivalent mutant (the edit changes nothing observable; say why in docs/contributing.md).

mutmut runs in `var/mutate/<app>-<module>/`, which holds a generated pyproject.toml and links to the code,
so the repository's own configuration is never edited. One worker by default (`--max-children`, or
JINGZHI_MUTATE_WORKERS): the machine is shared. Afterwards `cd var/mutate/<app>-<module> && mutmut show NAME`
shows a mutant's diff.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from fnmatch import fnmatch
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
CONVENTIONAL = ("workflow", "rules", "routing")
# Pure modules that do not follow the naming convention.
EXTRA = {"core": ("workcalendar", "ids")}

CONFIG = """\
[tool.pytest.ini_options]
DJANGO_SETTINGS_MODULE = "jingzhi.config.settings"
python_files = ["test_*.py"]
addopts = "-p no:cacheprovider -p no:randomly"

[tool.mutmut]
source_paths = ["jingzhi"]
only_mutate = [{module}]
also_copy = ["conftest.py", "manage.py"]
pytest_add_cli_args_test_selection = [{tests}]
pytest_add_cli_args = ["-q"]
use_git_change_detection = false
"""


def pure_modules(app: str) -> list[str]:
    names = [name for name in CONVENTIONAL if (ROOT / "jingzhi" / app / f"{name}.py").exists()]
    return names + list(EXTRA.get(app, ()))


def own_tests(app: str, module: str) -> Path:
    return ROOT / "jingzhi" / app / "tests" / f"test_{module}.py"


def prepare(app: str, module: str) -> Path:
    """A fresh working directory for mutmut with links to the code and a config naming the module."""
    work = ROOT / "var" / "mutate" / f"{app}-{module}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    for name in ("jingzhi", "conftest.py", "manage.py"):
        (work / name).symlink_to(ROOT / name)
    (work / "pyproject.toml").write_text(
        CONFIG.format(
            module=json.dumps(f"jingzhi/{app}/{module}.py"),
            tests=json.dumps(f"jingzhi/{app}/tests/test_{module}.py"),
        ),
        encoding="utf-8",
    )
    return work


def statuses(work: Path) -> dict[str, str]:
    """{mutant name: status} from `mutmut results --all true` ("name: killed", "name: survived", ...)."""
    out = subprocess.run(
        [str(BIN / "mutmut"), "results", "--all", "true"],
        cwd=work,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    found = {}
    for line in out.splitlines():
        name, sep, status = line.strip().rpartition(": ")
        if sep and name:
            found[name] = status.strip()
    return found


def mutate(app: str, module: str, workers: int, functions: list[str]) -> tuple[int, int, list[str]] | None:
    tests = own_tests(app, module)
    if not tests.exists():
        print(f"{app}/{module}.py: no own tests ({tests.relative_to(ROOT)} is missing); not measured")
        return None
    work = prepare(app, module)
    env = {
        **os.environ,
        "JINGZHI_FAST_HASHER": "1",
        "JINGZHI_VAR": str(work / "var"),
        "REDIS_URL": "",
        "DATABASE_URL": "",  # SQLite: the pure modules' tests never need PostgreSQL
    }
    print(f"=== mutmut on jingzhi/{app}/{module}.py with {tests.relative_to(ROOT)} ===", flush=True)
    # mutmut names a mutant `jingzhi.<app>.<module>.x_<function>__mutmut_<n>` (methods: `xǁClassǁname`).
    patterns = [f"jingzhi.{app}.{module}.x*{name}__mutmut_*" for name in functions]
    # mutmut draws a progress line many times a second; only the end of it is worth keeping.
    run = subprocess.run(
        [str(BIN / "mutmut"), "run", "--max-children", str(workers), *patterns],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
    )
    print(run.stdout.rsplit("\r", 1)[-1].strip()[-2000:])
    if run.returncode:
        print(run.stderr[-5000:])
    if run.returncode:
        print(f"mutmut exited {run.returncode}")
        return None
    found = statuses(work)
    if patterns:
        found = {name: status for name, status in found.items() if any(fnmatch(name, p) for p in patterns)}
    survivors = sorted(name for name, status in found.items() if status in ("survived", "no tests"))
    killed = sum(1 for status in found.values() if status in ("killed", "caught by type check"))
    return killed, len(found), survivors


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("app")
    parser.add_argument("module", nargs="?", help="one pure module of the app (default: each in turn)")
    parser.add_argument(
        "--functions",
        default="",
        help="comma-separated function names: mutate only these (e.g. the calendar arithmetic)",
    )
    parser.add_argument(
        "--max-children", type=int, default=int(os.environ.get("JINGZHI_MUTATE_WORKERS", "1"))
    )
    args = parser.parse_args()
    modules = [args.module] if args.module else pure_modules(args.app)
    if not modules:
        print(f"{args.app} has no pure module ({', '.join(CONVENTIONAL)}.py)")
        return 1
    lines = []
    for module in modules:
        if not (ROOT / "jingzhi" / args.app / f"{module}.py").exists():
            print(f"jingzhi/{args.app}/{module}.py does not exist")
            return 1
        functions = [name.strip() for name in args.functions.split(",") if name.strip()]
        result = mutate(args.app, module, args.max_children, functions)
        if result is None:
            lines.append(f"{args.app}/{module}.py: not measured (see above)")
            continue
        killed, total, survivors = result
        for name in survivors:
            print(f"\nsurvived: {name}")
            show = [str(BIN / "mutmut"), "show", name]
            work = ROOT / "var" / "mutate" / f"{args.app}-{module}"
            print(subprocess.run(show, cwd=work, capture_output=True, text=True).stdout.strip())
        score = 100 * killed / total if total else 100.0
        lines.append(
            f"{args.app}/{module}.py: {killed}/{total} killed, score {score:.1f}%, {len(survivors)} survived"
        )
    print("\n" + "\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
