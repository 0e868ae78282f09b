"""Case endpoints: list (scoped, filtered, paginated), detail, intake, workflow actions, follow, duplicates,
category suggestion, queue counts and the loop diagram. Thin: parse with an input serializer, call a
`cases` query or action, answer through `present`."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.response import Response

from jingzhi.api.base import ApiView, output
from jingzhi.api.casesapi import present
from jingzhi.api.casesapi import serializers as s
from jingzhi.api.pagination import CappedCountPagination, Pagination, paginate
from jingzhi.api.parsers import FormParser, JSONParser, MultiPartParser
from jingzhi.api.schema import ErrorSerializer, error_responses
from jingzhi.cases import actions, permissions, queries, suggest, workflow
from jingzhi.cases.exceptions import ActionNotAllowed
from jingzhi.cases.models import Case, CaseFollower, Source
from jingzhi.core import clock
from jingzhi.core.clientip import client_ip
from jingzhi.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied

TAGS = [str(gettext_lazy("案件"))]
PARSERS = [JSONParser, MultiPartParser, FormParser]
# Warning levels green/yellow need the working calendar per row: evaluated over the nearest deadlines only.


def case_id_or_404(pk: int) -> int:
    if pk > s.MAX_ID:
        raise NotFound(_("案件不存在，或您无权查看（编号 %(id)s）") % {"id": pk})
    return pk


def fetch_for(user, pk: int) -> Case:
    """The case after a write by `user`: through access_case when still visible, else by id (the caller has
    just acted on it, e.g. a department that returned it)."""
    try:
        return permissions.access_case(user, pk)
    except NotFound:
        return queries.detail_queryset(Case.objects.filter(pk=pk)).get()


def multipart_photos(request, data: dict) -> list:
    photos = list(data.get("photos") or [])
    if not photos and hasattr(request, "FILES"):
        photos = request.FILES.getlist("photos")
    return photos


def _local_bounds(day: date, *, end: bool) -> datetime:
    # Clamp so that neither the next day nor the UTC conversion leaves datetime's range.
    day = min(max(day, date(1900, 1, 1)), date(9998, 12, 30))
    if end:
        day = day + timedelta(days=1)
    return timezone.make_aware(datetime.combine(day, time.min))


# ---------------------------------------------------------------------------------------------------- list
class CaseListView(ApiView):
    parser_classes = PARSERS
    pagination_class = CappedCountPagination

    @extend_schema(
        operation_id="cases_list",
        summary=str(gettext_lazy("案件列表")),
        description=str(
            gettext_lazy(
                "您可以查看的案件（按角色与辖区、所属部门、本人上报或关注），可按队列、状态、分类、街道/社区/网格编码、"
                "来源、预警等级、上报日期、关键词与“无人可接”（no_taker）筛选，分页。指定队列时按紧急程度（最早截止）排序，"
                "否则按上报时间倒序。"
            )
        ),
        parameters=[s.CaseListQuerySerializer],
        responses={200: s.CaseListItemSerializer(many=True), **error_responses(400, 404)},
        tags=TAGS,
    )
    def get(self, request):
        query = s.CaseListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        user, now = request.user, clock.now()
        if params.get("queue"):
            qs = queries.queue_for(
                user,
                params["queue"],
                category=params.get("category"),
                source=params.get("source", ""),
                search=params.get("search", ""),
                now=now,
            )
        else:
            qs = queries.cases_visible_to(user)
            if params.get("category"):
                qs = qs.filter(category_id=params["category"])
            if params.get("source"):
                qs = qs.filter(source=params["source"])
            if params.get("search"):
                qs = qs.filter(queries.search_q(params["search"]))
            qs = queries.list_queryset(qs).order_by("-reported_at", "-id")
        if params.get("place"):
            qs = qs.filter(queries.code_q(params["place"]))
        if params.get("state"):
            qs = qs.filter(state=params["state"])
        if params.get("no_taker") is True:
            qs = qs.filter(queries.no_taker_q())
        elif params.get("no_taker") is False:
            qs = qs.exclude(queries.no_taker_q())
        if params.get("reported_from"):
            qs = qs.filter(reported_at__gte=_local_bounds(params["reported_from"], end=False))
        if params.get("reported_to"):
            qs = qs.filter(reported_at__lt=_local_bounds(params["reported_to"], end=True))
        rows = queries.at_warning_level(qs, params["warning"], now) if params.get("warning") else qs
        paginator = CappedCountPagination()
        page = paginator.paginate_queryset(rows, request, view=self)
        return paginator.get_paginated_response(
            s.CaseListItemSerializer([present.list_item(c, now) for c in page], many=True).data
        )


# ---------------------------------------------------------------------------------------------------- intake
def decide_source(user, wanted: str | None) -> str:
    """The source asked for, else the person's default; whether they may use it is `do_open_case`'s rule."""
    return wanted or (permissions.sources_for(user) or [Source.RESIDENT_WEB])[0]


class CaseIntakeMixin:
    def open_case(
        self, request, data: dict, *, source: str, idempotency_key: str = "", external_ref: str = ""
    ):
        user = request.user
        report = {
            "description": data["description"],
            "lon": data["lon"],
            "lat": data["lat"],
            "crs": data.get("crs", "wgs84"),
            "address": data.get("address", ""),
            "category": data.get("category"),
            "filing_condition": data.get("filing_condition"),
            "reporter_name": data.get("reporter_name", ""),
            "reporter_phone": data.get("reporter_phone", ""),
            "request_type": data.get("request_type") or None,
            "urgency": data.get("urgency") or None,
            "duplicate_of": data.get("duplicate_of"),
        }
        # A retry is answered by the action through the unique key (its case, a 422 for the same key with a
        # different report, a 409 for someone else's key): no look first.
        case = actions.do_open_case(
            actor=user,
            source=source,
            idempotency_key=idempotency_key or None,
            external_ref=external_ref or None,
            photos=multipart_photos(request, data),
            **report,
            client_ip=client_ip(request) or "",
        )
        if getattr(case, "replayed", False):  # a concurrent retry with the same key committed first
            return self.replay(user, case), False
        return case, True

    @staticmethod
    def replay(user, existing: Case) -> Case:
        """A replay answers with the case it made (the action has refused someone else's key already)."""
        try:
            return permissions.access_case(user, existing.pk)
        except NotFound:
            return fetch_for(user, existing.pk)


class CaseCollectionView(CaseListView, CaseIntakeMixin):
    @extend_schema(
        operation_id="cases_create",
        summary=str(gettext_lazy("上报问题（受理）")),
        description=str(
            gettext_lazy(
                "新建案件：定位（不在任何网格内时 400，除非配置了兜底区）、按描述推荐分类（有足够已立案案件时用学习模型，"
                "否则用关键词）、开始核实计时。来源由您的角色决定：居民为 resident_web；监督员本人上报（inspector）"
                "直接进入待立案。可用 JSON，或 multipart/form-data 附照片（photos，可多个）。"
                "请求头 Idempotency-Key：同一键、同样内容的重试返回同一案件（200），不重复新建；同一键换了内容为 422。坐标默认 WGS84，"
                "高德/腾讯地图坐标传 crs=gcj02。duplicate_of 关注附近的同类未办结案件而不新建。"
            )
        ),
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                str,
                OpenApiParameter.HEADER,
                required=False,
                description=str(gettext_lazy("幂等键（至多 100 字符）：重试同一提交不会新建案件")),
            )
        ],
        request={"application/json": s.IntakeInputSerializer, "multipart/form-data": s.IntakeInputSerializer},
        responses={
            201: s.CaseDetailSerializer,
            200: OpenApiResponse(
                s.CaseDetailSerializer, description=str(gettext_lazy("幂等重试：已有的案件"))
            ),
            **error_responses(400, 404),
            409: OpenApiResponse(ErrorSerializer, description=str(gettext_lazy("幂等键已被他人使用"))),
            422: OpenApiResponse(
                ErrorSerializer,
                description=str(
                    gettext_lazy("幂等键已用于内容不同的另一份上报（code 为 idempotency_conflict）")
                ),
            ),
        },
        tags=TAGS,
    )
    def post(self, request):
        data = s.IntakeInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        source = decide_source(request.user, data.validated_data.get("source"))
        key = str(request.headers.get("Idempotency-Key", "") or "").strip()
        if len(key) > 100:
            raise InvalidInput(_("Idempotency-Key 至多 100 个字符"), fields={"Idempotency-Key": [_("过长")]})
        case, created = self.open_case(request, data.validated_data, source=source, idempotency_key=key)
        body = output(s.CaseDetailSerializer, present.detail(case, request.user, fresh=created))
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


