"""The admin upload form for boundary files (input parsing only; the import is `actions.do_import_places`)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from jingzhi.geo.levels import LEVELS
from jingzhi.geo.models import BoundaryGeneration


class ImportPlacesForm(forms.Form):
    level = forms.ChoiceField(
        label=_("层级"), choices=[(k, v.label) for k, v in LEVELS.items()], initial="grid"
    )
    file = forms.FileField(
        label=_("文件"),
        help_text=_(
            "GeoJSON（.geojson/.json）、GeoPackage（.gpkg）、Shapefile（把 .shp/.shx/.dbf/.prj 打包成 .zip）或 Excel（.xlsx）"
        ),
    )
    layer = forms.CharField(
        label=_("图层/工作表"), required=False, help_text=_("文件有多个图层或工作表时填写")
    )
    crs = forms.CharField(
        label=_("坐标系"),
        required=False,
        help_text=_("文件未声明坐标系且坐标是米时填写，如 EPSG:4548（CGCS2000 3度带 117°E）"),
    )
    gcj02 = forms.BooleanField(label=_("坐标为 GCJ-02（高德、腾讯地图）"), required=False)
    generation = forms.ModelChoiceField(
        label=_("导入到草稿版本"),
        required=False,
        queryset=BoundaryGeneration.objects.none(),
        empty_label=_("当前草稿（没有则复制启用版本新建）"),
    )
    replace = forms.BooleanField(label=_("替换：删除所涉上级单位下文件中没有的旧地点"), required=False)
    validate = forms.BooleanField(label=_("检查几何（有效性、重叠、空隙）"), required=False, initial=True)
    activate = forms.BooleanField(label=_("导入成功后立即启用该版本"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["generation"].queryset = BoundaryGeneration.objects.filter(
            is_active=False, activated_at__isnull=True
        ).order_by("-id")
