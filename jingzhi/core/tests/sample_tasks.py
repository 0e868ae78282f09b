"""Module-level tasks for the task and job tests (workers import them by path)."""

from pathlib import Path

from django_tasks import task


@task()
def write_marker(path: str, text: str) -> str:
    Path(path).write_text(text, encoding="utf-8")
    return text


@task()
def append_line(path: str, text: str) -> None:
    """Appends, so a job that ran twice shows two lines."""
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(text + "\n")


@task()
def fail_while(flag: str, path: str) -> None:
    """Fails as long as the file `flag` exists; then appends a line to `path`."""
    if Path(flag).exists():
        raise RuntimeError("the gateway is down")
    with open(path, "a", encoding="utf-8") as handle:
        handle.write("ok\n")
