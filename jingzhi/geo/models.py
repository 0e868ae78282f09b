"""Places: districts, subdistricts, communities, unit grids and back streets, in boundary generations.

Every place row belongs to one BoundaryGeneration. New boundaries load into an inactive generation and are
switched on in one step (`geo.actions.do_activate_generation`); a case keeps the grid row that applied when it
was filed. Codes are hierarchical: district 6 digits, subdistrict 9, community 12, grid 15 (GB/T 2260 + 3 + 3 +
3), so a code prefix is a jurisdiction. Geometry is stored as a GeoJSON geometry in WGS84 longitude/latitude
with its bounding box beside it; spatial questions are answered by shapely in memory (`geo.locate`).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class BoundaryGeneration(models.Model):
    description = models.CharField(_("说明"), max_length=200, blank=True)
    is_active = models.BooleanField(_("当前启用"), default=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    activated_at = models.DateTimeField(_("启用时间"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-id"]
        verbose_name = _("边界版本")
        verbose_name_plural = _("边界版本")
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"], condition=models.Q(is_active=True), name="one_active_generation"
            )
        ]

    def __str__(self) -> str:
        state = _("启用") if self.is_active else _("未启用")
        return f"#{self.pk} {self.description} ({state})"


class Place(models.Model):
    generation = models.ForeignKey(BoundaryGeneration, on_delete=models.CASCADE, related_name="+")
    code = models.CharField(_("编码"), max_length=32)
    name = models.CharField(_("名称"), max_length=100)
    geometry = models.JSONField(_("几何"), null=True, blank=True)
    min_lon = models.FloatField(null=True, blank=True)
    min_lat = models.FloatField(null=True, blank=True)
    max_lon = models.FloatField(null=True, blank=True)
    max_lat = models.FloatField(null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"


class District(Place):
    class Meta(Place.Meta):
        verbose_name = _("区")
        verbose_name_plural = _("区")
        constraints = [models.UniqueConstraint(fields=["generation", "code"], name="uniq_district_code")]


class Subdistrict(Place):
    district = models.ForeignKey(District, on_delete=models.CASCADE, related_name="subdistricts")

    class Meta(Place.Meta):
        verbose_name = _("街道")
        verbose_name_plural = _("街道")
        constraints = [models.UniqueConstraint(fields=["generation", "code"], name="uniq_subdistrict_code")]


class Community(Place):
    subdistrict = models.ForeignKey(Subdistrict, on_delete=models.CASCADE, related_name="communities")

    class Meta(Place.Meta):
        verbose_name = _("社区")
        verbose_name_plural = _("社区")
        constraints = [models.UniqueConstraint(fields=["generation", "code"], name="uniq_community_code")]


class Grid(Place):
    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="grids")
    area_m2 = models.FloatField(_("面积（平方米）"), null=True, blank=True)

    class Meta(Place.Meta):
        verbose_name = _("单元网格")
        verbose_name_plural = _("单元网格")
        constraints = [models.UniqueConstraint(fields=["generation", "code"], name="uniq_grid_code")]


class Street(Place):
    class Kind(models.TextChoices):
        STREET = "street", _("街")
        ALLEY = "alley", _("巷")
        HUTONG = "hutong", _("胡同")

    subdistrict = models.ForeignKey(Subdistrict, on_delete=models.CASCADE, related_name="streets")
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices, default=Kind.ALLEY)
    length_m = models.FloatField(_("长度（米）"), null=True, blank=True)

    class Meta(Place.Meta):
        verbose_name = _("街巷")
        verbose_name_plural = _("街巷")
        constraints = [models.UniqueConstraint(fields=["generation", "code"], name="uniq_street_code")]
