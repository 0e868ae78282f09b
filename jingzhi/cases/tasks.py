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
def notify_case_opened(case_id: int) -> None:
    """A new report's notices (the reporter's receipt, the operators' or shift leads' alert), sent after
    the intake committed."""
    from jingzhi.cases.actions import send_case_opened_notices

    send_case_opened_notices(case_id)


@task()
def notify_cases_opened(case_ids: list[int]) -> None:
    """The notices of many reports opened at once (a hotline import): one job per few hundred cases rather
    than one per case, each case's notices as `notify_case_opened` sends them."""
    from jingzhi.cases.actions import send_case_opened_notices

    for case_id in case_ids:
        send_case_opened_notices(case_id)
