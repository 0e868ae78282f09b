"""Read-only admin views of cases: every change goes through `cases.actions`, never through a form here."""

from django.contrib import admin

from jingzhi.cases.models import Case, CaseEvent, Supervision, Whistle, WhistleSummons


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Case)
class CaseAdmin(ReadOnly):
    list_display = [
        "number",
        "state",
        "source",
        "category",
        "subdistrict_code",
        "reported_at",
        "step_deadline",
    ]
    list_filter = ["state", "source"]
    search_fields = ["number", "external_ref"]
    list_select_related = ["category"]
    exclude = ["reporter_name", "reporter_phone"]  # personal data stays on the staff pages that need it


@admin.register(CaseEvent)
class CaseEventAdmin(ReadOnly):
    list_display = ["case", "action", "from_state", "to_state", "actor", "created_at"]
    list_select_related = ["case", "actor"]


admin.site.register(Supervision, ReadOnly)
admin.site.register(Whistle, ReadOnly)
admin.site.register(WhistleSummons, ReadOnly)
