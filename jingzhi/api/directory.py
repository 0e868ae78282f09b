"""Discovery: what a client must know before it can fill in a form — the categories a report may take (with
their codes, dedup policy and time limits per step), the departments a caller may summon or dispatch to,
and the people an administrator may appoint as a street's chief or steward.

Every list is paginated like the others and scoped to the caller: departments to the districts the caller's
roles cover (and city-wide ones), chief candidates to streets the caller may manage. Nothing personal is
given beyond what staff need to pick a person (id, user name, display name) — never a phone number.
"""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import serializers

from jingzhi.accounts import access
from jingzhi.accounts.models import Department
from jingzhi.api.base import ApiView
from jingzhi.api.pagination import Pagination, paginate
from jingzhi.api.schema import error_responses
from jingzhi.core.errors import PermissionDenied
from jingzhi.taxonomy import limits
from jingzhi.taxonomy.models import Kind, Step
from jingzhi.taxonomy.queries import active_categories

TAGS = [str(gettext_lazy("目录"))]


class StepLimitSerializer(serializers.Serializer):
    step = serializers.ChoiceField(choices=Step.choices)
    step_label = serializers.CharField()
    amount = serializers.FloatField(help_text=gettext_lazy("时限数值"))
    unit = serializers.ChoiceField(choices=limits.TimeUnit.choices)
    text = serializers.CharField(help_text=gettext_lazy("给人看的时限，如“2 工作日”"))


class CategorySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=Kind.choices, help_text=gettext_lazy("部件或事件"))
    code = serializers.CharField()
    name = serializers.CharField()
    level = serializers.CharField(help_text=gettext_lazy("大类、小类或子类"))
    parent = serializers.IntegerField(allow_null=True, help_text=gettext_lazy("上级分类的 id"))
    shiwu_item = serializers.CharField(allow_blank=True, help_text=gettext_lazy("对应的十无事项编码，可为空"))
    dedup_radius_m = serializers.IntegerField(allow_null=True)
    dedup_window_hours = serializers.IntegerField(allow_null=True)
    limits = StepLimitSerializer(
        many=True, help_text=gettext_lazy("各办理环节的时限（已按上级与全局默认补齐）")
    )


class CategoryQuerySerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=Kind.choices, required=False, help_text=gettext_lazy("只列部件或事件")
    )


def _category_row(category) -> dict:
    rows = []
    for step, label in Step.choices:
        limit = limits.limit_for(category, step)
        if limit is not None:
            rows.append(
                {
                    "step": step,
                    "step_label": str(label),
                    "amount": limit.number,
                    "unit": limit.unit,
                    "text": str(limit),
                }
            )
    return {
        "id": category.pk,
        "kind": category.kind,
        "code": category.code,
        "name": category.name,
        "level": category.level,
        "parent": category.parent_id,
        "shiwu_item": category.shiwu_item,
        "dedup_radius_m": category.dedup_radius_m,
        "dedup_window_hours": category.dedup_window_hours,
        "limits": rows,
    }


class CategoryListView(ApiView):
    pagination_class = Pagination

    @extend_schema(
        operation_id="categories_list",
        summary=str(gettext_lazy("案件分类")),
        description=str(
            gettext_lazy(
                "可选用的（启用的）案件分类，按类型与编码排序、分页：编码、层级、上级、查重半径与时段、"
                "各办理环节的时限。上报与立案时的 category 即这里的 id。"
            )
        ),
        parameters=[CategoryQuerySerializer],
        responses={200: CategorySerializer(many=True), **error_responses(400, 404)},
        tags=TAGS,
    )
    def get(self, request):
        query = CategoryQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        rows = active_categories(query.validated_data.get("kind"))
        return paginate(
            self,
            request,
            rows,
            lambda page: CategorySerializer([_category_row(c) for c in page], many=True).data,
        )


class DepartmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    short_name = serializers.CharField(allow_blank=True)
    district_code = serializers.CharField(allow_blank=True, help_text=gettext_lazy("所属区编码；空为全市"))
    is_fallback = serializers.BooleanField(help_text=gettext_lazy("兜底单位"))
    phone = serializers.CharField(allow_blank=True, help_text=gettext_lazy("部门值班电话（非个人电话）"))


def departments_for(user):
    """The active departments a staff member may pick (dispatch, whistle): those of the districts the
    caller's roles cover, the city-wide ones, and the caller's own; all for a superuser."""
    if not access.is_staff_user(user):
        raise PermissionDenied(_("只有工作人员可以查看部门目录"))
    rows = Department.objects.filter(is_active=True).order_by("code")
    codes = access.scope_codes(user)
    if codes is None:
        return rows
    districts = {code[:6] for code in codes if code}
    return rows.filter(
        Q(district_code__in=sorted(districts)) | Q(district_code="") | Q(pk__in=access.department_ids(user))
    )


class DepartmentListView(ApiView):
    pagination_class = Pagination

    @extend_schema(
        operation_id="departments_list",
        summary=str(gettext_lazy("部门")),
        description=str(
            gettext_lazy(
                "您可派遣、可吹哨召集的启用部门（您辖区所在区的部门、全市部门与您所在的部门），按编码排序、分页。"
                "仅工作人员可用（居民 403）。吹哨的 department_ids、派遣的 departments 即这里的 id。"
            )
        ),
        responses={200: DepartmentSerializer(many=True), **error_responses(400, 404)},
        tags=TAGS,
    )
    def get(self, request):
        rows = departments_for(request.user)
        return paginate(self, request, rows, lambda page: DepartmentSerializer(page, many=True).data)


class CandidateSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text=gettext_lazy("任命街巷长、安排小巷管家时的 user"))
    username = serializers.CharField()
    display_name = serializers.CharField(allow_blank=True)


class ChiefCandidateListView(ApiView):
    pagination_class = Pagination

    @extend_schema(
        operation_id="rectification_street_candidates",
        summary=str(gettext_lazy("可任命的人员")),
        description=str(
            gettext_lazy(
                "可任命为该街巷街巷长、可安排为小巷管家的人员：在该街巷所在街道或区有有效角色的在用账号，按用户名排序、分页。"
                "只给 id、用户名与姓名（不含电话）。仅能管理该街巷的管理员可用（403）；街巷不存在或不在辖区内为 404。"
            )
        ),
        responses={200: CandidateSerializer(many=True), **error_responses(400, 404)},
        tags=[str(gettext_lazy("十无一创建"))],
    )
    def get(self, request, code):
        from jingzhi.rectification.permissions import access_street, can_manage_street
        from jingzhi.rectification.queries import chief_candidates

        street = access_street(request.user, code)
        if not can_manage_street(request.user, street.code):
            raise PermissionDenied(_("只有该街巷所在街道或区的管理员可以查看可任命的人员"))
        rows = chief_candidates(street.code).only("id", "username", "display_name")
        return paginate(self, request, rows, lambda page: CandidateSerializer(page, many=True).data)
