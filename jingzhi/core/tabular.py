"""Spreadsheets in and out, one way for the whole house (see docs/adr/0003-tabular-layer.md).

Every importer (the category tree, the duty list, geo's attribute sheets, 12345 hotline orders, holiday files)
and every exporter goes through this module, so a file is opened, a header is matched, a 是/否 or a date is
read, and a problem is worded the same way everywhere. Reading: `open_book()` looks at a file's *content*
(an .xlsx is a zip with a workbook inside; anything else must decode as CSV in UTF-8, with or without BOM, or
GB18030), `read_sheet()` matches the header against a list of `Column`s (Chinese and English aliases, case
and spaces ignored), skips blank rows, parses each cell with the column's parser and collects every problem
with its row number into a `Problems` list that ends in one `TableProblems` (an `InvalidInput`, so every
interface already answers it as a 400 listing the rows). Domain checks stay with each app: it walks the
parsed rows and adds its own problems to the same list, and writes through its actions, all or nothing.
Writing: `WorkbookWriter` gives every sheet a bold filled header, a frozen header row, column widths fitted
to the content, and cells that can never be formulas (a steward's note `=HYPERLINK(...)` stays text).
No ORM here.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from jingzhi.core import ids
from jingzhi.core.errors import InvalidInput
from jingzhi.core.text import listing

# ------------------------------------------------------------------------------------------------ problems


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a file: where (sheet, row, column) and why, in Chinese. `where` overrides the
    place words when a problem spans rows (``第 3、4 行（同一规则）``); an empty `where` means the message
    already says where (header problems)."""

    message: str
    row: int | None = None
    column: str | None = None
    sheet: str | None = None
    where: str | None = None

    def place(self) -> str:
        if self.where is not None:
            return self.where
        sheet = _("「%(sheet)s」表") % {"sheet": self.sheet} if self.sheet else ""
        row = _("第 %(n)d 行") % {"n": self.row} if self.row is not None else ""
        return sheet + row

    def __str__(self) -> str:
        place = self.place()
        return f"{place}：{self.message}" if place else self.message


class TableProblems(InvalidInput):
    """A file with problems: `problems` lists every one as text (sheet, row number, why), `items` the same
    as `Problem`s; nothing was written. Apps subclass it only to keep their stable `code` and headline."""

    code = "import_problems"
    headline = gettext_lazy("导入失败，共 %(n)d 处问题，未写入任何数据：")
    shown = 20

    def __init__(self, problems: Iterable[Problem | str]):
        self.items = [p if isinstance(p, Problem) else Problem(str(p)) for p in problems]
        self.problems = [str(p) for p in self.items]
        head = self.problems[: self.shown]
        # The headline alone, for a page that lists `problems` under it (the message would repeat them).
        self.summary = str(self.headline) % {"n": len(self.problems)}
        message = self.summary + "；".join(head)
        if len(self.problems) > len(head):
            message += _("……（另有 %(n)d 处）") % {"n": len(self.problems) - len(head)}
        super().__init__(message, fields={"problems": self.problems})


class UnreadableFile(TableProblems):
    """The upload is not a spreadsheet this layer reads: plain bad input (code "invalid"), as any bad upload
    is; importers that always answered with their own code pass theirs to `open_book(error=...)`."""

    code = "invalid"
    headline = gettext_lazy("无法读取文件（%(n)d 处问题）：")


class Problems:
    """Collects problems while a file is read and checked; `raise_if_any()` ends the import when there are
    any, in file order (sheets in the order first seen, then rows; problems without a row first)."""

    def __init__(self, error: type[TableProblems] = TableProblems):
        self.error = error
        self.items: list[Problem] = []
        self._sheets: dict[str | None, int] = {}

    def add(
        self,
        message: str,
        *,
        row: int | None = None,
        column: str | None = None,
        sheet: str | None = None,
        where: str | None = None,
    ) -> None:
        self._sheets.setdefault(sheet, len(self._sheets))
        self.items.append(Problem(str(message), row=row, column=column, sheet=sheet, where=where))

    def __len__(self) -> int:
        return len(self.items)

    def __bool__(self) -> bool:
        return bool(self.items)

    def fail(self, message: str, **where) -> TableProblems:
        """Add one problem and give the exception to raise (for a file that cannot be read any further)."""
        self.add(message, **where)
        return self.exception()

    def exception(self) -> TableProblems:
        ordered = sorted(self.items, key=lambda p: (self._sheets.get(p.sheet, 0), p.row or 0))
        return self.error(ordered)

    def raise_if_any(self) -> None:
        if self.items:
            raise self.exception()


