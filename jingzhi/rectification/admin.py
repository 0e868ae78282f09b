"""Read-only admin views of 十无一创建 for administrators who want to look at raw rows. Every change goes
through `actions` (the web pages, the API and `jingzhi rectification`), so nothing here can be edited."""

from django.contrib import admin

from jingzhi.rectification import models


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(models.StandardVersion)
class StandardVersionAdmin(ReadOnly):
    list_display = ("code", "name", "effective_from", "is_current", "downgrade_below", "restore_months")


@admin.register(models.StandardItem)
class StandardItemAdmin(ReadOnly):
    list_display = ("version", "position", "code", "name", "points", "deduction_per_finding", "category")
    list_filter = ("version",)


@admin.register(models.Inspection)
class InspectionAdmin(ReadOnly):
    list_display = ("street_name", "street_code", "kind", "period", "score", "inspector", "inspected_on")
    list_filter = ("kind", "month")
    search_fields = ("street_code", "street_name")


@admin.register(models.StreetRecord)
class StreetRecordAdmin(ReadOnly):
    list_display = ("street_name", "street_code", "grade", "awarded_grade", "last_month", "last_score")
    list_filter = ("grade",)


@admin.register(models.AccountabilityRule)
class AccountabilityRuleAdmin(ReadOnly):
    list_display = ("failing_months", "proposal", "is_active", "note")


@admin.register(models.AccountabilityProposal)
class AccountabilityProposalAdmin(ReadOnly):
    list_display = ("street_code", "kind", "month", "status", "decided_by")
    list_filter = ("status", "kind")
