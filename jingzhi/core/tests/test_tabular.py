"""The shared spreadsheet layer (`core.tabular`): each parsing rule every importer relies on, the problems
list, opening by content, and the workbook writer (header style, frozen row, widths, no formulas)."""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook

from jingzhi.core import tabular
from jingzhi.core.errors import InvalidInput
from jingzhi.core.tabular import CellError, Column, Problems, TableProblems


def xlsx(rows, title="Sheet") -> bytes:
    book = Workbook()
    book.active.title = title
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# ------------------------------------------------------------------------------------------------ yes / no


@pytest.mark.parametrize(
    "word", ["是", "√", "✓", "✔", "Y", "y", "yes", "YES", "True", "true", "1", 1, True, " 是 ", "Ｙ"]
)
def test_yes_forms(word):
    assert tabular.parse_yes_no(word) is True


@pytest.mark.parametrize("word", ["否", "×", "✗", "✘", "N", "n", "no", "No", "false", "FALSE", "0", 0, False])
def test_no_forms(word):
    assert tabular.parse_yes_no(word) is False


@pytest.mark.parametrize("word", ["", None, "也许", "2", 2, "对", "启用", "yes!"])
def test_anything_else_is_not_yes_or_no(word):
    assert tabular.parse_yes_no(word) is None


def test_a_column_may_add_its_own_words():
    assert tabular.parse_yes_no("启用", yes=["启用"], no=["停用"]) is True
    assert tabular.parse_yes_no("停用", yes=["启用"], no=["停用"]) is False
    parse = tabular.yes_no(yes=["牵头"])
    assert parse("牵头") is True
    with pytest.raises(CellError) as caught:
        parse("也许")
    assert caught.value.message("是否牵头") == "“是否牵头”应填“是”或“否”，现为“也许”"


# ------------------------------------------------------------------------------------------------ dates


@pytest.mark.parametrize(
    "value",
    [
        "2027-01-05",
        "2027/01/05",
        "2027/1/5",
        "2027年1月5日",
        "2027年01月05日",
        "2027.01.05",
        " 2027-01-05 ",
        date(2027, 1, 5),
        datetime(2027, 1, 5),
    ],
)
def test_date_forms(value):
    assert tabular.parse_date(value) == date(2027, 1, 5)


@pytest.mark.parametrize(
    "value", ["2027-13-01", "05/01/2027", "明天", "", None, 46000, datetime(2027, 1, 5, 9, 30)]
)
def test_what_is_not_a_date(value):
    assert tabular.parse_date(value) is None


def test_a_bad_date_names_the_column_and_the_accepted_forms():
    with pytest.raises(CellError) as caught:
        tabular.a_date("下周")
    assert caught.value.message("生效日期").startswith("生效日期“下周”不是日期（应为 YYYY-MM-DD")


# ------------------------------------------------------------------------------------------------ codes


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0101", "0101"),
        (" 0101 ", "0101"),
        ("00012", "00012"),
        (101, "101"),
        (110101001.0, "110101001"),
        ("A01", "A01"),
    ],
)
def test_codes_are_text_with_their_leading_zeros(value, expected):
    assert tabular.parse_code(value) == expected


def test_a_code_the_spreadsheet_made_a_number_gets_its_leading_zero_back_when_asked():
    assert tabular.parse_code(101, pad_even=True) == "0101"
    assert tabular.parse_code(1, pad_even=True) == "01"
    assert tabular.parse_code("101", pad_even=True) == "101"  # text is never touched


@pytest.mark.parametrize(
    "value", ["1.10102E+05", "1.10102e+14", "1E5", 12.5, 1.1010200100100101e17, -3, True]
)
def test_codes_mangled_by_a_spreadsheet_are_refused(value):
    with pytest.raises(CellError):
        tabular.parse_code(value)


def test_scientific_notation_is_refused_with_a_way_out():
    with pytest.raises(CellError) as caught:
        tabular.parse_code("1.10102E+05")
    assert "科学计数法" in caught.value.message("编码") and "文本格式" in caught.value.message("编码")


