"""12345 hotline work orders imported from a spreadsheet, all or nothing, through `do_open_case`."""

from __future__ import annotations

import csv
import io

from django.db import transaction
from django.utils.translation import gettext as _

from jingzhi.cases import permissions
from jingzhi.cases.exceptions import HotlineImportError
from jingzhi.cases.models import (
    Case,
    Source,
)
from jingzhi.core.errors import ApplicationError, InvalidInput, PermissionDenied
from jingzhi.core.text import listing

from ._common import _clean_text
from .intake import do_open_case

HOTLINE_COLUMNS = {
    "external_ref": ("工单编号", "工单号"),
    "description": ("诉求内容", "问题描述"),
    "lon": ("经度",),
    "lat": ("纬度",),
    "crs": ("坐标系",),
    "address": ("地址", "问题地址"),
    "request_type": ("诉求类型",),
    "urgency": ("紧急程度",),
    "category": ("分类编码",),
    "category_kind": ("分类类型",),
    "reporter_name": ("诉求人", "来电人"),
    "reporter_phone": ("联系电话", "来电号码"),
}
REQUIRED_HOTLINE = ("external_ref", "description", "lon", "lat")


def _read_table(file) -> list[list]:
    """Rows of an .xlsx or .csv (UTF-8 or GB18030) as lists of cells; the first row is the header."""
    data = file.read() if hasattr(file, "read") else open(file, "rb").read()  # noqa: SIM115
    name = str(getattr(file, "name", file) or "")
    if data[:2] == b"PK":
        from openpyxl import load_workbook

        try:
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as exc:  # noqa: BLE001 - any unreadable workbook is one clear message
            raise InvalidInput(
                _("无法读取 Excel 文件：%(e)s") % {"e": exc}, fields={"file": "unreadable"}
            ) from exc
        return [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise InvalidInput(
            _("文件 %(name)s 既不是 Excel 也不是 UTF-8/GB18030 编码的 CSV") % {"name": name},
            fields={"file": "encoding"},
        )
    return list(csv.reader(io.StringIO(text)))


def do_import_hotline_orders(*, actor, file) -> dict:
    """Import 12345 work orders from Excel/CSV, keeping each order number as the case's external_ref.
    All or nothing: every bad row is reported (row number, why) in HotlineImportError and nothing is
    written. Orders already imported are skipped (re-import creates nothing). Returns
    {"created": n, "existing": n, "rows": n}."""
    from jingzhi.taxonomy.queries import category_by_code

    if actor is not None and not permissions.can_import_hotline(actor):
        raise PermissionDenied(_("只有受理员、值班长或区管理员可以导入热线工单"))
    rows = _read_table(file)
    if not rows:
        raise HotlineImportError([_("文件为空")])
    header = [_clean_text(h) for h in rows[0]]
    columns = {}
    for key, names in HOTLINE_COLUMNS.items():
        for index, title in enumerate(header):
            if title in names:
                columns[key] = index
                break
    missing = [HOTLINE_COLUMNS[k][0] for k in REQUIRED_HOTLINE if k not in columns]
    if missing:
        raise HotlineImportError([_("缺少列：%(cols)s") % {"cols": listing(missing)}])
    problems: list[str] = []
    created = existing = 0
    seen: dict[str, int] = {}
    body = [
        (number, row)
        for number, row in enumerate(rows[1:], start=2)
        if any(_clean_text(cell) for cell in row)
    ]
    with transaction.atomic():
        for number, row in body:

            def cell(key, row=row):
                index = columns.get(key)
                return _clean_text(row[index]) if index is not None and index < len(row) else ""

            ref = cell("external_ref")
            where = _("第 %(n)d 行") % {"n": number}
            if not ref:
                problems.append(_("%(where)s：缺少工单编号") % {"where": where})
                continue
            if ref in seen:
                problems.append(
                    _("%(where)s：工单编号 %(ref)s 与第 %(other)d 行重复")
                    % {"where": where, "ref": ref, "other": seen[ref]}
                )
                continue
            seen[ref] = number
            if Case.objects.filter(source=Source.HOTLINE, external_ref=ref).exists():
                existing += 1
                continue
            try:
                category = None
                if cell("category"):
                    category = category_by_code(cell("category_kind") or "event", cell("category"))
                try:
                    lon, lat = float(cell("lon")), float(cell("lat"))
                except ValueError:
                    raise InvalidInput(
                        _("经纬度不是数字（%(lon)s, %(lat)s）") % {"lon": cell("lon"), "lat": cell("lat")}
                    ) from None
                do_open_case(
                    actor=actor,
                    source=Source.HOTLINE,
                    description=cell("description"),
                    lon=lon,
                    lat=lat,
                    crs=cell("crs") or "wgs84",
                    address=cell("address"),
                    category=category,
                    reporter_name=cell("reporter_name"),
                    reporter_phone=cell("reporter_phone"),
                    external_ref=ref,
                    request_type=cell("request_type") or None,
                    urgency=cell("urgency") or None,
                )
                created += 1
            except ApplicationError as exc:
                problems.append(
                    _("%(where)s（工单 %(ref)s）：%(why)s") % {"where": where, "ref": ref, "why": exc.message}
                )
        if problems:
            raise HotlineImportError(problems)
    return {"created": created, "existing": existing, "rows": len(body)}
