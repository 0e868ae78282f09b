"""街乡吹哨、部门报到 over the API: a subdistrict administrator blows the whistle on cases, summoned
departments report in (time now, place or position), the subdistrict rates each response. The caller's
pending summonses are listed for the handler's phone."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from jingzhi.api.base import ApiView
from jingzhi.api.casesapi import present
from jingzhi.api.casesapi import serializers as s
from jingzhi.api.casesapi.serializers import conflict
from jingzhi.api.pagination import Pagination
from jingzhi.api.schema import error_responses
from jingzhi.cases import actions, permissions, queries
from jingzhi.cases.exceptions import ActionNotAllowed
from jingzhi.cases.models import WhistleSummons
from jingzhi.core.errors import NotFound

TAGS = [str(gettext_lazy("吹哨报到"))]


def whistle_body(whistle) -> dict:
    summonses = WhistleSummons.objects.filter(whistle=whistle).select_related("department").order_by("id")
    cases = [{"id": c.pk, "number": c.number} for c in whistle.cases.order_by("id")]
    return {
        "id": whistle.pk,
        "subdistrict_code": whistle.subdistrict_code,
        "blown_at": whistle.blown_at,
        "limit_minutes": whistle.limit_minutes,
        "note": whistle.note,
        "cases": [c["id"] for c in cases],
        "summonses": [present.summons_dict(x, whistle, cases) for x in summonses],
    }


def _summons_id(pk: int) -> int:
    if pk > s.MAX_ID:
        raise NotFound(_("报到通知不存在，或不属于您的部门"))
    return pk


class WhistleView(ApiView):
    @extend_schema(
        operation_id="whistles_create",
        summary=str(gettext_lazy("吹哨")),
        description=str(
            gettext_lazy(
                "街道管理员就本街道的一件或几件未办结案件召集部门，各部门须在时限内（默认 30 分钟）到场报到。"
                "不在您辖区的案件为 404；无权吹哨时 403，details.allowed_actions 列出您可办理的动作。"
            )
        ),
        request=s.WhistleInputSerializer,
        responses={201: s.WhistleSerializer, **error_responses(400, 404)},
        tags=TAGS,
    )
    def post(self, request):
        data = s.WhistleInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        try:
            whistle = actions.do_blow_whistle(
                actor=request.user,
                case_ids=v["case_ids"],
                department_ids=v["department_ids"],
                limit_minutes=v.get("limit_minutes"),
                note=v.get("note", ""),
            )
        except ActionNotAllowed as exc:
            from jingzhi.api.casesapi.views import _not_allowed

            raise _not_allowed(exc) from None
        return Response(s.WhistleSerializer(whistle_body(whistle)).data, status=status.HTTP_201_CREATED)


class ReportInView(ApiView):
    @extend_schema(
        operation_id="whistles_report_in",
        summary=str(gettext_lazy("部门报到")),
        description=str(
            gettext_lazy(
                "被召集部门的处置人员报到：时间取当前，须给出到场地点或定位（WGS84）。"
                "迟于时限的报到标为迟到。重复报到 409。"
            )
        ),
        request=s.ReportInInputSerializer,
        responses={
            200: s.WhistleSummonsSerializer,
            **error_responses(400, 404),
            **conflict(gettext_lazy("已报到过 / 已评价过")),
        },
        tags=TAGS,
    )
    def post(self, request, pk: int):
        data = s.ReportInInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        summons = actions.do_report_in(
            actor=request.user,
            summons_id=_summons_id(pk),
            lon=v.get("lon"),
            lat=v.get("lat"),
            place=v.get("place", ""),
        )
        return Response(s.WhistleSummonsSerializer(present.summons_dict(summons)).data)


class RateWhistleView(ApiView):
    @extend_schema(
        operation_id="whistles_rate",
        summary=str(gettext_lazy("评价部门报到")),
        description=str(
            gettext_lazy(
                "本街道管理员为被召集部门的响应评分（1–5），计入部门考核。每个部门只评一次（再评 409）。"
            )
        ),
        request=s.RateWhistleInputSerializer,
        responses={
            200: s.WhistleSummonsSerializer,
            **error_responses(400, 404),
            **conflict(gettext_lazy("已报到过 / 已评价过")),
        },
        tags=TAGS,
    )
    def post(self, request, pk: int):
        data = s.RateWhistleInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        summons = WhistleSummons.objects.select_related("whistle").filter(pk=_summons_id(pk)).first()
        # Someone who may not rate it learns nothing about whether it exists.
        if summons is None or not permissions.can_rate_whistle(request.user, summons.whistle):
            raise NotFound(_("报到记录不存在，或不在您的街道"))
        summons = actions.do_rate_whistle_response(
            actor=request.user,
            summons_id=summons.pk,
            rating=data.validated_data["rating"],
            comment=data.validated_data.get("comment", ""),
        )
        return Response(s.WhistleSummonsSerializer(present.summons_dict(summons)).data)


class PendingQuerySerializer(serializers.Serializer):
    pending = serializers.BooleanField(
        required=False, default=False, help_text=gettext_lazy("为 1 时只列未报到的")
    )


class MySummonsesView(ApiView):
    pagination_class = Pagination

    @extend_schema(
        operation_id="me_summonses",
        summary=str(gettext_lazy("我部门的报到通知")),
        description=str(gettext_lazy("您所在部门被召集的报到通知，最近截止的在前；pending=1 只列未报到的。")),
        parameters=[PendingQuerySerializer],
        responses={200: s.WhistleSummonsSerializer(many=True), **error_responses(400, 404)},
        tags=TAGS,
    )
    def get(self, request):
        query = PendingQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        rows = queries.summonses_for(request.user, pending_only=query.validated_data["pending"])
        rows = rows.prefetch_related("whistle__cases")
        paginator = Pagination()
        page = paginator.paginate_queryset(rows, request, view=self)
        return paginator.get_paginated_response(
            s.WhistleSummonsSerializer([present.summons_dict(x) for x in page], many=True).data
        )
