"""`/api/v1/me/`: who the caller is and which roles they hold where — what a client needs to draw its
navigation. Answers come from `accounts.access`, the same helpers the web pages use."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from jingzhi.accounts import access
from jingzhi.accounts.models import Role, RoleAssignment, ScopeKind
from jingzhi.api.base import ApiView
from jingzhi.api.schema import error_responses


class DepartmentRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()


class RoleOutSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=Role.choices)
    role_label = serializers.CharField(source="get_role_display")
    scope_kind = serializers.ChoiceField(choices=ScopeKind.choices)
    scope_kind_label = serializers.CharField(source="get_scope_kind_display")
    scope_code = serializers.CharField(help_text=_("范围编码；部门范围时为空"))
    department = DepartmentRefSerializer(allow_null=True)


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    display_name = serializers.CharField()
    is_superuser = serializers.BooleanField()
    roles = RoleOutSerializer(many=True)
    scope_codes = serializers.ListField(
        child=serializers.CharField(),
        allow_null=True,
        help_text=_("您所有角色覆盖的地点编码；null 表示不受限制（超级管理员）"),
    )
    can_view_staff_pages = serializers.BooleanField()
    is_staff_user = serializers.BooleanField(help_text=_("是否为政府工作人员（可按需查看诉求人个人信息）"))


class MeView(ApiView):
    @extend_schema(
        operation_id="me",
        summary=str(_("当前用户")),
        description=str(_("当前用户及其有效的角色任命（角色、范围类型、范围编码或部门）。")),
        responses={200: MeSerializer, **error_responses()},
        tags=[str(_("账户"))],
    )
    def get(self, request):
        user = request.user
        assignments = (
            RoleAssignment.objects.filter(user=user, is_active=True)
            .select_related("department")
            .order_by("role", "scope_kind", "scope_code", "id")
        )
        body = {
            "id": user.pk,
            "username": user.username,
            "display_name": user.display_name,
            "is_superuser": user.is_superuser,
            "roles": list(assignments),
            "scope_codes": access.scope_codes(user),
            "can_view_staff_pages": access.can_view_staff_pages(user),
            "is_staff_user": access.is_staff_user(user),
        }
        return Response(MeSerializer(body).data)
