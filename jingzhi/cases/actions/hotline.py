"""12345 hotline work orders imported from a spreadsheet, all or nothing, through `do_open_case`."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from jingzhi.cases import permissions
from jingzhi.cases.exceptions import HotlineImportError
from jingzhi.cases.models import (
    Case,
    Source,
)
from jingzhi.core import tabular
from jingzhi.core.errors import ApplicationError, PermissionDenied
from jingzhi.core.types import Actor

from .intake import do_open_case

C = tabular.Column
HOTLINE_SPEC = [
    # Order numbers are codes: leading zeros kept, a number Excel mangled refused by row.
    C("external_ref", "工单编号", ("工单号", "order number", "order_number"), tabular.code(), required=True),
    C("description", "诉求内容", ("问题描述", "description"), required=True),
    C("lon", "经度", ("lon", "longitude"), tabular.number, required=True, needed=True),
    C("lat", "纬度", ("lat", "latitude"), tabular.number, required=True, needed=True),
    C("crs", "坐标系", ("crs",)),
    C("address", "地址", ("问题地址", "address")),
    C("request_type", "诉求类型", ("request type", "request_type")),
    C("urgency", "紧急程度", ("urgency",)),
    C("category", "分类编码", ("category", "category code"), tabular.code()),
    C("category_kind", "分类类型", ("category kind", "category_kind")),
    C("reporter_name", "诉求人", ("来电人", "reporter name", "reporter_name")),
    C("reporter_phone", "联系电话", ("来电号码", "reporter phone", "reporter_phone"), tabular.code()),
]
HOTLINE_COLUMNS = {column.key: (column.title, *column.aliases) for column in HOTLINE_SPEC}
REQUIRED_HOTLINE = tuple(column.key for column in HOTLINE_SPEC if column.required)


def do_import_hotline_orders(*, actor: Actor, file) -> dict:
    """Import 12345 work orders from Excel/CSV (told apart by content), keeping each order number as the
    case's external_ref. All or nothing: every bad row is reported (row number, why) in HotlineImportError
    and nothing is written. Orders already imported are skipped (re-import creates nothing). Columns the
    hotline system adds beyond ours are ignored. Returns {"created": n, "existing": n, "rows": n}."""
    from jingzhi.taxonomy.queries import category_by_code

    if actor is not None and not permissions.can_import_hotline(actor):
        raise PermissionDenied(_("只有受理员、值班长或区管理员可以导入热线工单"))
    book = tabular.open_book(file)  # an unreadable file is plain bad input (code "invalid")
    problems = tabular.Problems(HotlineImportError)
    rows = tabular.read_sheet(book.sheets[book.first()], HOTLINE_SPEC, problems, extra="ignore")
    if not rows:
        problems.raise_if_any()  # a wrong header: no row could be read
    created = existing = 0
    seen: dict[str, int] = {}
    with transaction.atomic():
        for row in rows:

            def cell(key, row=row) -> str:
                value = row[key]
                return "" if value is None else str(value)

            ref = cell("external_ref")
            if not ref:
                problems.add(_("缺少工单编号"), row=row.number)
                continue
            if ref in seen:
                problems.add(
                    _("工单编号 %(ref)s 与第 %(other)d 行重复") % {"ref": ref, "other": seen[ref]},
                    row=row.number,
                )
                continue
            seen[ref] = row.number
            if not row.ok:  # a cell that did not parse (say, 经度 not a number) is reported already
                continue
            if Case.objects.filter(source=Source.HOTLINE, external_ref=ref).exists():
                existing += 1
                continue
            try:
                category = None
                if cell("category"):
                    category = category_by_code(cell("category_kind") or "event", cell("category"))
                do_open_case(
                    actor=actor,
                    source=Source.HOTLINE,
                    description=cell("description"),
                    lon=float(row["lon"]),
                    lat=float(row["lat"]),
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
                problems.add(
                    exc.message,
                    row=row.number,
                    where=_("第 %(n)d 行（工单 %(ref)s）") % {"n": row.number, "ref": ref},
                )
        problems.raise_if_any()
    return {"created": created, "existing": existing, "rows": len(rows)}