# ---------------------------------------------------------------------------------------------------- detail
class CaseDetailView(ApiView):
    @extend_schema(
        operation_id="cases_retrieve",
        summary=str(gettext_lazy("案件详情")),
        description=str(
            gettext_lazy(
                "事实、各环节时限与预警（绿/黄/红、超时倍数）、派遣部门与派遣依据、您此刻可办理的动作、照片、时间线、吹哨。"
                "诉求人姓名与电话仅对上报人本人及办理该案件的工作人员给出。不存在与无权查看同为 404。"
            )
        ),
        responses={200: s.CaseDetailSerializer, **error_responses(404)},
        tags=TAGS,
    )
    def get(self, request, pk: int):
        case = permissions.access_case(request.user, case_id_or_404(pk))
        return Response(output(s.CaseDetailSerializer, present.detail(case, request.user)))


# ---------------------------------------------------------------------------------------------------- actions
ACTION_NAMES = [a for a in workflow.ACTIONS if a != workflow.WHISTLE]


def _not_allowed(exc: ActionNotAllowed):
    """The refusal as the API answers it: the actions allowed now go under `details` (machine-readable),
    `fields` stays empty (no input field is at fault)."""
    details = {
        "allowed_actions": exc.allowed,
        "allowed_labels": [str(workflow.action_label(a)) for a in exc.allowed],
        "refused_because": exc.reason,
    }
    if exc.reason == "state":
        return Conflict(exc.message, code="action_not_allowed", details=details)
    return PermissionDenied(exc.message, code="action_not_allowed", details=details)


