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
from jingzhi.taxonomy.queries import pinned_generation

from .bulk import BulkIntake

PROGRESS_EVERY = 1000

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


@pinned_generation()
def do_import_hotline_orders(*, actor: Actor, file, progress=None) -> dict:
    """Import 12345 work orders from Excel/CSV (told apart by content), keeping each order number as the
    case's external_ref. All or nothing: every bad row is reported (row number, why) in HotlineImportError
    and nothing is written. Orders already imported are skipped (re-import creates nothing). Columns the
    hotline system adds beyond ours are ignored. Returns {"created": n, "existing": n, "rows": n}.

    Every order is checked and prepared first (located, categorised, clocked: `bulk.BulkIntake`), then all
    are written together with multi-row INSERTs. `progress(stage, done, total)` is told how far it got:
    stage "check" while rows are checked, "write" while they are written."""
    if actor is not None and not permissions.can_import_hotline(actor):
        raise PermissionDenied(_("只有受理员、值班长或区管理员可以导入热线工单"))
    book = tabular.open_book(file)  # an unreadable file is plain bad input (code "invalid")
    problems = tabular.Problems(HotlineImportError)
    rows = tabular.read_sheet(book.sheets[book.first()], HOTLINE_SPEC, problems, extra="ignore")
    if not rows:
        problems.raise_if_any()  # a wrong header: no row could be read
    total = len(rows)
    refs = {str(row["external_ref"]) for row in rows if row["external_ref"] not in (None, "")}
    known = _imported_refs(refs)
    intake = BulkIntake(actor=actor, source=Source.HOTLINE)
    # Every point at once: one query of the locator's index for the whole file.
    intake.locate_all(
        (float(row["lon"]), float(row["lat"]), _text(row["crs"]) or "wgs84")
        for row in rows
        if row.ok and row["lon"] is not None and row["lat"] is not None
    )
    existing = 0
    seen: dict[str, int] = {}
    for done, row in enumerate(rows, start=1):
        if progress and (done % PROGRESS_EVERY == 0 or done == total):
            progress("check", done, total)

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
        if ref in known:
            existing += 1
            continue
        try:
            intake.add(
                row=row.number,
                description=cell("description"),
                lon=float(row["lon"]),
                lat=float(row["lat"]),
                crs=cell("crs") or "wgs84",
                address=cell("address"),
                category_code=cell("category"),
                category_kind=cell("category_kind"),
                reporter_name=cell("reporter_name"),
                reporter_phone=cell("reporter_phone"),
                external_ref=ref,
                request_type=cell("request_type"),
                urgency=cell("urgency"),
            )
        except ApplicationError as exc:
            problems.add(
                exc.message,
                row=row.number,
                where=_("第 %(n)d 行（工单 %(ref)s）") % {"n": row.number, "ref": ref},
            )
    problems.raise_if_any()
    with transaction.atomic():
        created = intake.write(
            progress=(lambda done, count: progress("write", done, count)) if progress else None
        )
    return {"created": len(created), "existing": existing, "rows": total}


def _text(value) -> str:
    return "" if value is None else str(value)


def _imported_refs(refs: set[str]) -> set[str]:
    """The order numbers among `refs` already imported (one read per thousand)."""
    found: set[str] = set()
    ordered = sorted(refs)
    for start in range(0, len(ordered), 1000):
        found.update(
            Case.objects.filter(
                source=Source.HOTLINE, external_ref__in=ordered[start : start + 1000]
            ).values_list("external_ref", flat=True)
        )
    return found
