"""Admin pages for people and their roles. Role assignments made here are checked by the same rules as
`actions.do_assign_role` and every change made through the admin leaves an audit row. API keys are never
shown: a token is created with `jingzhi create-token` (which prints the key once) and can be revoked here."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from jingzhi.accounts import access, actions, rules
from jingzhi.accounts.models import ApiToken, Department, RoleAssignment, User
from jingzhi.accounts.verbs import AuditVerb
from jingzhi.core import audit


def _changed(form) -> dict:
    return {
        name: form.cleaned_data.get(name)
        for name in form.changed_data
        if name not in ("password", "password1", "password2")
    }


class AuditedAdmin(admin.ModelAdmin):
    """Records an audit row for every add, change and delete made through the admin (inside the admin's
    own transaction)."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        audit.record(
            actor=request.user,
            verb=AuditVerb.ADMIN_CHANGED if change else AuditVerb.ADMIN_CREATED,
            target=obj,
            new={k: str(v) for k, v in _changed(form).items()},
            note=str(_("经管理后台")),
        )

    def delete_model(self, request, obj):
        audit.record(
            actor=request.user,
            verb=AuditVerb.ADMIN_DELETED,
            target=obj,
            old={"str": str(obj)},
            note=str(_("经管理后台")),
        )
        super().delete_model(request, obj)


class RoleAssignmentForm(forms.ModelForm):
    def __init__(self, *args, actor=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.actor = actor

    class Meta:
        model = RoleAssignment
        fields = ["user", "role", "scope_kind", "scope_code", "department", "is_active"]

    def clean(self):
        data = super().clean()
        if data.get("role") and data.get("scope_kind"):
            problems = rules.assignment_problems(
                role=data["role"],
                scope_kind=data["scope_kind"],
                scope_code=(data.get("scope_code") or "").strip(),
                has_department=data.get("department") is not None,
            )
            for field, msgs in problems.items():
                for msg in msgs:
                    self.add_error(field if field in self.fields else None, msg)
        if self.actor is not None and data.get("scope_kind") and not self._may_assign(data):
            self.add_error(None, _("您无权在该范围内任命或修改角色"))
        return data

    def _may_assign(self, data) -> bool:
        """The actions decide (`do_assign_role` and friends check again); this names the row early."""
        scopes = [(data["scope_kind"], (data.get("scope_code") or "").strip(), data.get("department"))]
        if self.instance.pk:
            old = RoleAssignment.objects.select_related("department").get(pk=self.instance.pk)
            scopes.append((old.scope_kind, old.scope_code, old.department))
        return all(
            access.can_assign_role(
                self.actor,
                scope_kind=kind,
                scope_code=code,
                department_district_code=department.district_code if department else "",
            )
            for kind, code, department in scopes
        )


class RoleAssignmentInline(admin.TabularInline):
    model = RoleAssignment
    form = RoleAssignmentForm
    extra = 0
    fields = ["role", "scope_kind", "scope_code", "department", "is_active"]
    autocomplete_fields = ["department"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    inlines = [RoleAssignmentInline]
    list_display = ["username", "display_name", "is_active", "is_staff", "is_superuser", "last_login"]
    search_fields = ["username", "display_name", "email"]
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (_("精治"), {"fields": ("display_name", "phone")}),
    )

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        audit.record(
            actor=request.user,
            verb=AuditVerb.USER_CHANGED if change else AuditVerb.USER_CREATED,
            target=obj,
            new={k: str(v) for k, v in _changed(form).items()},
            note=str(_("经管理后台")),
        )

    def get_formset_kwargs(self, request, obj, inline, prefix):
        kwargs = super().get_formset_kwargs(request, obj, inline, prefix)
        if isinstance(inline, RoleAssignmentInline):
            kwargs["form_kwargs"] = {**kwargs.get("form_kwargs", {}), "actor": request.user}
        return kwargs

    def save_formset(self, request, form, formset, change):
        """Role assignments go through the same actions as everywhere else (`do_assign_role`,
        `do_change_role_assignment`, `do_revoke_role`), so the admin cannot grant what the person may not.
        Deleting a row revokes it: the assignment stays in the history, inactive."""
        if formset.model is not RoleAssignment:
            return super().save_formset(request, form, formset, change)
        formset.save(commit=False)
        for obj in formset.deleted_objects:
            actions.do_revoke_role(actor=request.user, assignment=obj)
        for obj in formset.new_objects:
            made = actions.do_assign_role(
                actor=request.user,
                user=form.instance,
                role=obj.role,
                scope_kind=obj.scope_kind,
                scope_code=obj.scope_code,
                department=obj.department,
            )
            if not obj.is_active:
                actions.do_revoke_role(actor=request.user, assignment=made)
        for obj, _fields in formset.changed_objects:
            actions.do_change_role_assignment(
                actor=request.user,
                assignment=obj,
                role=obj.role,
                scope_kind=obj.scope_kind,
                scope_code=obj.scope_code,
                department=obj.department,
                is_active=obj.is_active,
            )


@admin.register(Department)
class DepartmentAdmin(AuditedAdmin):
    list_display = ["code", "name", "short_name", "district_code", "is_fallback", "is_active"]
    list_filter = ["is_fallback", "is_active"]
    search_fields = ["code", "name", "short_name"]


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(AuditedAdmin):
    form = RoleAssignmentForm
    list_display = ["user", "role", "scope_kind", "scope_code", "department", "is_active", "created_at"]
    list_filter = ["role", "scope_kind", "is_active"]
    search_fields = ["user__username", "user__display_name", "scope_code", "department__name"]
    autocomplete_fields = ["user", "department"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "key_prefix", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["revoked_at"]
    search_fields = ["name", "user__username", "key_prefix"]
    # The hash is not secret the way the key is, but there is nothing a person can do with it.
    fields = ["user", "name", "key_prefix", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = fields
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False  # keys are created with `jingzhi create-token`, which shows the key once

    @admin.action(description=_("吊销所选令牌"))
    def revoke(self, request, queryset):
        count = 0
        for token in queryset.filter(revoked_at__isnull=True):
            actions.do_revoke_api_token(
                actor=None if request.user.is_superuser else request.user, token=token
            )
            count += 1
        self.message_user(request, _("已吊销 %(n)d 个令牌") % {"n": count}, messages.SUCCESS)
