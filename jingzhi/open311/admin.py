"""Admin for Open311 clients: issuing a key (shown once, in the confirmation message), revoking keys, and a
read-only list of the requests clients filed. Writes go through `actions`, so each is audited."""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jingzhi.open311 import actions
from jingzhi.open311.models import Open311Client, Open311Request


@admin.register(Open311Client)
class Open311ClientAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "key_prefix",
        "is_active",
        "revoked_at",
        "rate_limit_per_minute",
        "created_at",
        "last_used_at",
    )
    list_filter = ("is_active",)
    search_fields = ("name", "key_prefix")
    fields = (
        "name",
        "rate_limit_per_minute",
        "key_prefix",
        "is_active",
        "revoked_at",
        "created_at",
        "last_used_at",
    )
    readonly_fields = ("key_prefix", "is_active", "revoked_at", "created_at", "last_used_at")
    actions = ["revoke_keys"]

    def has_delete_permission(self, request, obj=None):
        return False  # requests keep pointing at their client; revoke instead

    def save_model(self, request, obj, form, change):
        if change:
            # Only the name and the rate limit are editable after issue; no key is regenerated here.
            obj.save(update_fields=["name", "rate_limit_per_minute"])
            return
        client, key = actions.do_create_client(
            actor=request.user, name=obj.name, rate_limit_per_minute=obj.rate_limit_per_minute
        )
        obj.pk = client.pk
        obj.key_prefix, obj.key_hash, obj.created_at = client.key_prefix, client.key_hash, client.created_at
        obj._state.adding = False
        obj._state.db = client._state.db
        messages.warning(
            request, _("已签发 Open311 密钥（只显示这一次，请立即交给客户端）：%(key)s") % {"key": key}
        )

    @admin.action(description=gettext_lazy("吊销所选密钥"))
    def revoke_keys(self, request, queryset):
        for client in queryset:
            actions.do_revoke_client(actor=request.user, prefix=client.key_prefix)
        messages.success(request, _("已吊销 %(n)d 个密钥") % {"n": queryset.count()})


@admin.register(Open311Request)
class Open311RequestAdmin(admin.ModelAdmin):
    list_display = ("token", "case", "client", "service_code", "created_at")
    list_select_related = ("case", "client")
    search_fields = ("token", "case__number")
    readonly_fields = [f.name for f in Open311Request._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
