"""The snapshot job (django-tasks): fill the months that need it. Run it from cron with
`jingzhi assessment fill` (e.g. every 10 minutes); correctness never depends on it having run recently —
a dashboard shows when its month was last filled."""

from __future__ import annotations

from django_tasks import task


@task()
def fill_due_months() -> list[str]:
    from jingzhi.assessment.actions import do_fill_due

    return [run.month for run in do_fill_due(actor=None)]
