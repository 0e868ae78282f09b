"""The tables of the Open311 facade: the client applications allowed to file requests, and the link from
each request a client filed to the case it became.

A case is the one record of a report (`cases.Case`); `Open311Request` only keeps what GeoReport v2 adds
around it — the client that filed it, the token handed back, the `media_url`, the attribute answers, the
device and account ids, and the contact e-mail (cases has no column for it). The e-mail is personal data:
staff may see it in the admin, no Open311 response ever contains it. Only `jingzhi.open311.actions` writes
these tables. Keys are stored as SHA-256 digests; the key itself is shown once, when it is issued.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from jingzhi.core import clock


class Open311Client(models.Model):
    name = models.CharField(_("客户端名称"), max_length=100)
    key_prefix = models.CharField(_("密钥前缀"), max_length=16, db_index=True, editable=False)
    key_hash = models.CharField(_("密钥摘要"), max_length=64, unique=True, editable=False)
    is_active = models.BooleanField(_("启用"), default=True)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("创建时间"), default=clock.now, editable=False)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True, editable=False)
    rate_limit_per_minute = models.PositiveIntegerField(
        _("每分钟提交上限"),
        null=True,
        blank=True,
        help_text=_("留空使用 JINGZHI_OPEN311_RATE_LIMIT（默认 30）；0 表示不限"),
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("Open311 客户端")
        verbose_name_plural = _("Open311 客户端")

    def __str__(self) -> str:
        return f"{self.name}（{self.key_prefix}…）"

    @property
    def is_usable(self) -> bool:
        return self.is_active and self.revoked_at is None


class Open311Request(models.Model):
    case = models.OneToOneField(
        "cases.Case", on_delete=models.CASCADE, related_name="open311", verbose_name=_("案件")
    )
    client = models.ForeignKey(
        Open311Client, on_delete=models.PROTECT, related_name="requests", verbose_name=_("客户端")
    )
    token = models.CharField(_("令牌"), max_length=40, unique=True)
    service_code = models.CharField(_("服务编码"), max_length=40)
    media_url = models.URLField(_("图片地址"), max_length=500, blank=True)
    attributes = models.JSONField(_("附加属性"), default=dict, blank=True)
    coordinate_system = models.CharField(_("输入坐标系"), max_length=16, default="wgs84")
    address_id = models.CharField(_("地址编号"), max_length=64, blank=True)
    device_id = models.CharField(_("设备编号"), max_length=100, blank=True)
    account_id = models.CharField(_("客户端账户"), max_length=100, blank=True)
    # Personal data (ARCHITECTURE.md): never rendered by any Open311 view.
    contact_email = models.EmailField(_("联系邮箱"), blank=True)
    created_at = models.DateTimeField(_("提交时间"), default=clock.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("Open311 请求")
        verbose_name_plural = _("Open311 请求")

    def __str__(self) -> str:
        return f"{self.token} → {self.case_id}"
