"""Admin for the responsibility list: rules with their departments inline, plus import, export and coverage.

The admin writes through the actions like every other interface: the inline formset's `clean()` runs the
same checks as `do_create_duty_rule` (scope shape, one lead, no exact duplicate) so mistakes show on the
form, and `save_related` hands the cleaned values to the action, which saves and audits.
"""

from __future__ import annotations

import io

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jingzhi.core.errors import ApplicationError
from jingzhi.core.text import listing
from jingzhi.duties import actions, excel, queries, rules
from jingzhi.duties.models import DutyRule, DutyRuleDepartment, RoutingGap

RULE_FIELDS = [
    "category",
    "exact_only",
    "scope_kind",
    "scope_code",
    "basis",
    "note",
    "is_active",
    "valid_from",
    "valid_to",
]


def _pairs(formset) -> list:
    return [
        (f.cleaned_data["department"], bool(f.cleaned_data.get("is_lead")))
        for f in formset.forms
        if getattr(f, "cleaned_data", None)
        and f.cleaned_data.get("department")
        and not f.cleaned_data.get("DELETE")
    ]


class DutyRuleForm(forms.ModelForm):
    class Meta:
        model = DutyRule
        fields = RULE_FIELDS

    def clean(self):
        data = super().clean()
        problem = rules.scope_code_problem(data.get("scope_kind") or "", data.get("scope_code") or "")
        if problem:
            self.add_error("scope_code", problem)
        problem = rules.validity_problem(data.get("valid_from"), data.get("valid_to"))
        if problem:
            self.add_error("valid_to", problem)
        return data


class DepartmentFormSet(BaseInlineFormSet):
    def clean(self):
        super().clean()
        if any(self.errors):
            return
        try:
            actions.check_duty_rule(self.instance, actions.normalise_departments(_pairs(self), None))
        except ApplicationError as error:
            raise ValidationError(error.message) from error


class DutyRuleDepartmentInline(admin.TabularInline):
    model = DutyRuleDepartment
    formset = DepartmentFormSet
    extra = 1
    autocomplete_fields = ["department"]


@admin.register(DutyRule)
class DutyRuleAdmin(admin.ModelAdmin):
    form = DutyRuleForm
    inlines = [DutyRuleDepartmentInline]
    list_display = [
        "id",
        "category",
        "scope_kind",
        "scope_code",
        "department_list",
        "is_active",
        "valid_from",
        "valid_to",
    ]
    list_filter = ["is_active", "scope_kind", "category__kind"]
    search_fields = [
        "category__name",
        "category__code",
        "scope_code",
        "basis",
        "assignments__department__name",
    ]
    autocomplete_fields = ["category"]
    readonly_fields = ["created_at", "updated_at"]
    change_list_template = "admin/duties/dutyrule/change_list.html"

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("category")
            .prefetch_related("assignments__department")
        )

    @admin.display(description=gettext_lazy("责任部门"))
    def department_list(self, obj):
        return listing(str(a) for a in obj.assignments.all())

    def has_delete_permission(self, request, obj=None):
        return False  # rules are switched off, never deleted: old routing reasons name them

    def save_model(self, request, obj, form, change):
        pass  # saved by the action in save_related, once the departments are known

    def save_related(self, request, form, formsets, change):
        pairs = _pairs(formsets[0]) if formsets else []
        for formset in formsets:  # the admin's change message reads these; the action did the saving
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        values = {name: form.cleaned_data.get(name) for name in RULE_FIELDS}
        try:
            if change:
                rule = actions.do_update_duty_rule(
                    actor=request.user,
                    rule=DutyRule.objects.get(pk=form.instance.pk),
                    departments=pairs,
                    **values,
                )
            else:
                rule = actions.do_create_duty_rule(actor=request.user, departments=pairs, **values)
        except ApplicationError as error:  # a race with another editor; the formset checks caught the rest
            messages.error(request, error.message)
            return
        form.instance.pk = rule.pk

    def get_urls(self):
        own = [
            path("import/", self.admin_site.admin_view(self.import_view), name="duties_dutyrule_import"),
            path("export/", self.admin_site.admin_view(self.export_view), name="duties_dutyrule_export"),
            path(
                "coverage/", self.admin_site.admin_view(self.coverage_view), name="duties_dutyrule_coverage"
            ),
        ]
        return own + super().get_urls()

    def _context(self, request, title):
        return {**self.admin_site.each_context(request), "opts": self.model._meta, "title": title}

    def export_view(self, request):
        if not self.has_view_permission(request):
            raise DjangoPermissionDenied
        buffer = io.BytesIO()
        excel.export_rules(buffer)
        response = HttpResponse(
            buffer.getvalue(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = 'attachment; filename="duty-rules.xlsx"'
        return response

    def import_view(self, request):
        if not self.has_change_permission(request):
            raise DjangoPermissionDenied
        context = self._context(request, _("导入职责清单"))
        if request.method == "POST" and request.FILES.get("file"):
            try:
                summary = actions.do_import_duty_rules(actor=request.user, source=request.FILES["file"])
            except ApplicationError as error:
                context["problems"] = getattr(error, "problems", None) or [error.message]
            else:
                messages.success(
                    request,
                    _("导入完成：新建 %(created)d 条，更新 %(updated)d 条，未变 %(unchanged)d 条") % summary,
                )
                return redirect("admin:duties_dutyrule_changelist")
        context["columns"] = excel.REQUIRED + excel.OPTIONAL
        return TemplateResponse(request, "admin/duties/dutyrule/import.html", context)

    def coverage_view(self, request):
        if not self.has_view_permission(request):
            raise DjangoPermissionDenied
        district = (request.GET.get("district") or "").strip() or None
        context = self._context(request, _("职责覆盖报告"))
        context.update(report=queries.coverage_report(district), district=district or "")
        return TemplateResponse(request, "admin/duties/dutyrule/coverage.html", context)


@admin.register(RoutingGap)
class RoutingGapAdmin(admin.ModelAdmin):
    list_display = ["category", "place_code", "count", "first_seen", "last_seen"]
    search_fields = ["category__name", "place_code"]
    list_select_related = ["category"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
