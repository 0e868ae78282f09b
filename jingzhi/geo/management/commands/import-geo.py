"""`jingzhi import-geo --level grid FILE`: load one level of places from a boundary file into a draft."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from jingzhi.core.errors import ApplicationError
from jingzhi.geo import actions, readers
from jingzhi.geo.exceptions import GeoImportError
from jingzhi.geo.levels import LEVEL_NAMES


class Command(BaseCommand):
    help = _(
        "从 GeoJSON、GeoPackage、Shapefile 或 Excel 属性表导入一级地点到草稿边界版本（全部成功或全部不导入）"
    )

    def add_arguments(self, parser):
        parser.add_argument("--level", required=True, choices=LEVEL_NAMES, help=_("地点层级"))
        parser.add_argument("file", help=_("文件路径（.geojson/.json、.gpkg、.shp/.zip、.xlsx）"))
        parser.add_argument("--layer", help=_("图层名（GeoPackage）或工作表名（Excel）"))
        parser.add_argument("--crs", help=_("文件坐标系，如 EPSG:4547；文件自带坐标系时以此为准"))
        parser.add_argument(
            "--gcj02", action="store_true", help=_("坐标为 GCJ-02（高德、腾讯地图），导入时换算为 WGS84")
        )
        parser.add_argument(
            "--generation", type=int, help=_("导入到的草稿版本编号（默认：当前草稿，没有则新建）")
        )
        parser.add_argument(
            "--no-validate", action="store_true", help=_("跳过几何检查（有效性、重叠、空隙）")
        )
        parser.add_argument(
            "--replace",
            action="store_true",
            help=_("文件即其所涉各上级单位下该级地点的完整清单：删除文件中没有的旧地点"),
        )
        parser.add_argument("--activate", action="store_true", help=_("导入成功后立即启用该版本"))

    def handle(self, *args, **opts):
        from tqdm import tqdm

        path = Path(opts["file"])
        if not path.exists():
            raise CommandError(_("文件不存在：%(path)s") % {"path": path})
        try:
            result = readers.read_file(path, layer=opts["layer"], crs=opts["crs"], gcj02=opts["gcj02"])
            self.stdout.write(_("读取 %(n)d 个要素（%(path)s）") % {"n": len(result.features), "path": path})
            with tqdm(
                total=len(result.features),
                unit=_("个"),
                desc=_("写入"),
                disable=opts["verbosity"] < 1,
                file=self.stderr._out,
            ) as bar:
                report = actions.do_import_places(
                    actor=None,
                    level=opts["level"],
                    features=result.features,
                    generation=opts["generation"],
                    validate=not opts["no_validate"],
                    replace=opts["replace"] and not result.attribute_only,
                    source=f"import-geo {path.name}",
                    progress=bar.update,
                )
            self.stdout.write(self.style.SUCCESS(report.summary()))
            if opts["activate"]:
                actions.do_activate_generation(actor=None, generation=report.generation_id)
                self.stdout.write(
                    self.style.SUCCESS(_("已启用边界版本 #%(id)d") % {"id": report.generation_id})
                )
        except GeoImportError as exc:
            for problem in exc.problems:
                self.stderr.write(f"- {problem}")
            raise CommandError(exc.message) from None
        except ApplicationError as exc:
            raise CommandError(exc.message) from None
