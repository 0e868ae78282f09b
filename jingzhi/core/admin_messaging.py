"""Admin pages for attachments, notifications and background jobs: read-only records.

Both tables are written only through their modules (`attachments.do_store_image`, `notifications.notify`),
which check, clean and audit; the admin lets staff find a row, not forge or edit one. Photos are not
previewed here: who may see them is the owner app's rule, applied by the protected attachment view.
Background jobs can only be retried (`jobs.do_retry_jobs`, audited), never edited or deleted here.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jingzhi.core import jobs
from jingzhi.core.checks import dead_jobs_text
from jingzhi.core.models import Attachment, Notification, OutboxJob


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


# The admin index carries a banner when background jobs gave up (the template adds it to Django's own).
admin.site.index_template = "admin/jingzhi/index.html"


@admin.register(OutboxJob)
class OutboxJobAdmin(_ReadOnly):
    """The job outbox as an administrator sees it: what waits, what failed and why, what gave up. The one
    write offered is "retry", through `jobs.do_retry_jobs` (audited)."""

    list_display = (
        "id",
        "task",
        "state",
        "attempts",
        "max_attempts",
        "run_after",
        "created_at",
        "error_line",
    )
    list_filter = ("state", "task", "queue")
    search_fields = ("=id", "task")
    readonly_fields = [f.name for f in OutboxJob._meta.fields]
    actions = ["retry_jobs"]

    @admin.display(description=gettext_lazy("最近错误"))
    def error_line(self, obj):
        lines = obj.last_error.strip().splitlines()
        return lines[-1][:160] if lines else ""

    @admin.action(description=gettext_lazy("立即重试所选任务（重新计算尝试次数）"), permissions=["retry"])
    def retry_jobs(self, request, queryset):
        n = jobs.do_retry_jobs(actor=request.user, job_ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(request, _("已放回队列 %(n)d 个任务。") % {"n": n}, level=messages.SUCCESS)

    def has_retry_permission(self, request):
        return request.user.has_perm("core.change_outboxjob")

    def has_delete_permission(self, request, obj=None):
        return False  # a dead job is evidence of a notice not sent: retry it, do not hide it

    def changelist_view(self, request, extra_context=None):
        dead = jobs.dead_count()
        if dead:
            self.message_user(request, dead_jobs_text(dead), level=messages.WARNING)
        return super().changelist_view(request, extra_context=extra_context)
