"""Admin pages for attachments and notifications: read-only records.

Both tables are written only through their modules (`attachments.do_store_image`, `notifications.notify`),
which check, clean and audit; the admin lets staff find a row, not forge or edit one. Photos are not
previewed here: who may see them is the owner app's rule, applied by the protected attachment view.
"""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy

from jingzhi.core.models import Attachment, Notification


class _ReadOnly(admin.ModelAdmin):
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Attachment)
class AttachmentAdmin(_ReadOnly):
    list_display = ("id", "created_at", "owner_type", "owner_id", "kind", "dimensions", "size", "uploaded_by")
    list_filter = ("owner_type", "kind")
    search_fields = ("=owner_id", "=sha256", "original_name")
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in Attachment._meta.fields]
    list_select_related = ("uploaded_by",)

    @admin.display(description=gettext_lazy("尺寸"))
    def dimensions(self, obj):
        return f"{obj.width}×{obj.height}"

    def has_delete_permission(self, request, obj=None):
        return False  # evidence of a case; the files are content-addressed and may be shared


@admin.register(Notification)
class NotificationAdmin(_ReadOnly):
    list_display = ("id", "created_at", "recipient", "verb", "title", "read_at")
    list_filter = ("verb",)
    search_fields = ("title", "=target_id", "recipient__username")
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in Notification._meta.fields]
    list_select_related = ("recipient",)
    raw_id_fields = ("recipient",)
