"""一街一策: each street's rectification plan and its items, linked to cases."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from jingzhi.accounts.models import User
from jingzhi.core import audit, clock
from jingzhi.core.errors import InvalidInput, NotFound, PermissionDenied
from jingzhi.core.ids import parse_id
from jingzhi.core.text import listing
from jingzhi.core.types import Actor, RowId
from jingzhi.rectification import permissions
from jingzhi.rectification.models import (
    PlanItem,
    StandardItem,
    StreetPlan,
)
from jingzhi.rectification.verbs import AuditVerb

from ._common import _date, _street, _text, _user


def do_save_plan(*, actor: Actor, street_code: str, title: str, summary: str = "") -> StreetPlan:
    street = _street(street_code)
    if actor is not None and not permissions.can_manage_street(actor, street.code):
        raise PermissionDenied(
            _("只有该街巷所在街道或区的管理员可以制定一街一策"), fields={"street": street.code}
        )
    title = _text(title, 200)
    if not title:
        raise InvalidInput(_("请填写方案标题"), fields={"title": "required"})
    with transaction.atomic():
        plan = StreetPlan.objects.select_for_update().filter(street_code=street.code).first()
        if plan is None:
            plan = StreetPlan.objects.create(
                street_code=street.code, title=title, summary=_text(summary), created_by=_user(actor)
            )
            audit.record(
                actor=_user(actor),
                verb=AuditVerb.PLAN_CREATED,
                target=plan,
                new={"street": street.code, "title": title},
            )
        elif (plan.title, plan.summary) != (title, _text(summary)):
            old = {"title": plan.title, "summary": plan.summary}
            plan.title, plan.summary = title, _text(summary)
            plan.save(update_fields=["title", "summary"])
            audit.record(
                actor=_user(actor),
                verb=AuditVerb.PLAN_UPDATED,
                target=plan,
                old=old,
                new={"title": title, "summary": plan.summary},
            )
    return plan


def _cases_for(actor, street_code: str, case_ids) -> list:
    from jingzhi.cases.models import Case
    from jingzhi.cases.queries import cases_visible_to

    ids = []
    for value in case_ids or []:
        pk = parse_id(str(value).strip() if isinstance(value, str) else value)
        if pk is None:
            raise InvalidInput(_("案件编号“%(v)s”无效") % {"v": value}, fields={"cases": "invalid"})
        ids.append(pk)
    if not ids:
        return []
    qs = Case.objects.all() if actor is None else cases_visible_to(actor)
    found = list(qs.filter(pk__in=ids, street_code=street_code))
    missing = sorted(set(ids) - {c.pk for c in found})
    if missing:
        raise InvalidInput(
            _("案件不存在、不在本街巷或您无权查看：%(ids)s") % {"ids": listing(map(str, missing))},
            fields={"cases": missing},
        )
    return found


def do_add_plan_item(
    *,
    actor: Actor,
    street_code: str,
    text: str,
    owner_name: str,
    deadline,
    standard_code: str = "",
    owner: User | None = None,
    case_ids=(),
) -> PlanItem:
    street = _street(street_code)
    if actor is not None and not permissions.can_manage_street(actor, street.code):
        raise PermissionDenied(
            _("只有该街巷所在街道或区的管理员可以修改一街一策"), fields={"street": street.code}
        )
    text, owner_name = _text(text, 300), _text(owner_name, 100)
    if not text:
        raise InvalidInput(_("请填写整治内容"), fields={"text": "required"})
    if not owner_name and owner is not None:
        owner_name = owner.display_name or owner.username
    if not owner_name:
        raise InvalidInput(_("请填写责任单位或责任人"), fields={"owner_name": "required"})
    deadline = _date(deadline, "deadline", _("完成期限"))
    standard_code = _text(standard_code, 48)
    if standard_code and not StandardItem.objects.filter(code=standard_code).exists():
        raise InvalidInput(
            _("十无事项编码“%(c)s”不存在") % {"c": standard_code}, fields={"standard_code": "unknown"}
        )
    cases = _cases_for(actor, street.code, case_ids)
    with transaction.atomic():
        plan = StreetPlan.objects.filter(street_code=street.code).first()
        if plan is None:
            plan = StreetPlan.objects.create(
                street_code=street.code,
                title=_("%(s)s一街一策") % {"s": street.name},
                created_by=_user(actor),
            )
            audit.record(
                actor=_user(actor),
                verb=AuditVerb.PLAN_CREATED,
                target=plan,
                new={"street": street.code, "title": plan.title},
            )
        item = PlanItem.objects.create(
            plan=plan,
            text=text,
            owner_name=owner_name,
            owner=owner,
            deadline=deadline,
            standard_code=standard_code,
        )
        if cases:
            item.cases.set(cases)
        audit.record(
            actor=_user(actor),
            verb=AuditVerb.PLAN_ITEM_ADDED,
            target=item,
            new={"text": text, "owner": owner_name, "deadline": deadline, "cases": [c.pk for c in cases]},
        )
    return item


def do_update_plan_item(
    *, actor: Actor, item_id: RowId, progress=None, note: str = "", case_ids=None
) -> PlanItem:
    with transaction.atomic():
        item = (
            PlanItem.objects.select_for_update().select_related("plan").filter(pk=parse_id(item_id)).first()
        )
        if item is None or (
            actor is not None
            and not permissions.can_view_street(actor, item.plan.street_code)
            and item.owner_id != getattr(actor, "pk", None)
        ):
            raise NotFound(_("整治事项不存在，或不在您的辖区（编号 %(id)s）") % {"id": item_id})
        if actor is not None and not permissions.can_update_plan_item(actor, item.plan.street_code, item):
            raise PermissionDenied(
                _("只有责任人、街巷长或管理员可以更新该事项的进度"), fields={"item": item.pk}
            )
        old = {"progress": item.progress, "note": item.progress_note}
        if progress not in (None, ""):
            try:
                progress = int(progress)
            except (TypeError, ValueError):
                raise InvalidInput(_("进度应为 0 到 100 的整数"), fields={"progress": "invalid"}) from None
            if not 0 <= progress <= 100:
                raise InvalidInput(_("进度应为 0 到 100 的整数"), fields={"progress": "range"})
            item.progress = progress
        if note:
            item.progress_note = _text(note, 300)
        if case_ids is not None:
            cases = _cases_for(actor, item.plan.street_code, case_ids)
            item.cases.set(cases)
        item.updated_at = clock.now()
        item.save(update_fields=["progress", "progress_note", "updated_at"])
        audit.record(
            actor=_user(actor),
            verb=AuditVerb.PLAN_ITEM_UPDATED,
            target=item,
            old=old,
            new={
                "progress": item.progress,
                "note": item.progress_note,
                **({"cases": list(case_ids)} if case_ids is not None else {}),
            },
        )
    return item