class CellError(ValueError):
    """Raised by a cell parser: a Chinese message template with `%(col)s` for the column's title (filled in
    by `read_sheet`) and its other values."""

    def __init__(self, template: str, **values):
        self.template, self.values = template, values
        super().__init__(self.message(""))

    def message(self, column: str) -> str:
        return self.template % {**self.values, "col": column}


# ------------------------------------------------------------------------------------------------ opening

XLSX = "xlsx"
CSV = "csv"
MAX_CSV_FIELD = 100_000  # characters in one CSV cell; more is not a table a person wrote


@dataclass
class Book:
    """An opened file: its sheets' rows as tuples of cell values. A CSV is one sheet named ""."""

    kind: str
    sheets: dict[str, list[tuple]]

    @property
    def sheetnames(self) -> list[str]:
        return list(self.sheets)

    def first(self) -> str:
        return next(iter(self.sheets))


def _read_bytes(source) -> bytes:
    if isinstance(source, bytes | bytearray | memoryview):
        return bytes(source)
    if isinstance(source, str | Path):
        return Path(source).read_bytes()
    if hasattr(source, "seek"):
        source.seek(0)
    data = source.read()
    return data.encode("utf-8") if isinstance(data, str) else bytes(data)


def sniff(data: bytes) -> str | None:
    """ "xlsx" for a zip holding a workbook, "csv" for text that decodes as UTF-8 or GB18030, else None."""
    if data[:4] == b"PK\x03\x04":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, ValueError, OSError):
            return None
        return XLSX if "xl/workbook.xml" in names or "[Content_Types].xml" in names else None
    if b"\x00" in data:  # binary, or UTF-16 (Excel's "Unicode text"), which we do not read
        return None
    return CSV if decode_text(data) is not None else None


def decode_text(data: bytes) -> str | None:
    """Text of a CSV saved by Excel: UTF-8 (with or without BOM), else GB18030 (Excel on Chinese Windows)."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def open_book(source, *, csv_allowed: bool = True, error: type[TableProblems] = UnreadableFile) -> Book:
    """Open an upload, a path or bytes by its content. Raises `error` with one clear Chinese problem when
    the content is neither a readable .xlsx nor (when `csv_allowed`) a CSV."""
    data = _read_bytes(source)
    kind = sniff(data)
    if kind == XLSX:
        return _open_xlsx(data, error)
    if kind == CSV and csv_allowed:
        return _open_csv(data, error)
    if csv_allowed:
        raise error([_("文件既不是 Excel（.xlsx）也不是 UTF-8 或 GB18030 编码的 CSV，无法读取")])
    raise error([_("文件无法按 Excel（.xlsx）读取：请上传 .xlsx 格式的工作簿")])


def _open_xlsx(data: bytes, error) -> Book:
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            sheets = {ws.title: _sheet_values(ws) for ws in workbook.worksheets}
        finally:
            workbook.close()
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds; all mean "not a readable .xlsx"
        raise error([_("文件无法按 Excel（.xlsx）读取：%(error)s") % {"error": exc}]) from None
    return Book(XLSX, sheets)


def _sheet_values(ws) -> list[tuple]:
    """A read-only sheet's rows exactly as `ws.iter_rows(values_only=True)` gives them (from row 1; as wide
    as the sheet's recorded size, or as the row's last cell when the file records none; missing cells
    None), read by a lean loop: openpyxl's own costs about a millisecond a row, too slow for a file of
    100,000 orders. openpyxl's cell parsing (`WorkSheetParser.parse_cell` with `data_only`): cached formula
    results, shared and inline strings, booleans, numbers, dates by the cell's number format, ISO dates."""
    from openpyxl.utils.cell import column_index_from_string
    from openpyxl.utils.datetime import from_excel, from_ISO8601
    from openpyxl.worksheet._reader import _cast_number
    from openpyxl.xml.constants import SHEET_MAIN_NS
    from openpyxl.xml.functions import iterparse

    row_tag, value_tag, inline_tag, text_tag, run_tag = (
        f"{{{SHEET_MAIN_NS}}}{t}" for t in ("row", "v", "is", "t", "r")
    )
    book = ws.parent
    shared, epoch = ws._shared_strings, book.epoch
    date_formats, timedelta_formats = book._date_formats, book._timedelta_formats
    width, last = ws.max_column, ws.max_row
    empty: tuple = (None,) * width if width else ()
    columns: dict[str, int] = {}
    rows: list[tuple] = []
    number = 0
    with ws._get_source() as source:
        for _event, element in iterparse(source):
            if element.tag != row_tag:
                continue
            at = element.get("r")
            number = number + 1 if at is None else int(float(at))
            if last is not None and number > last:
                break
            found = []
            column = 0
            for cell in element:
                kind = cell.get("t", "n")
                place = cell.get("r")
                if place:
                    letters = place.rstrip("0123456789").replace("$", "")
                    column = columns.get(letters) or columns.setdefault(
                        letters, column_index_from_string(letters)
                    )
                else:
                    column += 1
                if kind == "inlineStr":  # what openpyxl's write-only mode writes for text
                    child = cell.find(inline_tag)
                    value = _inline_text(child, text_tag, run_tag) if child is not None else None
                else:
                    value = cell.findtext(value_tag, None) or None
                    if value is not None:
                        if kind == "n":
                            value = _cast_number(value)
                            style = int(cell.get("s", 0) or 0)
                            if style and style in date_formats:
                                try:
                                    value = from_excel(value, epoch, timedelta=style in timedelta_formats)
                                except (OverflowError, ValueError):
                                    value = "#VALUE!"
                        elif kind == "s":
                            value = shared[int(value)]
                        elif kind == "b":
                            value = bool(int(value))
                        elif kind == "d":
                            value = from_ISO8601(value)
                found.append((column, value))
            element.clear()
            if number <= len(rows):  # a row number that goes back: openpyxl skips it too
                continue
            rows.extend([empty] * (number - 1 - len(rows)))
            row_width = width or (found[-1][0] if found else 0)
            values = [None] * row_width
            for column, value in found:
                if column <= row_width:
                    values[column - 1] = value
            rows.append(tuple(values))
    if last is not None:
        rows.extend([empty] * (last - len(rows)))
    return rows


