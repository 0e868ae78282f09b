"""12345 hotline work orders: one order at a time (`POST /api/v1/hotline/orders/`, the hotline system's
push) or a whole file (`POST /api/v1/hotline/import/`, all or nothing). The order number is kept as the
case's external_ref, so posting the same order again answers with the case already made (200), never a
duplicate."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.response import Response

from jingzhi.api.base import ApiView, output
from jingzhi.api.casesapi import present
from jingzhi.api.casesapi import serializers as s
from jingzhi.api.casesapi.views import CaseIntakeMixin
from jingzhi.api.parsers import FormParser, JSONParser, MultiPartParser
from jingzhi.api.schema import ErrorSerializer, error_responses
from jingzhi.cases import actions, permissions
from jingzhi.cases.models import Source
from jingzhi.core.errors import PermissionDenied

TAGS = [str(gettext_lazy("12345 热线"))]


def require_hotline_operator(user) -> None:
    if not permissions.can_import_hotline(user):
        raise PermissionDenied(_("只有受理员、值班长或区管理员可以录入热线工单"))


class HotlineOrderView(ApiView, CaseIntakeMixin):
    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="hotline_order",
        summary=str(gettext_lazy("接收一张热线工单")),
        description=str(
            gettext_lazy(
                "把一张 12345 工单建成案件（来源 hotline），工单编号保存为 external_ref。同一工单编号再次提交时返回已有案件"
                "（200），不会重复新建。诉求人姓名与电话照存，仅办理该案件的工作人员可见。需要受理员、值班长或区管理员角色。"
            )
        ),
        request=s.HotlineOrderInputSerializer,
        responses={
            201: s.CaseDetailSerializer,
            200: OpenApiResponse(
                s.CaseDetailSerializer, description=str(gettext_lazy("该工单已受理过：已有的案件"))
            ),
            **error_responses(400, 404),
            409: OpenApiResponse(
                ErrorSerializer, description=str(gettext_lazy("该工单编号已由辖区外的人员录入"))
            ),
        },
        tags=TAGS,
    )
    def post(self, request):
        require_hotline_operator(request.user)
        data = s.HotlineOrderInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        case, created = self.open_case(
            request, values, source=Source.HOTLINE, external_ref=values["order_number"]
        )
        body = output(s.CaseDetailSerializer, present.detail(case, request.user, fresh=created))
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class HotlineImportView(ApiView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        operation_id="hotline_import",
        summary=str(gettext_lazy("批量导入热线工单")),
        description=str(
            gettext_lazy(
                "上传 Excel 或 CSV（列：工单编号、诉求内容、经度、纬度必填；坐标系、地址、诉求类型、紧急程度、分类编码、"
                "分类类型、诉求人、联系电话可选）。全部通过才写入：有问题时 400，fields.problems 逐条列出行号与原因，"
                "一张也不导入。已导入过的工单跳过。"
            )
        ),
        request={"multipart/form-data": s.HotlineImportInputSerializer},
        responses={200: s.HotlineImportResultSerializer, **error_responses(400)},
        tags=TAGS,
    )
    def post(self, request):
        require_hotline_operator(request.user)
        data = s.HotlineImportInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        upload = data.validated_data["file"]
        # A file that is neither .xlsx nor CSV is refused by the shared tabular layer (400, code "invalid").
        counts = actions.do_import_hotline_orders(actor=request.user, file=upload)
        return Response(s.HotlineImportResultSerializer(counts).data)