# ------------------------------------------------------------------------------------------------ numbers


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("4", Decimal(4)),
        ("-4.5", Decimal("-4.5")),
        (1.5, Decimal("1.5")),
        (7, Decimal(7)),
        (" 2.0 ", Decimal("2.0")),
    ],
)
def test_numbers(value, expected):
    assert tabular.parse_decimal(value) == expected


@pytest.mark.parametrize(
    "value", ["1e3", "1,000", "１２", "²", "abc", "", "nan", "inf", float("nan"), True, None]
)
def test_numbers_are_strict(value):
    assert tabular.parse_decimal(value) is None


@pytest.mark.parametrize(("value", "expected"), [("12", 12), ("-3", -3), ("4.0", 4), (4.0, 4), (9, 9)])
def test_whole_numbers(value, expected):
    assert tabular.parse_int(value) == expected


@pytest.mark.parametrize("value", ["4.5", 4.5, "²", "1e3", True])
def test_what_is_not_a_whole_number(value):
    assert tabular.parse_int(value) is None


def test_whole_number_bounds_are_worded_for_people():
    with pytest.raises(CellError) as caught:
        tabular.whole(minimum=0)("-3")
    assert caught.value.message("查重半径（米）") == "查重半径（米）“-3”应为不小于 0 的整数"
    with pytest.raises(CellError) as caught:
        tabular.whole(minimum=1)("0")
    assert caught.value.message("序号") == "序号“0”应为正整数"
    assert tabular.whole(minimum=1, maximum=3)("3") == 3


# ------------------------------------------------------------------------------------------------ text


def test_text_is_trimmed_cleaned_and_length_limited():
    assert tabular.parse_text("  井盖\x00丢了 ") == "井盖丢了"
    assert tabular.parse_text(12.0) == "12"
    with pytest.raises(CellError) as caught:
        tabular.parse_text("长" * 11, max_length=10)
    assert caught.value.message("名称") == "名称共 11 字，超过上限 10 字"


# ------------------------------------------------------------------------------------------------ sheets

SPEC = [
    Column("code", "编码", ("code",), tabular.code(), required=True, needed=True),
    Column("name", "名称", ("name", "地点名称"), required=True, default=""),
    Column("active", "启用", ("is active",), tabular.yes_no(), default=True),
    Column("since", "生效日期", ("valid from",), tabular.a_date),
]


def read(rows, **options):
    problems = Problems()
    return tabular.read_sheet(rows, SPEC, problems, **options), problems


def test_headers_match_chinese_and_english_aliases_ignoring_case_spaces_and_width():
    rows, problems = read([(" CODE ", "地点 名称", "Is Active", "valid from"), ("01", "甲", "×", "2027-1-5")])
    assert not problems
    assert rows[0].values == {"code": "01", "name": "甲", "active": False, "since": date(2027, 1, 5)}


def test_missing_required_and_unknown_columns_are_named():
    rows, problems = read([("编码", "颜色", None, "备注"), ("01", "红", None, "x")])
    assert rows == []
    text = [str(p) for p in problems.items]
    assert "表头（第 1 行）缺少列：名称" in text
    assert any(
        t.startswith("表头（第 1 行）有多余的列：颜色（B 列）、空列名（C 列）、备注（D 列）") for t in text
    )


def test_unknown_columns_may_be_ignored():
    rows, problems = read([("编码", "名称", "来电时间"), ("01", "甲", "9:00")], extra="ignore")
    assert not problems and rows[0]["code"] == "01"


def test_a_column_named_twice_is_refused():
    rows, problems = read([("编码", "名称", "code"), ("01", "甲", "02")])
    assert rows == [] and "列名重复：code" in str(problems.items[0])


def test_blank_rows_are_skipped_and_row_numbers_are_the_sheets_own():
    rows, problems = read(
        [("编码", "名称"), ("01", "甲"), (None, None), ("", "  "), ("", "丁"), ("04", "戊", "溢出")],
        label="网格",
    )
    assert [row.number for row in rows] == [2, 5, 6]
    assert [str(p) for p in problems.items] == [
        "「网格」表第 5 行：编码不能为空",
        "「网格」表第 6 行：在没有列名的列（C）中有数据",
    ]
    assert rows[0].ok and not rows[1].ok


