"""Helpers shared by 民意立项's actions: input parsing with field-named errors, the one transition step."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.utils import timezone
from django.utils.translation import gettext as _

from jingzhi.accounts.models import User
from jingzhi.core import audit, clock
from jingzhi.core import hooks as core_hooks
from jingzhi.core.errors import InvalidInput
from jingzhi.projects import hooks, permissions, workflow
from jingzhi.projects.exceptions import ActionNotAllowed
from jingzhi.projects.models import Project, ProjectEvent
from jingzhi.projects.verbs import AuditVerb


def _user(actor):
    return actor if isinstance(actor, User) and actor.pk else None


def _text(value, limit: int | None = None) -> str:
    text = str(value or "").strip()
    return text[:limit] if limit else text


def _required(value, field: str, message: str, limit: int | None = None) -> str:
    text = _text(value, limit)
    if not text:
        raise InvalidInput(message, fields={field: "required"})
    return text


def _moment(value, field: str, label: str) -> datetime:
    if isinstance(value, datetime):
        moment = value
    else:
        try:
            moment = datetime.fromisoformat(str(value).strip())
        except (TypeError, ValueError):
            moment = None
    if moment is None or not 2000 <= moment.year <= 2100:
        raise InvalidInput(
            _("%(label)s应为 2000–2100 年间的日期时间（YYYY-MM-DD HH:MM），收到“%(v)s”")
            % {"label": label, "v": value},
            fields={field: "invalid"},
        )
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


MAX_PHOTOS = 9


def _prepared_photos(photos) -> list:
    """The photos of one meeting or milestone record, read, checked and cleaned before any transaction opens
    (`core.attachments.prepare_images`: JPEG/PNG/WebP by content, size and pixel limits, EXIF stripped);
    InvalidInput naming the file, or the count when there are more than MAX_PHOTOS."""
    from jingzhi.core.attachments import prepare_images

    photos = [p for p in photos or [] if p]
    if len(photos) > MAX_PHOTOS:
        raise InvalidInput(
            _("一次最多上传 %(max)d 张照片，收到 %(n)d 张") % {"max": MAX_PHOTOS, "n": len(photos)},
            code="too_many_photos",
            fields={"photos": "too_many"},
        )
    return prepare_images(photos)


def _amount(value, field: str, label: str) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise InvalidInput(
            _("%(label)s应为数字，收到“%(v)s”") % {"label": label, "v": value}, fields={field: "invalid"}
        ) from None
    if not number.is_finite() or number < 0 or number >= 10**12:
        raise InvalidInput(_("%(label)s应为小于一万亿的非负数") % {"label": label}, fields={field: "invalid"})
    return number


def actor_kinds(actor, project: Project) -> set[str]:
    if actor is None:
        return {workflow.SYSTEM, workflow.OFFICE}
    return permissions.actors_for(actor, project)


def check_step(actor, project: Project, action: str, *, kinds: set[str] | None = None) -> workflow.Transition:
    """The transition `action` takes now, or ActionNotAllowed naming what is possible."""
    t = workflow.transition(project.type, project.state, action)
    held = kinds if kinds is not None else actor_kinds(actor, project)
    if t is None or not (t.actors & held):
        allowed = workflow.allowed_actions(project.type, project.state, held)
        names = "、".join(workflow.action_label(a) for a in allowed) or _("无")
        raise ActionNotAllowed(
            _("项目“%(p)s”当前为“%(s)s”，不能%(a)s；您现在可以：%(allowed)s")
            % {
                "p": project.title,
                "s": workflow.state_label(project.state),
                "a": workflow.action_label(action),
                "allowed": names,
            },
            fields={"action": action, "state": project.state},
            details={"allowed_actions": allowed},
        )
    return t


def step(actor, project: Project, action: str, *, note: str = "", kinds: set[str] | None = None) -> Project:
    """Take `action` on a locked project: check the table, move the state, write the timeline and the audit
    row, fire the hook after commit. Self-loops record the event without a state change."""
    t = check_step(actor, project, action, kinds=kinds)
    old = project.state
    project.state = t.to
    project.changed_at = clock.now()
    project.save(update_fields=["state", "changed_at"])
    ProjectEvent.objects.create(project=project, action=action, from_state=old, to_state=t.to, note=note)
    audit.record(
        actor=_user(actor),
        verb=AuditVerb.PROJECT_TRANSITION,
        target=project,
        old={"state": old},
        new={"state": t.to, "action": action},
        note=note[:500],
    )
    if t.to != old:
        core_hooks.fire(
            hooks.PROJECT_CHANGED,
            project_id=project.pk,
            action=action,
            from_state=old,
            to_state=t.to,
            subdistrict_code=project.subdistrict_code,
        )
    return project
