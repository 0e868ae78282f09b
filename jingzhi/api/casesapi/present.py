"""Cases as the API shows them: plain dicts for the output serializers, built from rows the queries already
pre-joined. The one place that decides what of a case a caller sees — reporter name and phone only when
`permissions.can_view_reporter`, and on the timeline the reporter's own actions are shown as "上报人" to
anyone else, so identity cannot leak through the back door of the event list."""

from __future__ import annotations

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from jingzhi.cases import deadlines, permissions, queries, workflow
from jingzhi.cases.models import CaseFollower, Source
from jingzhi.core import clock
from jingzhi.core.text import in_reader_language

SOURCE_LABELS = dict(Source.choices)


def ref(obj) -> dict | None:
    if obj is None:
        return None
    return {"id": obj.pk, "code": obj.code, "name": obj.name}


def category_ref(category) -> dict | None:
    if category is None:
        return None
    return {
        "id": category.pk,
        "code": category.code,
        "name": category.name,
        "kind": category.kind,
        "path": category.path_name,
    }


def warning(sla) -> dict:
    return {
        "level": sla.level,
        "label": sla.label,
        "fraction_used": round(float(sla.fraction_used), 3),
        "overdue_multiple": float(sla.overdue_multiple),
        "deadline": sla.deadline,
    }


def _place_name(case) -> str:
    for level in ("grid", "community", "subdistrict", "district"):
        if getattr(case, f"{level}_id", None):
            return getattr(case, level).name
    return ""


def list_item(case, now=None) -> dict:
    now = now or clock.now()
    return {
        "id": case.pk,
        "number": case.number,
        "state": case.state,
        "state_label": case.state_label,
        "source": case.source,
        "source_label": str(SOURCE_LABELS.get(case.source, case.source)),
        "category": category_ref(case.category),
        "description": case.description,
        "address": case.address,
        "lon": case.lon,
        "lat": case.lat,
        "grid_code": case.grid_code,
        "community_code": case.community_code,
        "subdistrict_code": case.subdistrict_code,
        "district_code": case.district_code,
        "street_code": case.street_code,
        "place_name": _place_name(case),
        "reported_at": case.reported_at,
        "step": case.step,
        "step_label": str(workflow.STEP_LABELS.get(case.step, "")) if case.step else "",
        "step_deadline": case.step_deadline,
        "warning": warning(deadlines.step_sla(case, now)),
        "lead_department": ref(case.lead_department),
        "is_escalated": case.is_escalated,
        "no_taker": (no_taker := queries.has_no_taker(case)),
        "no_taker_reason": workflow.no_taker_reason(case.state) if no_taker else "",
        "version": case.version,
    }


def photo_urls(pk: int) -> tuple[str, str]:
    try:
        return reverse("web:attachment", args=[pk, "full"]), reverse("web:attachment", args=[pk, "thumb"])
    except NoReverseMatch:  # the web interface is not installed: the API still lists the photo
        return "", ""


def _actor_name(event, case, show_reporter: bool) -> str:
    if event.actor_id is None:
        return _("系统")
    if event.actor_id == case.reporter_id and not show_reporter:
        return _("上报人")
    actor = event.actor
    return actor.display_name or actor.username


# Event data that may carry personal details; never shown to someone who may not see the reporter.
_PERSONAL_KEYS = {"reporter_name", "reporter_phone", "phone"}