class CaseActionView(ApiView):
    parser_classes = PARSERS

    @extend_schema(
        operation_id="cases_action",
        summary=str(gettext_lazy("办理动作")),
        description=str(
            gettext_lazy(
                "对案件执行流转表中的一个动作（派核实、核实、立案、派遣、响应、退单、延期、挂账、反馈、核查、回访、评价、"
                "重新办理、督办……）。理由写在 reason，说明写在 note；派遣可指定 departments 与 lead（不指定则按职责清单自动派遣）；"
                "照片用 multipart 的 photos。不允许时：状态不允许为 409，角色不允许为 403，details.allowed_actions 列出您此刻可办理的动作。"
                "expected_version 与当前版本不同时 409（他人已处理，请刷新）。吹哨请用 /api/v1/whistles/。"
            )
        ),
        parameters=[
            OpenApiParameter(
                "action",
                str,
                OpenApiParameter.PATH,
                enum=ACTION_NAMES,
                description=str(gettext_lazy("动作名")),
            )
        ],
        request={"application/json": s.ActionInputSerializer, "multipart/form-data": s.ActionInputSerializer},
        responses={
            200: s.CaseDetailSerializer,
            **error_responses(400, 404),
            409: OpenApiResponse(
                ErrorSerializer, description=str(gettext_lazy("状态不允许此动作，或案件已被他人处理"))
            ),
        },
        tags=TAGS,
    )
    def post(self, request, pk: int, action: str):
        user = request.user
        case = permissions.access_case(user, case_id_or_404(pk))
        if action not in ACTION_NAMES:
            hint = _("吹哨请使用 /api/v1/whistles/。") if action == workflow.WHISTLE else ""
            raise NotFound(
                _("没有“%(action)s”这个动作。%(hint)s") % {"action": action, "hint": hint},
                fields={"action": [_("没有这个动作")]},
                details={"allowed_actions": permissions.allowed_actions_for(user, case)},
            )
        data = s.ActionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = dict(data.validated_data)
        note = (d.pop("reason", "") or "").strip() or (d.pop("note", "") or "").strip()
        d.pop("reason", None)
        d.pop("note", None)
        if action in (workflow.RATE, workflow.CALLBACK):
            d["comment"] = note
        photos = multipart_photos(request, d)
        d.pop("photos", None)
        expected = d.pop("expected_version", None)
        if not d.get("departments"):
            d.pop("departments", None)
        try:
            actions.do_transition(
                actor=user,
                case_id=case.pk,
                action=action,
                expected_version=expected,
                note=note,
                photos=photos,
                **d,
            )
        except ActionNotAllowed as exc:
            raise _not_allowed(exc) from None
        return Response(output(s.CaseDetailSerializer, present.detail(fetch_for(user, case.pk), user)))


