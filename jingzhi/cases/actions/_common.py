"""Helpers shared by the case actions: people to notify, the timeline/audit record, case numbers, clocks.

Nothing here is called from outside `cases.actions`; the package's `__init__` re-exports the public names.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date

from django.db import IntegrityError, connection, transaction
from django.utils.translation import gettext as _

from jingzhi.accounts.models import User
from jingzhi.cases import deadlines, workflow
from jingzhi.cases.models import (
    Case,
    CaseEvent,
    CaseFollower,
    CaseNumberCounter,
    Source,
)
from jingzhi.cases.verbs import AuditVerb
from jingzhi.core import audit, clock, rows
from jingzhi.core.attachments import do_claim_drafts, do_store_image, prepare_images
from jingzhi.core.errors import InvalidInput

logger = logging.getLogger(__name__)

# Sources whose reporter is, by default, the person entering the report.
_SELF_REPORTED = {
    Source.RESIDENT_WEB,
    Source.INSPECTOR,
    Source.PATROL,
    Source.COUNCIL,
    Source.STEWARD,
    Source.STREET_CHIEF,
    Source.ASSESSOR,
    Source.OPEN311,
}


def _user(actor):
    return actor if isinstance(actor, User) and actor.pk else None


def _clean_text(value) -> str:
    return str(value or "").strip()


def case_link(case) -> str:
    """The case's page for notifications, when the web interface has registered one."""
    from django.urls import NoReverseMatch, reverse

    for name in ("web:case_detail", "web:case-detail", "cases:detail"):
        try:
            return reverse(name, args=[case.pk])
        except NoReverseMatch:
            continue
    return ""


def _notify(
    recipients,
    *,
    verb: str,
    title: str | Callable[[], str],
    body: str | Callable[[], str],
    case=None,
    target=None,
) -> None:
    """Through core notifications (sent after commit)."""
    from jingzhi.core.notifications import notify

    unique, seen = [], set()
    for user in recipients:
        if user is not None and user.pk not in seen and getattr(user, "is_active", True):
            seen.add(user.pk)
            unique.append(user)
    if not unique:
        return
    notify(
        recipients=unique,
        verb=verb,
        title=title,
        body=body,
        link=case_link(case) if case else "",
        target=target if target is not None else case,
    )


def staff_for(case, roles) -> list[User]:
    """Active users holding one of `roles` with a jurisdiction covering the case."""
    from jingzhi.accounts.queries import users_covering

    return list(users_covering(case.place_codes, roles))


def handlers_of(department_ids) -> list[User]:
    return list(
        User.objects.filter(
            is_active=True,
            role_assignments__is_active=True,
            role_assignments__role=workflow.HANDLER,
            role_assignments__department_id__in=list(department_ids),
            role_assignments__department__is_active=True,
        ).distinct()
    )


def _residents_of(case) -> list[User]:
    users = [case.reporter] if case.reporter_id else []
    users += [f.user for f in CaseFollower.objects.filter(case_id=case.pk).select_related("user")]
    return users


def _prepare_photos(photos) -> list:
    """Check and clean every upload before the action's transaction opens: a bad picture fails before any
    row is touched, and the slow image work never runs while the audit chain's lock is held."""
    return prepare_images(photos)


def _store_photos(photos, *, actor, event: CaseEvent, kind: str) -> list[int]:
    """Keep each upload on the event through core's attachments; InvalidInput (bad type/size) rolls back the
    whole action."""
    ids = []
    for upload in photos or ():
        attachment = do_store_image(
            actor=_user(actor), upload=upload, owner=("cases.caseevent", event.pk), kind=kind
        )
        ids.append(attachment.pk)
    return ids