def _inline_text(node, text_tag: str, run_tag: str) -> str:
    """An inline string's text as openpyxl's `Text.content` gives it: the plain part, then each run's."""
    plain, runs = None, []
    for child in node:
        if child.tag == text_tag:
            plain = child.text or ""
        elif child.tag == run_tag:
            text = child.find(text_tag)
            if text is not None:
                runs.append(text.text or "")
    return "".join(([plain] if plain is not None else []) + runs)


def _open_csv(data: bytes, error) -> Book:
    text = decode_text(data) or ""
    try:
        reader = csv.reader(io.StringIO(text, newline=""))
        rows = []
        for row in reader:
            if any(len(cell) > MAX_CSV_FIELD for cell in row):
                raise csv.Error(_("单元格超过 %(n)d 个字符") % {"n": MAX_CSV_FIELD})
            rows.append(tuple(row))
    except csv.Error as exc:
        raise error([_("文件无法按 CSV 读取：%(why)s") % {"why": exc}]) from None
    return Book(CSV, {"": rows})


# ------------------------------------------------------------------------------------------------ cells

YES = ("是", "√", "✓", "✔", "y", "yes", "true", "1")
NO = ("否", "×", "✗", "✘", "n", "no", "false", "0")
DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y年%m月%d日", "%Y.%m.%d")
_DECIMAL_TEXT = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?")
_SCIENTIFIC = re.compile(r"[0-9](\.[0-9]+)?[eE][+-]?[0-9]+")
_FLOAT_DIGITS = 15  # Excel keeps 15 significant digits of a number; a longer code typed as one is lost


def is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


def cell_text(value) -> str:
    """A cell as the text a person sees: trimmed; an integral float without its ".0"; a date as ISO."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer() and abs(value) < 10**_FLOAT_DIGITS:
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def _fold(text: str) -> str:
    """Loose form of a header or a word: NFKC (full-width to half-width), no spaces, case-folded."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).casefold()


_YES = frozenset(_fold(word) for word in YES)
_NO = frozenset(_fold(word) for word in NO)