# ---------------------------------------------------------------------------------------------------- lookups
class DuplicatesView(ApiView):
    pagination_class = Pagination

    @extend_schema(
        operation_id="cases_duplicates",
        summary=str(gettext_lazy("附近的重复案件")),
        description=str(
            gettext_lazy(
                "同一分类、未办结、在该分类查重半径与时段内的案件，最近的在前。上报前给居民看，可选择关注其一"
                "（上报时传 duplicate_of）而不新建。只给出编号、状态、分类、描述前 100 字与距离，不含诉求人信息。"
            )
        ),
        parameters=[s.DuplicatesQuerySerializer],
        responses={200: s.DuplicateSerializer(many=True), **error_responses(400, 404)},
        tags=TAGS,
    )
    def get(self, request):
        from jingzhi.taxonomy.queries import access_category

        query = s.DuplicatesQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        p = query.validated_data
        category = access_category(p["category"])
        lon, lat = p["lon"], p["lat"]
        if p["crs"] == "gcj02":
            from jingzhi.geo.coords import gcj02_to_wgs84

            lon, lat = gcj02_to_wgs84(lon, lat)
        found = queries.find_duplicates(category, lon, lat)
        followers = dict(
            CaseFollower.objects.filter(case_id__in=[c.pk for c, _m in found])
            .values("case_id")
            .annotate(n=Count("id"))
            .values_list("case_id", "n")
        )
        body = [
            {
                "id": c.pk,
                "number": c.number,
                "state": c.state,
                "state_label": c.state_label,
                "category": present.category_ref(c.category),
                "description": c.description[:100],
                "reported_at": c.reported_at,
                "distance_m": metres,
                "follower_count": followers.get(c.pk, 0),
            }
            for c, metres in found
        ]
        return paginate(self, request, body, lambda page: s.DuplicateSerializer(page, many=True).data)


class SuggestCategoryView(ApiView):
    @extend_schema(
        operation_id="cases_suggest_category",
        summary=str(gettext_lazy("分类推荐")),
        description=str(
            gettext_lazy(
                "按问题描述推荐分类，并给出推荐依据的词。本系统已立案案件足够时用学习模型（jieba 分词 + TF-IDF + 逻辑回归，"
                "依据词为把预测推向该分类最多的词），其余名额与未训练时用各分类的关键词。"
            )
        ),
        parameters=[s.SuggestQuerySerializer],
        responses={200: s.SuggestResultSerializer, **error_responses(400)},
        tags=TAGS,
    )
    def get(self, request):
        query = s.SuggestQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        results = suggest.suggestions(query.validated_data["text"], query.validated_data["limit"])
        info = suggest.model_info()
        body = {
            "results": [
                {
                    "category": present.category_ref(r.category),
                    "score": r.score,
                    "words": r.words,
                    "source": r.source,
                }
                for r in results
            ],
            "model": {
                "trained": info is not None,
                "trained_at": (info or {}).get("trained_at", ""),
                "n_cases": (info or {}).get("n_cases", 0),
                "accuracy": (info or {}).get("accuracy"),
            },
        }
        return Response(s.SuggestResultSerializer(body).data)


class QueueCountsView(ApiView):
    pagination_class = Pagination

    @extend_schema(
        operation_id="cases_queues",
        summary=str(gettext_lazy("工作队列计数")),
        description=str(
            gettext_lazy(
                "各工作队列中您可见的案件数（待核实、待立案、待派遣、待响应、处置中、挂账、待核查、待回访、督办、已结案），"
                "与其他列表一样分页。"
            )
        ),
        responses={200: s.QueueCountSerializer(many=True), **error_responses(404)},
        tags=TAGS,
    )
    def get(self, request):
        counts = queries.queue_counts(request.user)
        body = [{"name": name, "label": queries.queue_label(name), "count": n} for name, n in counts.items()]
        return paginate(self, request, body, lambda page: s.QueueCountSerializer(page, many=True).data)
