"""The caller's in-app inbox: notifications from the case loop (and any other app), unread first, and
marking them read. Reads and writes go through `core.notifications`; nobody sees another person's inbox."""

from __future__ import annotations

from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from jingzhi.api.base import ApiView
from jingzhi.api.casesapi import serializers as s
from jingzhi.api.pagination import Pagination
from jingzhi.api.schema import error_responses
from jingzhi.core import notifications

TAGS = [str(gettext_lazy("通知"))]


class InboxView(ApiView):
    pagination_class = Pagination

    @extend_schema(
        operation_id="me_inbox",
        summary=str(gettext_lazy("我的通知")),
        description=str(gettext_lazy("您的站内通知，未读在前、新的在前，分页；unread=1 只列未读。")),
        parameters=[s.InboxQuerySerializer],
        responses={200: s.NotificationSerializer(many=True), **error_responses(400, 404)},
        tags=TAGS,
    )
    def get(self, request):
        query = s.InboxQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        rows = notifications.notifications_for(request.user, unread_only=query.validated_data["unread"])
        paginator = Pagination()
        page = paginator.paginate_queryset(rows, request, view=self)
        return paginator.get_paginated_response(s.NotificationSerializer(page, many=True).data)


class InboxReadView(ApiView):
    @extend_schema(
        operation_id="me_inbox_read",
        summary=str(gettext_lazy("标为已读")),
        description=str(
            gettext_lazy(
                "把给出的通知（ids）或全部通知（all=true）标为已读；有任何一个不是您的通知时 404，"
                "一个也不标。"
            )
        ),
        request=s.MarkReadInputSerializer,
        responses={200: s.MarkReadResultSerializer, **error_responses(400, 404)},
        tags=TAGS,
    )
    def post(self, request):
        data = s.MarkReadInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        if data.validated_data.get("all"):
            marked = notifications.do_mark_all_read(actor=request.user)
        else:
            marked = notifications.do_mark_read(
                actor=request.user, notification_ids=data.validated_data["ids"]
            )
        body = {"marked": marked, "unread": notifications.unread_count(request.user)}
        return Response(s.MarkReadResultSerializer(body).data)