def parse_yes_no(value, *, yes: Iterable[str] = (), no: Iterable[str] = ()) -> bool | None:
    """是/否, √/×, ✓/✗, Y/N, yes/no, true/false, 1/0 (any case), a boolean cell, plus a column's own words
    (`yes`/`no`, such as 启用/停用); None for anything else, blank included."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    text = _fold(cell_text(value))
    if text in _YES or text in {_fold(w) for w in yes}:
        return True
    if text in _NO or text in {_fold(w) for w in no}:
        return False
    return None


def parse_date(value) -> date | None:
    """A date cell, or text as YYYY-MM-DD, YYYY/MM/DD, YYYY年M月D日 or YYYY.MM.DD; None otherwise."""
    if isinstance(value, datetime):
        return value.date() if value.time() == datetime.min.time() else None
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        return None
    text = value.strip()
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def parse_decimal(value) -> Decimal | None:
    """A number cell, or text of ASCII digits with an optional sign and decimal point (no exponent, no
    thousands separators, no full-width digits); None otherwise."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        number = Decimal(repr(value))
        return number if number.is_finite() else None
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    if isinstance(value, str) and _DECIMAL_TEXT.fullmatch(value.strip()):
        try:
            return Decimal(value.strip())
        except InvalidOperation:  # pragma: no cover - the pattern admits only valid decimals
            return None
    return None


def parse_int(value) -> int | None:
    """A whole number (an integral number cell, or text such as "12", "-3" or "4.0"); None otherwise."""
    if isinstance(value, str):
        text = value.strip()
        if (number := ids.parse_count(text)) is not None:
            return number
        value = text
    number = parse_decimal(value)
    if number is None or number != number.to_integral_value():
        return None
    return int(number)


def parse_code(value, *, pad_even: bool = False) -> str:
    """A code (place, category, department, order number) as text, leading zeros kept.

    A code typed into a number cell loses its leading zeros and, past 15 digits, its tail; Excel shows a
    long one as 1.10102E+05. Text like that, a fraction, or a number too long to be exact raises CellError.
    An integral number cell is taken as its digits; `pad_even` gives back the leading zero of codes that use
    two digits a level ("0101" read as 101)."""
    if isinstance(value, bool):
        raise CellError(_("%(col)s应为编码（文字），不是“是/否”"))
    if isinstance(value, float):
        if not value.is_integer():
            raise CellError(_("%(col)s“%(v)s”不是编码：请把该列设为文本格式后重新填写"), v=value)
        if abs(value) >= 10**_FLOAT_DIGITS:
            raise CellError(
                _("%(col)s“%(v)s”超过 15 位，已被表格软件当作数字截断：请把该列设为文本格式后重新填写"),
                v=cell_text(value),
            )
        value = int(value)
    if isinstance(value, int):
        text = str(value)
        if value < 0:
            raise CellError(_("%(col)s“%(v)s”不是编码"), v=text)
        return text.zfill(len(text) + len(text) % 2) if pad_even else text
    text = cell_text(value)
    if _SCIENTIFIC.fullmatch(text):
        raise CellError(
            _("%(col)s“%(v)s”被表格软件写成了科学计数法：请把该列设为文本格式后重新填写完整编码"), v=text
        )
    return text


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def parse_text(value, *, max_length: int | None = None) -> str:
    """Trimmed text; control characters (NUL and friends, which PostgreSQL refuses) are dropped."""
    text = _CONTROL.sub("", cell_text(value))
    if max_length is not None and len(text) > max_length:
        raise CellError(_("%(col)s共 %(n)d 字，超过上限 %(max)d 字"), n=len(text), max=max_length)
    return text


# Column parsers: value → parsed, or CellError whose message follows the column's title.


def text(max_length: int | None = None) -> Callable:
    def parse(value):
        return parse_text(value, max_length=max_length)

    return parse


def yes_no(*, yes: Iterable[str] = (), no: Iterable[str] = ()) -> Callable:
    yes, no = tuple(yes), tuple(no)

    def parse(value):
        result = parse_yes_no(value, yes=yes, no=no)
        if result is None:
            raise CellError(_("“%(col)s”应填“是”或“否”，现为“%(v)s”"), v=cell_text(value))
        return result

    return parse


def a_date(value):
    result = parse_date(value)
    if result is None:
        raise CellError(
            _("%(col)s“%(v)s”不是日期（应为 YYYY-MM-DD、YYYY/MM/DD 或 YYYY年M月D日）"), v=cell_text(value)
        )
    return result


def code(*, pad_even: bool = False) -> Callable:
    def parse(value):
        return parse_code(value, pad_even=pad_even)

    return parse


def whole(*, minimum: int | None = None, maximum: int | None = None) -> Callable:
    def parse(value):
        number = parse_int(value)
        if (
            number is None
            or (minimum is not None and number < minimum)
            or (maximum is not None and number > maximum)
        ):
            if minimum == 1 and maximum is None:
                want = _("应为正整数")
            elif minimum is not None and maximum is None:
                want = _("应为不小于 %(min)d 的整数") % {"min": minimum}
            elif minimum is not None and maximum is not None:
                want = _("应为 %(min)d–%(max)d 之间的整数") % {"min": minimum, "max": maximum}
            else:
                want = _("应为整数")
            raise CellError(_("%(col)s“%(v)s”%(want)s"), v=cell_text(value), want=want)
        return number

    return parse


