"""Admin for the category tree and its limits.

Every save and delete goes through `jingzhi.taxonomy.actions`, so admin edits are audited like any other
change. Categories are never deleted here (cases point at them): the list offers "停用所选分类", which
switches off the subtree too. The change list carries Excel import/export buttons (custom views below).
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jingzhi.core.errors import ApplicationError
from jingzhi.taxonomy import actions, rules
from jingzhi.taxonomy.excel import export_categories
from jingzhi.taxonomy.exceptions import TaxonomyImportError
from jingzhi.taxonomy.models import (
    Category,
    ClosingCondition,
    FilingCondition,
    Level,
    RequestType,
    StepLimit,
    Urgency,
)

MAX_UPLOAD_BYTES = 5 * 1024 * 1024


class ParentFilter(admin.SimpleListFilter):
    """Narrow the list to one 大类 or 小类 and everything below it."""

    title = gettext_lazy("所属上级")
    parameter_name = "under"

    def lookups(self, request, model_admin):
        nodes = Category.objects.exclude(level=Level.SUB).order_by("kind", "code")
        return [(str(node.pk), ("　" if node.level == Level.MINOR else "") + str(node)) for node in nodes]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        node = Category.objects.filter(pk=self.value()).first()
        if node is None:
            return queryset.none()
        return queryset.filter(kind=node.kind, code__startswith=node.code)


class CategoryAdminForm(forms.ModelForm):
    class Meta:
        model = Category
        fields = (
            "kind",
            "parent",
            "code",
            "name",
            "is_active",
            "keywords",
            "dedup_radius_m",
            "dedup_window_hours",
            "shiwu_item",
            "is_local_default",
        )

    def clean(self):
        data = super().clean()
        if self.instance.pk:
            return data
        kind, parent, code = data.get("kind"), data.get("parent"), (data.get("code") or "").strip()
        if code and not rules.code_is_valid(code):
            self.add_error("code", _("编码只能是 1–20 位数字或字母"))
        if parent is not None:
            if kind and parent.kind != kind:
                self.add_error("parent", _("上级分类属于另一类型"))
            if rules.level_under(parent.level) is None:
                self.add_error("parent", _("分类最多三级（大类、小类、子类）"))
            if code and not rules.child_code_fits(parent.code, code):
                self.add_error("code", _("编码须以上级编码 %(parent)s 开头且更长") % {"parent": parent.code})
        return data


class FilingConditionInline(admin.TabularInline):
    model = FilingCondition
    fields = ("sort_order", "text", "level", "limit_amount", "limit_unit", "is_local_default", "is_active")
    extra = 0
    can_delete = False  # cases name the condition they were filed under: deactivate instead


class ClosingConditionInline(admin.TabularInline):
    model = ClosingCondition
    fields = ("sort_order", "text")
    extra = 0


class StepLimitInline(admin.TabularInline):
    model = StepLimit
    fields = ("step", "limit_amount", "limit_unit", "is_local_default")
    extra = 0
    verbose_name_plural = gettext_lazy("环节时限（未设的环节沿用上级或全局默认）")


class ImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Excel 文件（.xlsx）"),
        help_text=gettext_lazy("格式同“导出 Excel”；整份文件全部正确才会导入。"),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("文件过大（%(kb)d KB），上限 5 MB") % {"kb": upload.size // 1024})
        return upload


class AuditedAdmin(admin.ModelAdmin):
    """Saves and deletes through the audited actions."""

    def save_model(self, request, obj, form, change):
        actions.do_save_row(actor=request.user, obj=obj)

    def delete_model(self, request, obj):
        actions.do_delete_row(actor=request.user, obj=obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            actions.do_delete_row(actor=request.user, obj=obj)


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    form = CategoryAdminForm
    list_display = (
        "tree_name",
        "code",
        "kind",
        "level",
        "is_active",
        "shiwu_item",
        "is_local_default",
        "dedup_radius_m",
        "dedup_window_hours",
    )
    list_filter = ("kind", "level", ParentFilter, "is_active", "is_local_default", "shiwu_item")
    search_fields = ("code", "name", "keywords")
    ordering = ("kind", "code")
    list_per_page = 200
    list_select_related = ("parent",)
    inlines = (FilingConditionInline, ClosingConditionInline, StepLimitInline)
    actions = ("deactivate_selected",)
    change_list_template = "admin/taxonomy/category/change_list.html"

    @admin.display(description=gettext_lazy("名称"), ordering="code")
    def tree_name(self, obj):
        indent = {Level.MAJOR: 0, Level.MINOR: 1, Level.SUB: 2}.get(obj.level, 0)
        # A class, not a style attribute: the CSP refuses inline styles (core/static/core/admin.css).
        return format_html('<span class="jz-indent-{}">{}{}</span>', indent, "└ " if indent else "", obj.name)

    def get_readonly_fields(self, request, obj=None):
        # The code is the node's place in the tree; moving it would orphan a prefix-matched subtree.
        return ("kind", "parent", "code", "level") if obj else ("level",)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            changes = {name: data[name] for name in form.changed_data if name in actions.CATEGORY_EDITABLE}
            if changes:
                actions.do_update_category(actor=request.user, category=obj, **changes)
            return
        created = actions.do_create_category(
            actor=request.user,
            kind=data["kind"],
            code=data["code"],
            name=data["name"],
            parent=data.get("parent"),
            keywords=data.get("keywords", ""),
            is_active=data.get("is_active", True),
            dedup_radius_m=data["dedup_radius_m"],
            dedup_window_hours=data["dedup_window_hours"],
            shiwu_item=data.get("shiwu_item", ""),
            is_local_default=data.get("is_local_default", False),
        )
        # The admin goes on to save the inlines against `obj`: make it the row the action created.
        obj.pk, obj.level, obj.keywords = created.pk, created.level, created.keywords
        obj._state.adding = False
        obj._state.db = created._state.db

    def save_formset(self, request, form, formset, change):
        for obj in formset.save(commit=False):
            actions.do_save_row(actor=request.user, obj=obj)
        for obj in formset.deleted_objects:
            actions.do_delete_row(actor=request.user, obj=obj)

    @admin.action(description=gettext_lazy("停用所选分类（连同下级）"), permissions=["change"])
    def deactivate_selected(self, request, queryset):
        total = 0
        for category in queryset.order_by("code"):
            category.refresh_from_db()
            if category.is_active:
                total += actions.do_deactivate_category(actor=request.user, category=category)
        self.message_user(request, _("已停用 %(n)d 个分类") % {"n": total})

    def get_urls(self):
        return [
            path("import/", self.admin_site.admin_view(self.import_view), name="taxonomy_category_import"),
            path("export/", self.admin_site.admin_view(self.export_view), name="taxonomy_category_export"),
        ] + super().get_urls()

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "can_import": self._can_import(request),
            "can_export": self.has_view_permission(request),
        }
        return super().changelist_view(request, extra_context=extra_context)

    def _can_import(self, request) -> bool:
        return self.has_add_permission(request) and self.has_change_permission(request)

    def export_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        response = HttpResponse(
            export_categories(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        stamp = timezone.localtime().strftime("%Y%m%d")
        response["Content-Disposition"] = f'attachment; filename="categories-{stamp}.xlsx"'
        return response

    def import_view(self, request):
        if not self._can_import(request):
            raise PermissionDenied
        problems: list[str] = []
        form = ImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                report = actions.do_import_categories(actor=request.user, file=form.cleaned_data["file"])
            except TaxonomyImportError as error:
                problems = error.problems
            except ApplicationError as error:
                problems = [error.message]
            else:
                self.message_user(
                    request,
                    _("导入完成：新建分类 %(c)d，更新分类 %(u)d，立案条件 %(f)d，环节时限 %(s)d")
                    % {
                        "c": report["categories_created"],
                        "u": report["categories_updated"],
                        "f": report["filing_conditions_saved"],
                        "s": report["step_limits_saved"],
                    },
                    level=messages.SUCCESS,
                )
                return redirect(reverse("admin:taxonomy_category_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("从 Excel 导入案件分类"),
            "form": form,
            "problems": problems,
        }
        return TemplateResponse(request, "admin/taxonomy/category/import.html", context)


@admin.register(FilingCondition)
class FilingConditionAdmin(AuditedAdmin):
    list_display = (
        "category",
        "sort_order",
        "text",
        "level",
        "limit_amount",
        "limit_unit",
        "is_local_default",
        "is_active",
    )
    list_filter = ("level", "limit_unit", "is_local_default", "is_active", "category__kind")
    search_fields = ("text", "category__name", "category__code")
    list_select_related = ("category",)
    autocomplete_fields = ("category",)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(StepLimit)
class StepLimitAdmin(AuditedAdmin):
    list_display = ("owner", "step", "limit_amount", "limit_unit", "is_local_default")
    list_filter = ("step", "limit_unit", "is_local_default", ("category", admin.EmptyFieldListFilter))
    list_select_related = ("category",)
    autocomplete_fields = ("category",)

    @admin.display(description=gettext_lazy("分类"), ordering="category__code")
    def owner(self, obj):
        return obj.category or _("全局默认")


@admin.register(RequestType)
class RequestTypeAdmin(AuditedAdmin):
    list_display = ("name", "code", "sort_order", "is_active")
    list_editable = ("sort_order", "is_active")


@admin.register(Urgency)
class UrgencyAdmin(AuditedAdmin):
    list_display = (
        "name",
        "code",
        "limit_amount",
        "limit_unit",
        "is_local_default",
        "sort_order",
        "is_active",
    )
