"""Tables shared by every app: the hash-chained audit log and the working-calendar data.

Only `jingzhi.core.audit` writes AuditEvent rows; only `jingzhi.core.actions` writes the calendar tables
(Holiday, CalendarYear, WorkSchedule), which `jingzhi.core.workcalendar` reads into an in-process cache;
only `jingzhi.core.jobs` writes OutboxJob rows (the background-work outbox).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    """One row per domain change, append-only. Each row carries the hash of the previous one, so a
    deleted or edited row breaks the chain at a place `jingzhi audit verify` can name."""

    created_at = models.DateTimeField(_("时间"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("操作人"),
    )
    # Kept as text so the row stays readable (and its hash stable) whatever happens to the user later.
    actor_label = models.CharField(_("操作人名称"), max_length=150, blank=True)
    verb = models.CharField(_("动作"), max_length=64, db_index=True)
    target_type = models.CharField(_("对象类型"), max_length=64, db_index=True)
    target_id = models.CharField(_("对象编号"), max_length=64, db_index=True)
    old_values = models.JSONField(_("原值"), default=dict, blank=True)
    new_values = models.JSONField(_("新值"), default=dict, blank=True)
    note = models.TextField(_("说明"), blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)
    # Which HMAC key sealed the row ("" = a v1 row from before keys, a plain SHA-256): rows keep verifying
    # with old keys after a rotation (`jingzhi.core.audit.keyring`).
    key_id = models.CharField(max_length=16, blank=True, default="")

    class Meta:
        ordering = ["id"]
        verbose_name = _("审计记录")
        verbose_name_plural = _("审计记录")
        indexes = [models.Index(fields=["target_type", "target_id", "id"])]

    def __str__(self) -> str:
        return f"#{self.pk} {self.verb} {self.target_type}:{self.target_id}"


class Holiday(models.Model):
    """A day of the official calendar that differs from a plain Monday–Friday week, for a year the
    chinesecalendar package does not know (or to correct it). `is_workday` True marks a 调休 working
    weekend day; False marks a holiday."""

    date = models.DateField(_("日期"), unique=True)
    is_workday = models.BooleanField(_("是否上班"), default=False)
    name = models.CharField(_("名称"), max_length=64, blank=True)
    # Part of the calendar cache's change stamp: an edit in another process is noticed by its max().
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True, null=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("节假日/调休")
        verbose_name_plural = _("节假日/调休")

    def __str__(self) -> str:
        return f"{self.date} {self.name} {_('上班') if self.is_workday else _('放假')}"


class CalendarYear(models.Model):
    """Marks a year whose official notice has been loaded into Holiday, so the calendar knows the year
    is complete rather than merely empty."""

    year = models.PositiveIntegerField(_("年份"), unique=True)
    source = models.CharField(_("来源"), max_length=200, blank=True)
    loaded_at = models.DateTimeField(_("载入时间"), auto_now=True)

    class Meta:
        ordering = ["year"]
        verbose_name = _("已载入年度")
        verbose_name_plural = _("已载入年度")

    def __str__(self) -> str:
        return str(self.year)


def default_periods() -> list[list[str]]:
    return [["08:30", "12:00"], ["13:30", "17:30"]]


class WorkSchedule(models.Model):
    """An organisation's working hours on a working day: a list of ["HH:MM", "HH:MM"] periods. The row with
    key "default" (when present) replaces the built-in 08:30–12:00, 13:30–17:30 for everyone who names no
    schedule."""

    key = models.SlugField(_("标识"), max_length=64, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    periods = models.JSONField(
        _("工作时段"),
        default=default_periods,
        help_text=_('形如 [["08:30", "12:00"], ["13:30", "17:30"]]，按时间先后排列，互不重叠。'),
    )
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        ordering = ["key"]
        verbose_name = _("作息时间")
        verbose_name_plural = _("作息时间")

    def __str__(self) -> str:
        return f"{self.name}（{self.key}）"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        from jingzhi.core.errors import InvalidInput
        from jingzhi.core.schedule import parse_periods

        try:
            parse_periods(self.periods)
        except InvalidInput as exc:
            raise ValidationError({"periods": exc.message}) from exc


class Attachment(models.Model):
    """A stored photo (before/after/check…) belonging to any row of any app, named by (owner_type, owner_id)
    so core needs no foreign key into a higher app. Only `jingzhi.core.attachments.do_store_image` writes
    these; the stored copy is a re-encoded JPEG without personal metadata, never the upload itself."""

    owner_type = models.CharField(_("所属对象类型"), max_length=64)
    owner_id = models.CharField(_("所属对象编号"), max_length=64)
    kind = models.CharField(_("用途"), max_length=32, default="before")
    file = models.FileField(_("文件"), max_length=200)
    thumbnail = models.FileField(_("缩略图"), max_length=200, blank=True)
    content_type = models.CharField(_("文件类型"), max_length=64, default="image/jpeg")
    size = models.PositiveIntegerField(_("大小（字节）"), default=0)
    width = models.PositiveIntegerField(_("宽（像素）"), default=0)
    height = models.PositiveIntegerField(_("高（像素）"), default=0)
    original_name = models.CharField(_("原文件名"), max_length=255, blank=True)
    # Of the stored bytes: names the file on disk and lets anyone check the copy was not altered later.
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("上传人"),
    )
    created_at = models.DateTimeField(_("上传时间"))

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("附件图片")
        verbose_name_plural = _("附件图片")
        indexes = [models.Index(fields=["owner_type", "owner_id", "kind"], name="core_attach_owner_idx")]

    def __str__(self) -> str:
        return f"{self.original_name or self.sha256[:12]}（{self.owner_type}:{self.owner_id}）"

    def url(self, variant: str = "full") -> str:
        # By name, not by import: core sits below web; the protected view checks the owner's access rule.
        from django.urls import reverse

        return reverse("web:attachment", args=[self.pk, variant])

    @property
    def full_url(self) -> str:
        return self.url("full")

    @property
    def thumb_url(self) -> str:
        return self.url("thumb")


class Notification(models.Model):
    """One message in a person's in-app inbox (staff and residents alike). Written by
    `jingzhi.core.notifications.notify` inside the caller's transaction, so it rolls back with the change
    it reports; e-mail and SMS copies leave only after commit."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("接收人"),
    )
    verb = models.CharField(_("事由"), max_length=64)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    link = models.CharField(_("链接"), max_length=500, blank=True)
    target_type = models.CharField(_("对象类型"), max_length=64, blank=True)
    target_id = models.CharField(_("对象编号"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("时间"))
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)
    # {"zh-hans": {"title": …, "body": …}, "en": {…}} when the sender gave a re-renderable text, so each
    # reader sees it in their own interface language (`shown_title`); empty for rows written before.
    texts = models.JSONField(_("各语言文本"), default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("站内通知")
        verbose_name_plural = _("站内通知")
        indexes = [
            # The header badge counts a user's unread rows on every page: keep that an index-only lookup.
            models.Index(fields=["recipient", "read_at"], name="core_notif_unread_idx"),
            models.Index(fields=["recipient", "-created_at"], name="core_notif_inbox_idx"),
            models.Index(fields=["target_type", "target_id"], name="core_notif_target_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.title} → {self.recipient_id}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None

    @property
    def shown_title(self) -> str:
        """The title in the reader's interface language when the row carries it, else as stored."""
        from jingzhi.core.text import in_reader_language

        return in_reader_language({k: v.get("title", "") for k, v in (self.texts or {}).items()}, self.title)

    @property
    def shown_body(self) -> str:
        from jingzhi.core.text import in_reader_language

        return in_reader_language({k: v.get("body", "") for k, v in (self.texts or {}).items()}, self.body)


class OutboxJob(models.Model):
    """One piece of background work, written by `jingzhi.core.jobs` in the same transaction as the change
    that asks for it, so the two commit or roll back together (the transactional outbox). A worker runs
    it (`jingzhi worker`; in the embedded profile the web process right after commit), retrying with
    exponential backoff until it succeeds or reaches `max_attempts` and is marked dead for an administrator.
    The job's own database writes and its `done` mark commit in one transaction, so a job runs to
    completion exactly once."""

    PENDING, DONE, DEAD = "pending", "done", "dead"
    STATES = ((PENDING, _("待执行")), (DONE, _("已完成")), (DEAD, _("已放弃")))

    task = models.CharField(_("任务"), max_length=200)
    queue = models.CharField(_("队列"), max_length=64, default="default")
    args = models.JSONField(_("位置参数"), default=list, blank=True)
    kwargs = models.JSONField(_("关键字参数"), default=dict, blank=True)
    state = models.CharField(_("状态"), max_length=16, choices=STATES, default=PENDING)
    attempts = models.PositiveIntegerField(_("已尝试次数"), default=0)
    max_attempts = models.PositiveIntegerField(_("最多尝试次数"), default=8)
    run_after = models.DateTimeField(_("最早执行时间"))
    created_at = models.DateTimeField(_("创建时间"))
    last_attempt_at = models.DateTimeField(_("最近尝试时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    last_error = models.TextField(_("最近错误"), blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("后台任务")
        verbose_name_plural = _("后台任务")
        indexes = [
            # The worker's poll: due pending rows, oldest first. Partial, so done rows cost it nothing.
            models.Index(
                fields=["run_after", "id"],
                name="core_job_due_idx",
                condition=models.Q(state="pending"),
            ),
            models.Index(fields=["state", "id"], name="core_job_state_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.task} ({self.get_state_display()})"


class ScheduledRun(models.Model):
    """One run of a scheduled job (`jingzhi once --every 10m -- cases remind`) for one time slot. Every node's
    cron may fire the job; the unique (job, slot) pair lets exactly one of them insert this row and run it
    (jingzhi.core.scheduled). The rows are also the schedule's history: who ran what, when, and how it ended."""

    RUNNING, OK, FAILED = "running", "ok", "failed"
    OUTCOMES = ((RUNNING, _("运行中")), (OK, _("成功")), (FAILED, _("失败")))

    job = models.CharField(_("定时任务"), max_length=200)
    slot = models.DateTimeField(_("时段"))
    node = models.CharField(_("节点"), max_length=200, blank=True)
    started_at = models.DateTimeField(_("开始时间"))
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    outcome = models.CharField(_("结果"), max_length=16, choices=OUTCOMES, default=RUNNING)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("定时任务运行")
        verbose_name_plural = _("定时任务运行")
        constraints = [models.UniqueConstraint(fields=["job", "slot"], name="core_scheduledrun_once")]

    def __str__(self) -> str:
        return f"{self.job} @ {self.slot:%Y-%m-%d %H:%M} ({self.get_outcome_display()})"