def number(value):
    result = parse_decimal(value)
    if result is None:
        raise CellError(_("%(col)s“%(v)s”不是数字"), v=cell_text(value))
    return result


# ------------------------------------------------------------------------------------------------ sheets


@dataclass(frozen=True)
class Column:
    """One column of a sheet: `key` for the code, `title` (Chinese, what exports write) and `aliases`
    (Chinese and English) for the header, `parse` for a filled cell, `default` for a blank one;
    `required` columns must be in the header, `needed` cells must be filled."""

    key: str
    title: str
    aliases: tuple[str, ...] = ()
    parse: Callable = field(default=text())
    required: bool = False
    needed: bool = False
    default: Any = None


@dataclass
class Row:
    number: int  # the spreadsheet's own row number (the header is row 1)
    values: dict[str, Any]
    raw: dict[str, Any]
    ok: bool = True  # every cell parsed

    def __getitem__(self, key: str):
        return self.values[key]

    def get(self, key: str, default=None):
        return self.values.get(key, default)

    def text(self, key: str) -> str:
        return cell_text(self.raw.get(key))


def _cell(values: tuple, index: int | None):
    return values[index] if index is not None and index < len(values) else None


def _header_place(label: str | None) -> str:
    return _("「%(sheet)s」表") % {"sheet": label} if label else _("表头（第 1 行）")


def read_sheet(
    rows: Iterable[tuple],
    columns: Iterable[Column],
    problems: Problems,
    *,
    label: str | None = None,
    extra: str = "refuse",
) -> list[Row]:
    """Parse a sheet (first row the header) against `columns`. Header problems (missing required columns,
    unknown ones when `extra == "refuse"`, duplicates) and every cell problem go to `problems`, each with
    the sheet's row number; a sheet whose header is wrong gives no rows. Blank rows are skipped."""
    columns = list(columns)
    lookup: dict[str, Column] = {}
    for column in columns:
        for name in (column.title, column.key, *column.aliases):
            lookup.setdefault(_fold(name), column)
    iterator: Iterator = iter(rows)
    header = [cell_text(cell) for cell in next(iterator, ())]
    while header and not header[-1]:
        header.pop()
    place = _header_place(label)
    if not header:
        problems.add(_("%(where)s是空的：第 1 行应为表头") % {"where": place}, row=1, sheet=label, where="")
        return []
    positions: dict[str, int] = {}
    unknown, duplicated, unnamed = [], [], []
    for index, title in enumerate(header):
        column = lookup.get(_fold(title)) if title else None
        if column is None:
            (unknown if title else unnamed).append(index)
        elif column.key in positions:
            duplicated.append(title)
        else:
            positions[column.key] = index
    missing = [c.title for c in columns if c.required and c.key not in positions]
    bad_header = False
    if missing:
        problems.add(
            _("%(where)s缺少列：%(cols)s") % {"where": place, "cols": listing(missing)},
            row=1,
            sheet=label,
            where="",
        )
        bad_header = True
    if extra == "refuse" and (unknown or unnamed):
        names = [
            _("%(title)s（%(letter)s 列）")
            % {"title": header[i] or _("空列名"), "letter": get_column_letter(i + 1)}
            for i in sorted(unknown + unnamed)
        ]
        problems.add(
            _("%(where)s有多余的列：%(cols)s；可用的列：%(known)s")
            % {"where": place, "cols": listing(names), "known": listing(c.title for c in columns)},
            row=1,
            sheet=label,
            where="",
        )
        bad_header = True
    if duplicated:
        problems.add(
            _("%(where)s列名重复：%(cols)s") % {"where": place, "cols": listing(duplicated)},
            row=1,
            sheet=label,
            where="",
        )
        bad_header = True
    if bad_header:
        return []
    width = len(header)
    parsed: list[Row] = []
    for number_, values in enumerate(iterator, start=2):
        values = tuple(values or ())
        if all(is_blank(v) for v in values):
            continue
        if extra == "refuse":
            spill = [i for i in range(width, len(values)) if not is_blank(values[i])]
            if spill:
                problems.add(
                    _("在没有列名的列（%(cols)s）中有数据")
                    % {"cols": listing(get_column_letter(i + 1) for i in spill)},
                    row=number_,
                    sheet=label,
                )
        raw = {c.key: _cell(values, positions.get(c.key)) for c in columns}
        row = Row(number_, {}, raw)
        for column in columns:
            value = raw[column.key]
            if is_blank(value):
                row.values[column.key] = column.default
                if column.needed and column.key in positions:
                    problems.add(
                        _("%(col)s不能为空") % {"col": column.title},
                        row=number_,
                        column=column.title,
                        sheet=label,
                    )
                    row.ok = False
                continue
            try:
                row.values[column.key] = column.parse(value)
            except CellError as exc:
                problems.add(exc.message(column.title), row=number_, column=column.title, sheet=label)
                row.values[column.key] = column.default
                row.ok = False
        parsed.append(row)
    return parsed


