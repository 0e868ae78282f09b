"""督办 reminders for overdue steps, sent by the scheduled task."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from jingzhi.cases import deadlines, permissions, workflow
from jingzhi.cases.models import (
    Case,
    Supervision,
    SupervisionKind,
)
from jingzhi.core import clock, workcalendar
from jingzhi.core.types import Actor

from ._common import _notify, _record, _stamp_overdue, _user, handlers_of, staff_for


def do_send_overdue_reminders(*, actor: Actor = None, now=None, limit: int = 5000) -> int:
    """One reminder (督办 of kind "overdue") per case and step deadline that has passed: notified, put on the
    timeline, stamped `first_overdue_at`. Safe to run as often as cron likes; returns how many were sent."""
    from jingzhi.cases.queries import overdue_cases

    now = now or clock.now()
    sent = 0
    ids = list(
        overdue_cases(None, now=now)
        .exclude(
            supervisions__kind=SupervisionKind.OVERDUE,
            supervisions__step_deadline=F("step_deadline"),
        )
        .values_list("pk", flat=True)[:limit]
    )
    for pk in ids:
        with transaction.atomic():
            case = Case.objects.select_for_update().filter(pk=pk).first()
            if (
                case is None
                or case.state in workflow.FINISHED
                or not case.step_deadline
                or case.step_deadline >= now
            ):
                continue
            if Supervision.objects.filter(
                case=case, kind=SupervisionKind.OVERDUE, step_deadline=case.step_deadline
            ).exists():
                continue
            Supervision.objects.create(
                case=case,
                kind=SupervisionKind.OVERDUE,
                created_by=_user(actor),
                note=_("%(step)s环节已超时") % {"step": workflow.STEP_LABELS.get(case.step, "")},
                step=case.step,
                step_deadline=case.step_deadline,
                created_at=now,
            )
            _stamp_overdue(case, now)
            case.version += 1
            case.updated_at = now
            case.save(update_fields=["first_overdue_at", "version", "updated_at"])
            sla = deadlines.step_sla(case, now)
            _record(
                case,
                actor=actor,
                action=workflow.REMIND,
                from_state=case.state,
                data={
                    "step": case.step,
                    "deadline": case.step_deadline.isoformat(),
                    "overdue_multiple": sla.overdue_multiple,
                },
            )
            departments = permissions.active_department_ids(case)
            recipients = handlers_of(departments) if departments else []
            recipients += staff_for(case, [workflow.DISPATCHER, workflow.SHIFT_LEAD])
            _notify(
                recipients,
                verb="case_overdue",
                title=lambda case=case: _("超时提醒：案件 %(n)s") % {"n": case.number},
                body=lambda case=case: (
                    _("%(step)s环节已超过时限（%(deadline)s）")
                    % {
                        "step": workflow.STEP_LABELS.get(case.step, ""),
                        "deadline": workcalendar._local(case.step_deadline).strftime("%Y-%m-%d %H:%M"),
                    }
                ),
                case=case,
            )
            sent += 1
    return sent