def detail(case, user, now=None, *, fresh: bool = False) -> dict:
    """The case page's body. `fresh`: the case was opened by this very request and is the in-memory row
    intake returned — nothing can hang on it yet (no whistles, followers or assignments), so those
    reads are skipped and the case is not read back."""
    from jingzhi.cases.queries import timeline, whistles_of

    now = now or clock.now()
    show_reporter = permissions.can_view_reporter(user, case)
    body = list_item(case, now)
    events = getattr(case, "intake_timeline", None) if fresh else None
    events = timeline(case) if events is None else events
    photos, rows = [], []
    for event in events:
        ids = []
        for item in getattr(event, "attachments_list", []):
            url, thumb = photo_urls(item.pk)
            photos.append(
                {
                    "id": item.pk,
                    "kind": item.kind,
                    "url": url,
                    "thumbnail_url": thumb,
                    "event": event.pk,
                    "width": item.width,
                    "height": item.height,
                }
            )
            ids.append(item.pk)
        data = {k: v for k, v in (event.data or {}).items() if show_reporter or k not in _PERSONAL_KEYS}
        rows.append(
            {
                "id": event.pk,
                "action": event.action,
                "action_label": event.action_label,
                "from_state": event.from_state,
                "to_state": event.to_state,
                "actor": _actor_name(event, case, show_reporter),
                "note": event.note,
                "data": data,
                "photos": ids,
                "created_at": event.created_at,
            }
        )
    assignments = sorted(getattr(case, "active_assignments", []), key=lambda a: (not a.is_lead, a.pk))
    allowed = permissions.allowed_actions_for(user, case)
    condition = case.filing_condition
    whistles = []
    for whistle in [] if fresh else whistles_of(case):
        whistles.append(
            {
                "id": whistle.pk,
                "subdistrict_code": whistle.subdistrict_code,
                "blown_at": whistle.blown_at,
                "limit_minutes": whistle.limit_minutes,
                "note": whistle.note,
                "cases": list(whistle.cases.values_list("pk", flat=True)),
                "summonses": [summons_dict(s, whistle) for s in whistle.summonses.all()],
            }
        )
    body.update(
        {
            "facts": {
                "filing_condition": {
                    "id": condition.pk,
                    "text": condition.text,
                    "level": getattr(condition, "level", ""),
                }
                if condition
                else None,
                "request_type": case.request_type.name if case.request_type_id else "",
                "urgency": case.urgency.name if case.urgency_id else "",
                "verified_at": case.verified_at,
                "filed_at": case.filed_at,
                "dispatched_at": case.dispatched_at,
                "responded_at": case.responded_at,
                "handled_at": case.handled_at,
                "checked_at": case.checked_at,
                "closed_at": case.closed_at,
                "first_overdue_at": case.first_overdue_at,
                "return_count": case.return_count,
                "rework_count": case.rework_count,
                "reopen_count": case.reopen_count,
                "extension_days": case.extension_days,
                "supervision_count": case.supervision_count,
                "parked_until": case.parked_until,
                "rating": case.rating,
                "rating_comment": case.rating_comment,
                "rated_at": case.rated_at,
                "merged_into": {"id": case.merged_into.pk, "number": case.merged_into.number}
                if case.merged_into_id
                else None,
                "external_ref": case.external_ref,
            },
            "deadlines": {
                "step_started_at": case.step_started_at,
                "step_deadline": case.step_deadline,
                "response_deadline": case.response_deadline,
                "handle_started_at": case.handle_started_at,
                "handle_deadline": case.handle_deadline,
                "feedback_deadline": case.feedback_deadline,
                "handle_warning": warning(deadlines.handle_sla(case, now)),
            },
            "routing": case.routing or {},
            "routing_reason": in_reader_language(
                (case.routing or {}).get("reasons"), (case.routing or {}).get("reason", "") or ""
            ),
            "departments": [
                {
                    **ref(a.department),
                    "is_lead": a.is_lead,
                    "assigned_at": a.assigned_at,
                    "accepted_at": a.accepted_at,
                }
                for a in assignments
            ],
            "allowed_actions": [
                {
                    "action": a,
                    "label": workflow.action_label(a),
                    "requires": list(workflow.TRANSITIONS[(case.state, a)].requires),
                }
                for a in allowed
            ],
            "suggestion": case.suggestion or [],
            "photos": photos,
            "timeline": rows,
            "whistles": whistles,
            "reporter": {"name": case.reporter_name, "phone": case.reporter_phone} if show_reporter else None,
            "is_following": False
            if fresh
            else CaseFollower.objects.filter(case_id=case.pk, user_id=user.pk).exists(),
        }
    )
    return body


def summons_dict(summons, whistle=None, cases=None) -> dict:
    """One summons, saying what it is for: its whistle, the whistle's cases (id and number) and note."""
    whistle = whistle or summons.whistle
    if cases is None:
        cases = [{"id": c.pk, "number": c.number} for c in whistle.cases.all()]
    minutes = None
    if summons.reported_at is not None:
        minutes = round((summons.reported_at - whistle.blown_at).total_seconds() / 60, 1)
    return {
        "id": summons.pk,
        "department": ref(summons.department),
        "report_deadline": summons.report_deadline,
        "reported_at": summons.reported_at,
        "report_place": summons.report_place,
        "is_late": workflow.report_is_late(summons.report_deadline, summons.reported_at, clock.now()),
        "minutes_taken": minutes,
        "rating": summons.rating,
        "comment": summons.comment,
        "whistle": whistle.pk,
        "cases": cases,
        "note": whistle.note,
    }