# ------------------------------------------------------------------------------------------------ writing

HEADER_FILL = "DDEBF7"
MIN_WIDTH, MAX_WIDTH = 6, 50
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def display_width(value) -> int:
    """Columns a value takes on screen: a CJK (wide) character counts two; the longest line counts."""
    lines = cell_text(value).splitlines() or [""]
    return max(sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line) for line in lines)


def is_formula_like(value) -> bool:
    return isinstance(value, str) and value.startswith(_FORMULA_START)


class SheetWriter:
    """Rows for one worksheet. Text is always written as text: a value starting with = + - @, tab or CR is
    stored as a string cell with Excel's quote prefix, so no spreadsheet program runs it as a formula.
    With a `header`, row 1 is bold and filled and stays frozen; without one (a help sheet) rows start at 1."""

    def __init__(
        self,
        worksheet,
        header: list[str] | None,
        *,
        text_columns: Iterable[int] = (),
        date_columns: Iterable[int] = (),
    ):
        self.worksheet = worksheet
        self.text_columns = set(text_columns)
        self.date_columns = set(date_columns)
        self.widths: list[int] = []
        self.rows = 0
        if header is not None:
            self._write(header, styled=False)
            for cell in worksheet[1]:
                cell.font = Font(bold=True)
                cell.fill = PatternFill("solid", fgColor=HEADER_FILL)
            worksheet.freeze_panes = "A2"

    def append(self, values: Iterable) -> int:
        """Append a data row; returns its row number."""
        return self._write(values, styled=True)

    def _write(self, values: Iterable, *, styled: bool) -> int:
        self.rows += 1
        for index, value in enumerate(values, start=1):
            if isinstance(value, str):
                value = _CONTROL.sub("", value)  # openpyxl refuses control characters in a cell
            cell = self.worksheet.cell(row=self.rows, column=index)
            cell.value = value
            if isinstance(value, str) and value:
                cell.data_type = "s"  # never "f": a text that looks like a formula stays text
                if is_formula_like(value):
                    cell.quotePrefix = True
            if styled and index in self.text_columns:
                cell.number_format = "@"
            if styled and index in self.date_columns and isinstance(value, date):
                cell.number_format = "yyyy-mm-dd"
            while len(self.widths) < index:
                self.widths.append(0)
            self.widths[index - 1] = max(self.widths[index - 1], display_width(value))
        return self.rows

    def fill(self, row: int, column: int, color: str) -> None:
        self.worksheet.cell(row=row, column=column).fill = PatternFill("solid", fgColor=color)

    def finish(self) -> None:
        for index, width in enumerate(self.widths, start=1):
            self.worksheet.column_dimensions[get_column_letter(index)].width = min(
                MAX_WIDTH, max(MIN_WIDTH, width + 2)
            )


class WorkbookWriter:
    """An .xlsx built sheet by sheet: `sheet(title, header)` gives a `SheetWriter` (`header=None` for
    a sheet without a header row, such as a help sheet); `to_bytes()` / `save()` finish every sheet."""

    def __init__(self):
        self.workbook = Workbook()
        self.workbook.remove(self.workbook.active)
        self.sheets: list[SheetWriter] = []

    def sheet(self, title: str, header: list[str] | None, **options) -> SheetWriter:
        writer = SheetWriter(
            self.workbook.create_sheet(title), list(header) if header is not None else None, **options
        )
        self.sheets.append(writer)
        return writer

    def save(self, destination) -> None:
        for writer in self.sheets:
            writer.finish()
        self.workbook.save(destination)

    def to_bytes(self) -> bytes:
        buffer = io.BytesIO()
        self.save(buffer)
        return buffer.getvalue()
