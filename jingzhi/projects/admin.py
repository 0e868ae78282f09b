"""The catalogue and the drive rules are edited in the admin (saved through the actions, audited); projects,
registers and ballots are read-only there: they change only through the actions."""

from django.contrib import admin

from jingzhi.projects import actions
from jingzhi.projects.actions.catalogue import FIELDS
from jingzhi.projects.models import DriveRule, Household, Project, ProjectKind


@admin.register(ProjectKind)
class ProjectKindAdmin(admin.ModelAdmin):
    list_display = (
        "code",
        "name",
        "domain",
        "default_type",
        "voting_unit",
        "support_threshold",
        "is_example",
    )
    list_filter = ("domain", "default_type", "is_example", "is_active")
    search_fields = ("code", "name")

    def save_model(self, request, obj, form, change):
        saved = actions.do_save_kind(
            actor=request.user, code=obj.code, **{f: getattr(obj, f) for f in FIELDS}
        )
        obj.pk = saved.pk


@admin.register(DriveRule)
class DriveRuleAdmin(admin.ModelAdmin):
    list_display = ("category", "kind", "min_cases", "days", "is_active")

    def save_model(self, request, obj, form, change):
        saved = actions.do_save_drive_rule(
            actor=request.user, category=obj.category, kind=obj.kind, min_cases=obj.min_cases, days=obj.days
        )
        obj.pk = saved.pk


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Project)
class ProjectAdmin(ReadOnly):
    list_display = ("title", "type", "state", "scope_code", "created_at")
    list_filter = ("type", "state")


@admin.register(Household)
class HouseholdAdmin(ReadOnly):
    list_display = ("address", "building", "community_code")
    search_fields = ("address",)
