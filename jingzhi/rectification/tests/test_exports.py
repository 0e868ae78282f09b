"""The Excel exports of 十无一创建: a person's text never becomes a live formula (issue 9), and the sheet has
the house's header (bold, filled, frozen)."""

import io
import zipfile
from datetime import date

import pytest
from openpyxl import load_workbook

from jingzhi.rectification import actions, excel, queries

from .conftest import STREET1

pytestmark = pytest.mark.django_db

NOTE = '=HYPERLINK("http://x","y")'


def test_a_note_written_as_a_formula_is_exported_as_text(world):
    actions.do_record_inspection(
        actor=world.p.assessor,
        street_code=STREET1,
        kind="city_monthly",
        inspected_on=date(2025, 6, 11),
        note=NOTE,
    )
    data = excel.inspections_workbook(queries.inspections_for_export(world.p.assessor))
    sheet = load_workbook(io.BytesIO(data)).active
    header = [cell.value for cell in sheet[1]]
    note = sheet.cell(row=2, column=header.index("备注") + 1)
    assert note.value == NOTE and note.data_type == "s" and note.quotePrefix
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in xml and "HYPERLINK" in xml
    assert (
        sheet.freeze_panes == "A2" and sheet["A1"].font.b and sheet["A1"].fill.fgColor.rgb.endswith("DDEBF7")
    )
