"""Task letters (任务书): issued, signed by the chief, ended."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from jingzhi.core import audit, clock, hooks
from jingzhi.core.errors import Conflict, InvalidInput, PermissionDenied
from jingzhi.core.types import Actor, RowId
from jingzhi.rectification import permissions, rules
from jingzhi.rectification.hooks import TASK_LETTER_SIGNED
from jingzhi.rectification.models import (
    ChiefAssignment,
    Grade,
    TaskLetter,
)
from jingzhi.rectification.queries import street_link, today
from jingzhi.rectification.verbs import AuditVerb

from ._common import _date, _notify, _street, _text, _user


def do_issue_task_letter(
    *,
    actor: Actor,
    street_code: str,
    title: str,
    targets,
    starts_on,
    due_on,
    target_grade: str = Grade.STANDARD,
) -> TaskLetter:
    street = _street(street_code)
    if actor is not None and not permissions.can_manage_street(actor, street.code):
        raise PermissionDenied(
            _("只有该街巷所在街道或区的管理员可以下达任务书"), fields={"street": street.code}
        )
    title = _text(title, 200)
    if isinstance(targets, str):
        targets = [line.strip() for line in targets.splitlines()]
    targets = [_text(t, 300) for t in (targets or []) if _text(t)]
    if not title:
        raise InvalidInput(_("请填写任务书标题"), fields={"title": "required"})
    if not targets:
        raise InvalidInput(_("任务书至少要有一项目标"), fields={"targets": "required"})
    starts_on = _date(starts_on, "starts_on", _("开始日期"))
    due_on = _date(due_on, "due_on", _("完成日期"))
    if due_on < starts_on:
        raise InvalidInput(
            _("完成日期 %(d)s 早于开始日期 %(s)s") % {"d": due_on, "s": starts_on},
            fields={"due_on": "before_start"},
        )
    if target_grade not in Grade.values or target_grade == Grade.FAILING:
        raise InvalidInput(_("目标等级只能是精品、优美或达标"), fields={"target_grade": "invalid"})
    with transaction.atomic():
        chief = ChiefAssignment.objects.filter(street_code=street.code, is_active=True).first()
        if chief is None:
            raise InvalidInput(
                _("%(s)s尚无在任街巷长，请先任命街巷长再下达任务书") % {"s": street.name},
                fields={"street": "no_chief"},
            )
        active = (
            TaskLetter.objects.select_for_update().filter(street_code=street.code, is_active=True).first()
        )
        if active is not None:
            raise Conflict(
                _("%(s)s已有有效的任务书“%(t)s”（%(a)s 至 %(b)s），请先终止它再下达新的")
                % {"s": street.name, "t": active.title, "a": active.starts_on, "b": active.due_on},
                code="active_task_letter",
                fields={"street": "active_letter"},
            )
        try:
            with transaction.atomic():
                letter = TaskLetter.objects.create(
                    street_code=street.code,
                    chief=chief,
                    title=title,
                    targets=targets,
                    target_grade=target_grade,
                    starts_on=starts_on,
                    due_on=due_on,
                    issued_by=_user(actor),
                )
        except IntegrityError:
            raise Conflict(
                _("%(s)s已有有效的任务书") % {"s": street.name},
                code="active_task_letter",
                fields={"street": "active_letter"},
            ) from None
        audit.record(
            actor=_user(actor),
            verb=AuditVerb.TASK_LETTER_ISSUED,
            target=letter,
            new={
                "street": street.code,
                "chief": chief.user_id,
                "targets": targets,
                "starts_on": starts_on,
                "due_on": due_on,
            },
        )
        _notify(
            [chief.user],
            verb="task_letter_issued",
            title=lambda: _("请签署任务书：%(t)s") % {"t": title},
            link=street_link(street.code),
            target=letter,
        )
    return letter


def do_sign_task_letter(*, actor: Actor, letter_id: RowId) -> TaskLetter:
    with transaction.atomic():
        letter = permissions.access_task_letter(_user(actor), letter_id, for_update=True)
        if actor is not None and not permissions.can_sign_letter(actor, letter):
            raise PermissionDenied(_("任务书须由街巷长本人签署"), fields={"letter": letter.pk})
        if not letter.is_active:
            raise Conflict(_("该任务书已终止，不能签署"), fields={"letter": "ended"})
        if letter.signed_at is not None:
            return letter
        chief = letter.chief
        problem = rules.sign_problem(
            today(), letter.starts_on, chief.started_on, _street(letter.street_code).name
        )
        if problem:
            raise InvalidInput(problem, fields={"letter": "too_early"})
        letter.signed_at = clock.now()
        letter.save(update_fields=["signed_at"])
        audit.record(
            actor=_user(actor),
            verb=AuditVerb.TASK_LETTER_SIGNED,
            target=letter,
            old={"signed_at": None},
            new={"signed_at": letter.signed_at},
        )
        hooks.fire(TASK_LETTER_SIGNED, letter_id=letter.pk)
    return letter


def do_end_task_letter(*, actor: Actor, letter_id: RowId, reason: str) -> TaskLetter:
    with transaction.atomic():
        letter = permissions.access_task_letter(_user(actor), letter_id, for_update=True)
        if actor is not None and not permissions.can_manage_street(actor, letter.street_code):
            raise PermissionDenied(
                _("只有该街巷所在街道或区的管理员可以终止任务书"), fields={"letter": letter.pk}
            )
        reason = _text(reason, 300)
        if not reason:
            raise InvalidInput(_("请填写终止原因"), fields={"reason": "required"})
        if not letter.is_active:
            return letter
        letter.is_active, letter.ended_at, letter.end_reason = False, clock.now(), reason
        letter.save(update_fields=["is_active", "ended_at", "end_reason"])
        audit.record(
            actor=_user(actor),
            verb=AuditVerb.TASK_LETTER_ENDED,
            target=letter,
            old={"is_active": True},
            new={"is_active": False},
            note=reason,
        )
    return letter
