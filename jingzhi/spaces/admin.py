"""Admin views of 腾退空间. The two editable lists (uses, service kinds) save through `actions`; every other
table is read-only here (spaces change through the web pages, the API and imports)."""

from django.contrib import admin

from jingzhi.spaces import actions, models


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(models.Use)
class UseAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "order", "is_active")
    filter_horizontal = ("service_kinds",)

    def has_delete_permission(self, request, obj=None):
        return False  # spaces refer to uses; retire one by unticking 启用

    def save_model(self, request, obj, form, change):
        # One action saves the row and its service kinds, with one audit row.
        actions.do_save_use(actor=request.user, use=obj, service_kinds=form.cleaned_data["service_kinds"])

    def save_related(self, request, form, formsets, change):
        pass  # the service kinds were saved by the action above


@admin.register(models.ServiceKind)
class ServiceKindAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "walk_minutes", "order", "is_active")

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        actions.do_save_service_kind(actor=request.user, kind=obj)


@admin.register(models.Space)
class SpaceAdmin(ReadOnly):
    list_display = ("number", "name", "state", "origin", "area_m2", "subdistrict_name", "next_recheck_on")
    list_filter = ("state", "origin", "underground")
    search_fields = ("number", "name", "address")


@admin.register(models.Recheck)
class RecheckAdmin(ReadOnly):
    list_display = ("space", "checked_on", "outcome", "case")


@admin.register(models.RecheckRule)
class RecheckRuleAdmin(admin.ModelAdmin):
    """Re-check periods are data: an administrator adds or changes one here, through the action."""

    list_display = ("state", "origin", "working_days")

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        obj.pk = actions.do_set_recheck_rule(
            actor=request.user, state=obj.state, origin=obj.origin, working_days=obj.working_days
        ).pk


@admin.register(models.CommunityPopulation)
class CommunityPopulationAdmin(admin.ModelAdmin):
    list_display = ("community_code", "population")
    search_fields = ("community_code",)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        obj.pk = actions.do_set_population(
            actor=request.user, community_code=obj.community_code, population=obj.population
        ).pk


@admin.register(models.ServicePoint)
class ServicePointAdmin(ReadOnly):
    list_display = ("name", "kind", "community_code", "source")
    list_filter = ("kind",)


@admin.register(models.WalkNetwork)
class WalkNetworkAdmin(ReadOnly):
    list_display = ("name", "segments", "connected", "message", "created_at")
    exclude = ("lines",)
