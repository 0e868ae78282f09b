"""Read-only admin views of 多元共治: every change goes through `councils.actions` (audited), so the admin
lists and shows rows but neither adds, edits nor deletes them."""

from django.contrib import admin

from jingzhi.councils import models


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(models.Council)
class CouncilAdmin(ReadOnly):
    list_display = ("name", "area_kind", "area_name", "subdistrict_code", "holiday_policy", "is_active")
    list_filter = ("area_kind", "holiday_policy", "is_active")
    search_fields = ("name", "area_name", "area_code")


@admin.register(models.CouncilMember)
class MemberAdmin(ReadOnly):
    list_display = ("council", "user", "role", "kind", "joined_on", "left_on", "is_active")
    list_filter = ("role", "kind", "is_active")


@admin.register(models.Roster)
class RosterAdmin(ReadOnly):
    list_display = ("council", "month", "holiday_policy", "published_at")


@admin.register(models.Shift)
class ShiftAdmin(ReadOnly):
    list_display = ("council", "day", "member")
    list_filter = ("day",)


@admin.register(models.PatrolRound)
class RoundAdmin(ReadOnly):
    list_display = ("shift", "started_at", "finished_at", "start_outside_m")


@admin.register(models.Meeting)
class MeetingAdmin(ReadOnly):
    list_display = ("title", "kind", "area_code", "held_at")
    list_filter = ("kind",)


@admin.register(models.ActionItem)
class ActionItemAdmin(ReadOnly):
    list_display = ("title", "meeting", "due_on", "status")
    list_filter = ("status",)


@admin.register(models.PropertyCompany)
class PropertyCompanyAdmin(ReadOnly):
    list_display = ("name", "subdistrict_code", "department")


@admin.register(models.PartyMember)
class PartyMemberAdmin(ReadOnly):
    list_display = ("user", "organisation", "community_code", "registered_on")


@admin.register(models.CommunityTask)
class TaskAdmin(ReadOnly):
    list_display = ("title", "kind", "community_code", "starts_at", "slots")
