"""Admin for boundary generations and places, with the boundary-file upload page.

Places are shown read-only: they change only through imports into a draft generation (one write path,
audited), and a generation that was ever in use is never edited or deleted — cases point at its grids.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jingzhi.core.errors import ApplicationError
from jingzhi.geo import actions, readers
from jingzhi.geo.exceptions import GeoImportError
from jingzhi.geo.forms import ImportPlacesForm
from jingzhi.geo.models import BoundaryGeneration, Community, District, Grid, Street, Subdistrict


@admin.register(BoundaryGeneration)
class BoundaryGenerationAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "description",
        "is_active",
        "created_at",
        "activated_at",
        "created_by",
        "grid_count",
    )
    readonly_fields = ("is_active", "created_at", "activated_at", "created_by")
    fields = ("description", "is_active", "created_at", "activated_at", "created_by")
    actions = ["activate_selected", "new_draft"]
    change_list_template = "admin/geo/boundarygeneration/change_list.html"

    @admin.display(description=gettext_lazy("网格数"))
    def grid_count(self, obj):
        return Grid.objects.filter(generation=obj).count()

    def has_add_permission(self, request):
        return False  # drafts are made by an import or the "新建草稿" action, which copy the active one

    def has_delete_permission(self, request, obj=None):
        if obj is not None and (obj.is_active or obj.activated_at is not None):
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        # Only the description is editable; it carries no domain meaning, so a plain save is enough.
        obj.save(update_fields=["description"])

    def delete_model(self, request, obj):
        actions.do_delete_generation(actor=request.user, generation=obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            actions.do_delete_generation(actor=request.user, generation=obj)

    @admin.action(description=gettext_lazy("启用所选边界版本（只能选一个）"))
    def activate_selected(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, _("请只选择一个边界版本启用"), messages.ERROR)
            return
        try:
            gen = actions.do_activate_generation(actor=request.user, generation=queryset.get())
        except ApplicationError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return
        self.message_user(request, _("已启用边界版本 #%(id)d") % {"id": gen.pk}, messages.SUCCESS)

    @admin.action(description=gettext_lazy("新建草稿版本（复制当前启用版本）"))
    def new_draft(self, request, queryset):
        gen = actions.do_create_generation(actor=request.user, description=_("管理后台新建"))
        self.message_user(request, _("已新建草稿边界版本 #%(id)d") % {"id": gen.pk}, messages.SUCCESS)

    def get_urls(self):
        return [
            path(
                "import/", self.admin_site.admin_view(self.import_view), name="geo_boundarygeneration_import"
            ),
            *super().get_urls(),
        ]

    def import_view(self, request):
        if not (request.user.is_superuser or request.user.has_perm("geo.change_boundarygeneration")):
            raise PermissionDenied
        problems: list[str] = []
        error = ""
        form = ImportPlacesForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            upload = data["file"]
            suffix = Path(upload.name).suffix.lower()
            with tempfile.TemporaryDirectory() as tmp:
                target = Path(tmp) / f"upload{suffix}"
                with target.open("wb") as out:
                    for chunk in upload.chunks():
                        out.write(chunk)
                try:
                    result = readers.read_file(
                        target,
                        layer=data["layer"] or None,
                        crs=data["crs"] or None,
                        gcj02=data["gcj02"],
                        filename=upload.name,
                    )
                    report = actions.do_import_places(
                        actor=request.user,
                        level=data["level"],
                        features=result.features,
                        generation=data["generation"],
                        validate=data["validate"],
                        replace=data["replace"] and not result.attribute_only,
                        source=f"admin {upload.name}",
                    )
                    if data["activate"]:
                        actions.do_activate_generation(actor=request.user, generation=report.generation_id)
                except GeoImportError as exc:
                    error, problems = exc.message, exc.problems
                except ApplicationError as exc:
                    error = exc.message
                else:
                    msg = report.summary()
                    if data["activate"]:
                        msg += _("；已启用该版本")
                    self.message_user(request, msg, messages.SUCCESS)
                    return redirect(reverse("admin:geo_boundarygeneration_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("导入边界文件"),
            "form": form,
            "problems": problems,
            "error": error,
        }
        return TemplateResponse(request, "admin/geo/boundarygeneration/import.html", context)


class PlaceAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "generation")
    list_filter = ("generation",)
    search_fields = ("code", "name")
    list_select_related = ("generation",)
    exclude = ("geometry",)
    readonly_fields = ("geometry_text",)

    @admin.display(description=gettext_lazy("几何（GeoJSON）"))
    def geometry_text(self, obj):
        import json

        text = json.dumps(obj.geometry, ensure_ascii=False) if obj.geometry else "—"
        return text if len(text) < 2000 else text[:2000] + "…"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(District)
class DistrictAdmin(PlaceAdmin):
    pass


@admin.register(Subdistrict)
class SubdistrictAdmin(PlaceAdmin):
    list_display = ("code", "name", "district", "generation")
    list_select_related = ("generation", "district")


@admin.register(Community)
class CommunityAdmin(PlaceAdmin):
    list_display = ("code", "name", "subdistrict", "generation")
    list_select_related = ("generation", "subdistrict")


@admin.register(Grid)
class GridAdmin(PlaceAdmin):
    list_display = ("code", "name", "community", "area_m2", "generation")
    list_select_related = ("generation", "community")


@admin.register(Street)
class StreetAdmin(PlaceAdmin):
    list_display = ("code", "name", "kind", "subdistrict", "length_m", "generation")
    list_filter = ("generation", "kind")
    list_select_related = ("generation", "subdistrict")