def _record(
    case: Case,
    *,
    actor,
    action: str,
    from_state: str,
    note: str = "",
    data: dict | None = None,
    old: dict | None = None,
    new: dict | None = None,
    photos=(),
    photo_kind: str = "before",
    draft_photos=(),
    chain: dict | None = None,
) -> CaseEvent:
    """The timeline event, its photos, then its audit row, all targeting the case (one audit row per event).
    The audit row comes last: appending to the chain takes the chain's lock until commit, so nothing slow
    (image checks, thumbnails) may happen after it. `chain` ({"head": …, "event_id": …}, no photos): the
    audit chain's head and the event's key, read by an earlier statement of the same transaction with
    `audit.head_returning()` and `rows.next_id_returning(CaseEvent)`."""
    now = clock.now()
    event = CaseEvent(
        case=case,
        actor=_user(actor),
        action=action,
        from_state=from_state,
        to_state=case.state,
        note=note,
        data=data or {},
        version=case.version,
        created_at=now,
    )
    # Without photos nothing comes between the event and its audit row: the event's INSERT also locks the
    # audit chain and reads its head (one round trip fewer); storing photos may write audit rows of its own.
    # An intake read the head (and the event's key) with the case's INSERT already: `chain` holds them, and
    # the event, its audit row and whatever the caller adds in its `rows.together()` block go in together.
    if chain is not None:
        event.pk = chain.pop("event_id")
        rows.insert(event)
    elif photos or draft_photos:
        chain = {}
        rows.insert(event)
    else:
        chain = {"head": rows.insert(event, returning=audit.head_returning())}
    attachment_ids = _store_photos(photos, actor=actor, event=event, kind=photo_kind)
    if draft_photos:
        # Photos kept from a failed attempt (core.attachments drafts) join the event as if sent now.
        attachment_ids += do_claim_drafts(
            actor=_user(actor), ids=draft_photos, owner=("cases.caseevent", event.pk), kind=photo_kind
        )
    if attachment_ids:
        event.data = {**event.data, "attachments": attachment_ids}
        event.save(update_fields=["data"])
    audit.record(
        actor=_user(actor),
        verb=AuditVerb.for_action(action),
        target=case,
        old={"state": from_state, **(old or {})},
        new={"state": case.state, "version": case.version, "event": event.pk, **(new or {})},
        note=note,
        **chain,
    )
    return event


def _next_number(day: date, *, returning: list[tuple[str, list]] | None = None):
    """The day's next number in one statement: UPDATE … RETURNING holds the row lock until the intake's
    transaction commits, so numbers stay unique and gapless under concurrency (SQLite ≥ 3.35 and PostgreSQL
    both support RETURNING). With `returning` (expressions, as for `rows.insert`), the same statement also
    reads them and the answer is (number, [their values]). On PostgreSQL the transaction's BEGIN goes with
    it (`rows.together`): one round trip."""
    table = connection.ops.quote_name(CaseNumberCounter._meta.db_table)
    extra_sql = "".join(f", {sql}" for sql, _params in returning or ())
    sql = f"UPDATE {table} SET last = last + 1 WHERE day = %s RETURNING last{extra_sql}"
    params = [connection.ops.adapt_datefield_value(day)]
    for _sql, extra_params in returning or ():
        params.extend(extra_params)
    with connection.cursor() as cursor:
        with rows.together():
            cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        try:
            with transaction.atomic():
                CaseNumberCounter.objects.create(day=day, last=0)
        except IntegrityError:  # another intake created the day's row first
            pass
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            row = cursor.fetchone()
    number = f"JZ{day:%Y%m%d}{row[0]:05d}"
    return number if returning is None else (number, list(row[1:]))


def _set_clock(case: Case, step: str, start) -> None:
    """Start the clock of `step` at `start` with the category's limit (the filing condition's for handling)."""
    if not step:
        case.step, case.step_started_at, case.step_deadline, case.step_limit_unit = "", None, None, ""
        return
    limit = deadlines.limit_of(
        case.category, step, condition=case.filing_condition if step == workflow.STEP_HANDLE else None
    )
    case.step = step
    case.step_started_at = start
    case.step_deadline = deadlines.deadline_for(start, limit)
    case.step_limit_unit = limit.unit if limit else ""


def _start_handle_clock(case: Case, start) -> None:
    limit = deadlines.limit_of(case.category, workflow.STEP_HANDLE, condition=case.filing_condition)
    case.handle_started_at = start
    case.handle_deadline = deadlines.deadline_for(start, limit)
    case.handle_limit_unit = limit.unit if limit else ""


def _follow_handle_clock(case: Case) -> None:
    case.step = workflow.STEP_HANDLE
    case.step_started_at = case.handle_started_at
    case.step_deadline = case.handle_deadline
    case.step_limit_unit = case.handle_limit_unit


def _stamp_overdue(case: Case, now) -> None:
    if case.first_overdue_at is None and case.step_deadline is not None and now > case.step_deadline:
        case.first_overdue_at = case.step_deadline


def _as_category(category):
    from jingzhi.taxonomy.exceptions import UnknownCategory
    from jingzhi.taxonomy.models import Category
    from jingzhi.taxonomy.queries import access_category

    if category is None or category == "":
        return None
    if isinstance(category, Category):
        if not category.is_active:
            raise UnknownCategory(_("案件分类“%(name)s”已停用") % {"name": category.name})
        return category
    return access_category(category)


def _check_description(description) -> str:
    text = _clean_text(description)
    if not text:
        raise InvalidInput(_("请填写问题描述"), fields={"description": "required"})
    limit = deadlines.description_max()
    if len(text) > limit:
        raise InvalidInput(
            _("问题描述共 %(n)d 字，超过上限 %(max)d 字，请精简") % {"n": len(text), "max": limit},
            fields={"description": "too_long"},
        )
    return text