def test_every_bad_cell_of_every_row_is_collected_with_row_and_column():
    rows, problems = read(
        [("编码", "名称", "启用", "生效日期"), ("01", "甲", "也许", "昨天"), ("1E5", "乙", "是", "")]
    )
    items = [(p.row, p.column) for p in problems.items]
    assert items == [(2, "启用"), (2, "生效日期"), (3, "编码")]
    assert rows[0]["active"] is True  # the column's default stands in for a bad cell


def test_problems_raise_one_invalid_input_in_row_order_listing_all():
    problems = Problems()
    problems.add("后面的问题", row=9)
    problems.add("表头问题", row=1, where="")
    problems.add("中间的问题", row=4, column="名称")
    with pytest.raises(TableProblems) as caught:
        problems.raise_if_any()
    error = caught.value
    assert isinstance(error, InvalidInput) and error.status == 400
    assert error.problems == ["表头问题", "第 4 行：中间的问题", "第 9 行：后面的问题"]
    assert error.fields == {"problems": error.problems}
    assert "共 3 处问题" in error.message and "第 9 行：后面的问题" in error.message
    assert (error.items[1].row, error.items[1].column) == (4, "名称")


def test_a_long_list_is_shortened_in_the_message_but_kept_whole_in_the_fields():
    error = TableProblems([f"第 {n} 行：错" for n in range(2, 32)])
    assert len(error.problems) == 30 and "另有 10 处" in error.message


# ------------------------------------------------------------------------------------------------ opening


def test_an_xlsx_is_known_by_its_content_whatever_its_name():
    upload = io.BytesIO(xlsx([("编码", "名称"), ("0101", "甲")], title="网格"))
    upload.name = "orders.csv"
    book = tabular.open_book(upload)
    assert book.kind == "xlsx" and book.sheets["网格"][1] == ("0101", "甲")


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_in_utf8_with_or_without_bom_and_in_gb18030(encoding):
    book = tabular.open_book("编码,名称\n0101,井盖\n".encode(encoding))
    assert book.kind == "csv" and book.sheets[""] == [("编码", "名称"), ("0101", "井盖")]


@pytest.mark.parametrize(
    "data",
    [b"\x00" * 1000, "编码\n".encode("utf-16"), b"PK\x03\x04not really a zip", b"\xff\xfe\xfd\x81\x30"],
)
def test_anything_else_is_refused_with_one_clear_message(data):
    with pytest.raises(TableProblems) as caught:
        tabular.open_book(data)
    assert caught.value.code == "invalid" and "既不是 Excel（.xlsx）也不是" in caught.value.problems[0]


def test_a_zip_that_is_not_a_workbook_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("grid.shp", b"x")
    with pytest.raises(TableProblems):
        tabular.open_book(buffer.getvalue())


def test_csv_can_be_refused_where_only_a_workbook_makes_sense():
    with pytest.raises(TableProblems, match="无法按 Excel"):
        tabular.open_book(b"kind,code\n", csv_allowed=False)


def test_a_csv_cell_too_long_to_be_a_table_is_refused():
    with pytest.raises(TableProblems, match="无法按 CSV 读取"):
        tabular.open_book(b"a\n" + b"x" * (tabular.MAX_CSV_FIELD + 1))


# ------------------------------------------------------------------------------------------------ writing


@pytest.mark.parametrize("text", ['=HYPERLINK("http://x","y")', "+1", "-1+2", "@SUM(A1)", "\tx", "\r=1"])
def test_text_that_looks_like_a_formula_is_written_as_text(text):
    book = tabular.WorkbookWriter()
    book.sheet("表", ["备注"]).append([text])
    data = book.to_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert "<f>" not in archive.read("xl/worksheets/sheet1.xml").decode()
    cell = load_workbook(io.BytesIO(data))["表"]["A2"]
    # (XML keeps a CR as a line break, so "\r=1" reads back as "\n=1")
    assert cell.data_type == "s" and cell.quotePrefix and cell.value == text.replace("\r", "\n")


def test_numbers_and_dates_stay_numbers_and_dates():
    book = tabular.WorkbookWriter()
    book.sheet("表", ["分", "日"], date_columns=(2,)).append([-5, date(2027, 1, 5)])
    sheet = load_workbook(io.BytesIO(book.to_bytes()))["表"]
    assert sheet["A2"].value == -5 and sheet["A2"].data_type == "n" and not sheet["A2"].quotePrefix
    assert sheet["B2"].value == datetime(2027, 1, 5) and sheet["B2"].number_format == "yyyy-mm-dd"


