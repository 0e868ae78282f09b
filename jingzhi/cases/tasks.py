"""Background jobs of the case loop (django-tasks). They only send reminders: overdue status itself is
computed from stored deadlines at read time, so nothing is wrong when a job has not run."""

from __future__ import annotations

from django_tasks import task


@task()
def send_overdue_reminders() -> int:
    """Remind departments and dispatchers of every step deadline that has passed (once per deadline)."""
    from jingzhi.cases.actions import do_send_overdue_reminders

    return do_send_overdue_reminders(actor=None)


@task()
def notify_case_opened(case_id: int, opened: dict | None = None) -> None:
    """A new report's notices (the reporter's receipt, the operators' or shift leads' alert), sent after
    the intake committed; then the "case opened" hook (`cases.hooks`) with `opened`, the payload intake
    took down (to_state, actor_id, category_id, community_code), so its subscribers' reads run here and
    not in the reporter's request. A job queued without `opened` (before this moved) only notifies: its
    hook was fired by the intake itself."""
    from jingzhi.cases import hooks, workflow
    from jingzhi.cases.actions import send_case_opened_notices

    send_case_opened_notices(case_id)
    if opened is not None:
        hooks.case_changed(case_id=case_id, action=workflow.OPEN, from_state="", **opened)


@task()
def notify_import_summary(source: str, state: str, places: list, actor_id: int | None = None) -> None:
    """The one summary notice per recipient of a bulk import (a hotline file), sent after it committed."""
    from jingzhi.cases.actions.bulk import send_import_summary

    send_import_summary(source, state, places, actor_id)


# The web import page's progress, in the cache (shared across web nodes and workers in production).
IMPORT_PROGRESS_SECONDS = 6 * 3600
SHOWN_PROBLEMS = 200  # problems the page lists; it says how many more there are


def import_progress_key(token: str) -> str:
    return f"jingzhi:hotline-import:{token}"


@task()
def import_hotline_file(path: str, actor_id: int, token: str) -> None:
    """Import a hotline file uploaded on the web page (kept in the default storage at `path`), telling
    its page how far it got through the cache; the file is removed when done, the outcome stays in the
    cache for the page."""
    from django.core.cache import cache
    from django.core.files.storage import default_storage

    from jingzhi.accounts.models import User
    from jingzhi.cases.actions import do_import_hotline_orders
    from jingzhi.core.errors import ApplicationError

    key = import_progress_key(token)
    state = {"stage": "check", "done": 0, "total": 0, "finished": False}

    def progress(stage: str, done: int, total: int) -> None:
        state.update(stage=stage, done=done, total=total)
        cache.set(key, state, IMPORT_PROGRESS_SECONDS)

    actor = User.objects.filter(pk=actor_id, is_active=True).first()
    try:
        with default_storage.open(path, "rb") as handle:
            counts = do_import_hotline_orders(actor=actor, file=handle, progress=progress)
        state.update(finished=True, counts=counts)
    except ApplicationError as exc:
        # A file with problems: its headline once, then each problem once (the message repeats the first
        # twenty after the headline, for interfaces that show only the message).
        problems = [str(p) for p in getattr(exc, "problems", None) or []]
        shown = problems[:SHOWN_PROBLEMS]
        state.update(
            finished=True,
            error=getattr(exc, "summary", "") if shown else exc.message,
            problems=shown,
            more=len(problems) - len(shown),
        )
    finally:
        cache.set(key, state, IMPORT_PROGRESS_SECONDS)
        default_storage.delete(path)


@task()
def fire_cases_opened(case_ids: list[int], actor_id: int | None = None) -> None:
    """The "case opened" hook (`cases.hooks`) for cases opened in bulk, run by the worker: the import
    passes one case per (category, community), all its one subscriber looks at."""
    from jingzhi.cases import hooks, workflow
    from jingzhi.cases.models import Case

    for case_id, state in Case.objects.filter(pk__in=case_ids).values_list("pk", "state"):
        hooks.case_changed(
            case_id=case_id, action=workflow.OPEN, from_state="", to_state=state, actor_id=actor_id
        )
