"""Users, departments and role assignments.

A role is held *within* a jurisdiction. Places are referred to by their hierarchical code (district 6 digits,
subdistrict 9, community 12, grid 15, street code), never by a row of `geo`, so that an assignment survives a
new boundary generation and `accounts` stays below `geo` in the layers. A code scopes everything whose code
starts with it.
"""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from jingzhi.accounts.types import Role, ScopeKind
from jingzhi.core import clock


class User(AbstractUser):
    display_name = models.CharField(_("姓名"), max_length=64, blank=True)
    # Personal data: shown only to staff who need it, never on a public surface.
    phone = models.CharField(_("手机号"), max_length=32, blank=True)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.display_name or self.username


class Department(models.Model):
    """A functional department (职能部门) that handles cases, or the district government itself as the
    fallback (兜底) owner."""

    code = models.CharField(_("编码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    short_name = models.CharField(_("简称"), max_length=32, blank=True)
    district_code = models.CharField(_("所属区编码"), max_length=6, blank=True, db_index=True)
    is_fallback = models.BooleanField(_("兜底单位"), default=False)
    phone = models.CharField(_("值班电话"), max_length=32, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("部门")
        verbose_name_plural = _("部门")

    def __str__(self) -> str:
        return self.name


class RoleAssignment(models.Model):
    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="role_assignments", verbose_name=_("用户")
    )
    role = models.CharField(_("角色"), max_length=32, choices=Role.choices)
    scope_kind = models.CharField(_("范围类型"), max_length=16, choices=ScopeKind.choices)
    # The hierarchical place code (or street code); empty for a department scope.
    scope_code = models.CharField(_("范围编码"), max_length=32, blank=True, db_index=True)
    department = models.ForeignKey(
        Department,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="role_assignments",
        verbose_name=_("部门"),
    )
    is_active = models.BooleanField(_("有效"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("角色任命")
        verbose_name_plural = _("角色任命")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "scope_kind", "scope_code", "department"], name="uniq_role_assignment"
            ),
        ]

    def __str__(self) -> str:
        where = self.department.name if self.department_id else self.scope_code
        return f"{self.user} · {self.get_role_display()} · {where}"


class ApiToken(models.Model):
    """A named API key of one user. Only the SHA-256 of the key is stored; the key itself is shown once,
    when it is created, and cannot be recovered. `key_prefix` (the first characters) lets a person tell
    their tokens apart in lists without revealing them."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("用户")
    )
    name = models.CharField(_("名称"), max_length=100)
    key_prefix = models.CharField(_("密钥前缀"), max_length=16, db_index=True)
    key_hash = models.CharField(_("密钥摘要"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("创建时间"), default=clock.now)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)
    # Set for tokens a resident's phone app gets by signing in with a text-message code; staff tokens made by
    # an administrator for an integration do not expire (they are revoked).
    expires_at = models.DateTimeField(_("过期时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("API 令牌")
        verbose_name_plural = _("API 令牌")

    def __str__(self) -> str:
        return f"{self.name}（{self.key_prefix}…）"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


class LoginCode(models.Model):
    """A one-time code sent by text message to sign in by phone (`accounts.otp`). Neither the number nor the
    code is stored: only keyed hashes of both, so the table gives neither away. A code is spent when used,
    when its wrong guesses reach the limit, or when a newer code is sent to the same number."""

    phone_digest = models.CharField(_("手机号摘要"), max_length=64, db_index=True)
    code_hash = models.CharField(_("验证码摘要"), max_length=64)
    created_at = models.DateTimeField(_("发送时间"), default=clock.now, db_index=True)
    expires_at = models.DateTimeField(_("过期时间"))
    attempts = models.PositiveSmallIntegerField(_("错误次数"), default=0)
    spent_at = models.DateTimeField(_("作废时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("短信验证码")
        verbose_name_plural = _("短信验证码")

    def __str__(self) -> str:
        return f"#{self.pk} {self.created_at:%Y-%m-%d %H:%M}"