def test_the_header_is_bold_filled_and_frozen_and_columns_fit_their_content():
    book = tabular.WorkbookWriter()
    sheet = book.sheet("表", ["编码", "名称", "备注"], text_columns=(1,))
    sheet.append(["0101", "上水井盖", "很长" * 100])
    help_sheet = book.sheet("说明", None)
    help_sheet.append(["类型", "部件、事件"])
    data = load_workbook(io.BytesIO(book.to_bytes()))
    table = data["表"]
    assert all(cell.font.b for cell in table[1])
    assert table["A1"].fill.fgColor.rgb.endswith(tabular.HEADER_FILL)
    assert table.freeze_panes == "A2" and table["A2"].number_format == "@"
    widths = [table.column_dimensions[letter].width for letter in "ABC"]
    assert widths[0] == tabular.MIN_WIDTH  # "编码"/"0101" are narrow
    assert widths[1] == 10  # four wide characters plus a margin
    assert widths[2] == tabular.MAX_WIDTH  # capped
    assert data["说明"]["A1"].value == "类型" and data["说明"].freeze_panes is None


def test_a_written_workbook_reads_back_through_the_same_layer():
    book = tabular.WorkbookWriter()
    sheet = book.sheet("表", ["编码", "名称", "启用", "生效日期"], text_columns=(1,))
    sheet.append(["0101", "=甲", "是", date(2027, 1, 5)])
    opened = tabular.open_book(book.to_bytes())
    rows, problems = read(opened.sheets["表"])
    assert not problems
    assert rows[0].values == {"code": "0101", "name": "=甲", "active": True, "since": date(2027, 1, 5)}


# ------------------------------------------------------------------------------------------------ fast sheet reader


def _both_readings(book):
    from datetime import time, timedelta  # noqa: F401 - values in the books below

    buffer = io.BytesIO()
    book.save(buffer)
    opened = load_workbook(io.BytesIO(buffer.getvalue()), read_only=True, data_only=True)
    try:
        for sheet in opened.worksheets:
            yield [tuple(r) for r in sheet.iter_rows(values_only=True)], tabular._sheet_values(sheet)
    finally:
        opened.close()


def test_the_lean_sheet_reader_gives_what_openpyxl_gives():
    """`_sheet_values` replaces openpyxl's row iteration for speed; it must read every kind of cell the same:
    shared and inline strings (rich text too), numbers, booleans, dates and times by number format, gaps
    in rows and columns, cells beyond the recorded size, sheets with and without a recorded size."""
    from datetime import time, timedelta

    from openpyxl.cell.rich_text import CellRichText, TextBlock
    from openpyxl.cell.text import InlineFont

    book = Workbook()
    sheet = book.active
    sheet.append(["工单编号", "数", "日期", "真假", "公式"])
    sheet.append(["0012", 12, date(2026, 1, 2), True, "=1+1"])
    sheet.append([None, 1.5, datetime(2026, 1, 2, 3, 4, 5), False, None])
    sheet["C6"], sheet["G9"], sheet["B8"], sheet["A7"] = time(3, 4), "远处", 10**17, "  空格 "
    sheet["A10"] = timedelta(hours=30)
    sheet["A10"].number_format = "[h]:mm:ss"
    sheet["A11"] = CellRichText(["plain ", TextBlock(InlineFont(b=True), "bold")])
    sheet["B11"] = "x_x000D_y & <z>"
    book.create_sheet("二")["B3"] = "x"
    streamed = Workbook(write_only=True)  # no recorded size; text as inline strings
    rows = streamed.create_sheet("流")
    for row in (
        ["a&b<c>", " lead", "x_x000D_y", "line\nbreak", "", "中文\t"],
        [],
        [None, None, None, None, 5],
    ):
        rows.append(row)
    rows.append([True, 1e20, -3, 116.3505, 39.9005])
    for made in (book, streamed):
        for expected, lean in _both_readings(made):
            assert lean == expected
