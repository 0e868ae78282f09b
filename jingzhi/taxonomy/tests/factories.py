"""Small builders for taxonomy tests: a three-level tree and a workbook from plain rows."""

from __future__ import annotations

import io

from openpyxl import Workbook

from jingzhi.taxonomy import actions
from jingzhi.taxonomy.excel import CATEGORY_COLUMNS, FILING_COLUMNS, STEP_COLUMNS


def tree():
    """部件 01 公用设施 › 0101 上水井盖 › 010101 铸铁井盖."""
    major = actions.do_create_category(actor=None, kind="component", code="01", name="公用设施")
    minor = actions.do_create_category(
        actor=None,
        kind="component",
        code="0101",
        name="上水井盖",
        parent=major,
        keywords="井盖、窨井、下水道盖",
    )
    sub = actions.do_create_category(
        actor=None, kind="component", code="010101", name="铸铁井盖", parent=minor
    )
    return major, minor, sub


def workbook(categories=(), filing=(), steps=(), *, headers=None) -> bytes:
    """An .xlsx with the three sheets; rows are dicts keyed by column name (missing keys are blank)."""
    headers = headers or {}
    book = Workbook()
    book.remove(book.active)
    for title, columns, rows in (
        ("分类", CATEGORY_COLUMNS, categories),
        ("立案条件", FILING_COLUMNS, filing),
        ("环节时限", STEP_COLUMNS, steps),
    ):
        sheet = book.create_sheet(title)
        header = headers.get(title, columns)
        sheet.append(header)
        for row in rows:
            sheet.append([row.get(column, "") for column in header])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
