"""Reading the State Council's yearly holiday notice from a small file, and checking it.

Pure: text in, `HolidayRow`s or a `HolidayFileError` listing **every** problem (with line numbers, in
Chinese) out; `jingzhi.core.actions.do_import_holidays` writes the rows. Two formats are accepted
(see docs/calendar.md and `jingzhi/core/data/holidays-example.csv`):

CSV with the header ``date,name,is_workday`` (or 日期,名称,是否上班)::

    date,name,is_workday
    2027-01-01,元旦,0
    2027-02-14,春节,1

or a compact text form mirroring the notice, one holiday a line::

    元旦: 放假 2027-01-01~2027-01-03
    春节: 放假 2027-02-06~2027-02-13; 上班 2027-02-14, 2027-02-20

Lines starting with ``#`` are comments in both.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jingzhi.core import tabular
from jingzhi.core.errors import InvalidInput
from jingzhi.core.tabular import TableProblems
from jingzhi.core.text import listing

MAX_NAME = 64
# The house's yes/no forms (是/否, √/×, 1/0, …) plus this file's own words.
_WORKDAY_WORDS = ("上班", "班", "workday")
_HOLIDAY_WORDS = ("放假", "休", "holiday")
_HEADERS = (("date", "name", "is_workday"), ("日期", "名称", "是否上班"))


@dataclass(frozen=True, slots=True)
class HolidayRow:
    date: date
    name: str
    is_workday: bool
    line: int | None = None  # where it came from in the file, for messages


class HolidayFileError(TableProblems):
    """The shared `core.tabular.TableProblems` with this file's code and headline; `fields["rows"]` repeats
    the problems under the name the calendar's callers always read."""

    code = "holiday_file_invalid"
    headline = gettext_lazy("节假日数据有 %(n)d 处问题，未导入任何数据：")

    def __init__(self, problems: list[str]):
        super().__init__(problems)
        self.fields["rows"] = self.problems


def _where(line: int | None, index: int) -> str:
    return _("第 %(n)d 行") % {"n": line} if line else _("第 %(n)d 条") % {"n": index}


def _parse_date(text: str) -> date | None:
    # The house's date forms (core.tabular): YYYY-MM-DD, YYYY/MM/DD, YYYY年M月D日, YYYY.MM.DD.
    return tabular.parse_date(text)


def _decode(content: str | bytes) -> str:
    if isinstance(content, str):
        return content.lstrip("\ufeff")
    # UTF-8 (with or without BOM), else GB18030: a CSV saved by Excel on a Chinese Windows.
    text = tabular.decode_text(content)
    return text if text is not None else content.decode("gb18030", errors="replace")


def _content_lines(text: str) -> list[tuple[int, str]]:
    return [
        (n, line.strip())
        for n, line in enumerate(text.splitlines(), start=1)
        if line.strip() and not line.strip().startswith("#")
    ]


def _parse_csv(lines: list[tuple[int, str]]) -> tuple[list[HolidayRow], list[str]]:
    problems: list[str] = []
    rows: list[HolidayRow] = []
    header_line, header_text = lines[0]
    header = tuple(cell.strip().lower() for cell in next(csv.reader([header_text])))
    expected = next((h for h in _HEADERS if set(h) & set(header)), _HEADERS[0])
    missing = [c for c in expected if c not in header]
    extra = [c for c in header if c not in expected]
    if missing or extra:
        parts = []
        if missing:
            parts.append(_("缺少列 %(cols)s") % {"cols": listing(missing)})
        if extra:
            parts.append(_("多出列 %(cols)s") % {"cols": listing(c or _("（空）") for c in extra)})
        problems.append(
            _("第 %(n)d 行（表头）：%(what)s；表头应为 %(want)s。")
            % {"n": header_line, "what": "，".join(parts), "want": ",".join(expected)}
        )
        return rows, problems
    col = {name: header.index(name) for name in expected}
    for line, text in lines[1:]:
        cells = next(csv.reader([text]))
        if len(cells) != len(header):
            problems.append(
                _("第 %(n)d 行：应有 %(want)d 列，实有 %(got)d 列。")
                % {"n": line, "want": len(header), "got": len(cells)}
            )
            continue
        raw_date, name, raw_flag = (cells[col[c]].strip() for c in expected)
        day = _parse_date(raw_date)
        flag = tabular.parse_yes_no(raw_flag, yes=_WORKDAY_WORDS, no=_HOLIDAY_WORDS)
        bad = False
        if day is None:
            problems.append(
                _("第 %(n)d 行：日期「%(value)s」无法识别，应为 YYYY-MM-DD。")
                % {"n": line, "value": raw_date}
            )
            bad = True
        if flag is None:
            problems.append(
                _("第 %(n)d 行：是否上班「%(value)s」无法识别，应为 1（上班）或 0（放假）。")
                % {"n": line, "value": raw_flag}
            )
            bad = True
        if not bad:
            rows.append(HolidayRow(day, name, flag, line))
    return rows, problems


_CLAUSE = re.compile(r"^(放假|上班|休|班)(?=[\s\d])\s*(.*)$")
_ITEM_SPLIT = re.compile(r"[,，、\s]+")
_RANGE_SPLIT = re.compile(r"\s*(?:~|～|至|--)\s*")


def _parse_compact(lines: list[tuple[int, str]]) -> tuple[list[HolidayRow], list[str]]:
    problems: list[str] = []
    rows: list[HolidayRow] = []
    for line, text in lines:
        name, sep, rest = _split_name(text)
        if not sep:
            problems.append(
                _("第 %(n)d 行：应为「名称: 放假 日期~日期; 上班 日期」，缺少冒号。") % {"n": line}
            )
            continue
        for clause in filter(None, (c.strip() for c in re.split(r"[;；]", rest))):
            match = _CLAUSE.match(clause)
            if not match:
                problems.append(
                    _("第 %(n)d 行：「%(clause)s」应以「放假」或「上班」开头。")
                    % {"n": line, "clause": clause}
                )
                continue
            is_work = match.group(1) in ("上班", "班")
            items = re.sub(r"\s*(~|～|至|--)\s*", r"\1", match.group(2))
            for item in filter(None, _ITEM_SPLIT.split(items)):
                ends = _RANGE_SPLIT.split(item)
                first, last = _parse_date(ends[0]), _parse_date(ends[-1])
                if first is None or last is None or len(ends) > 2:
                    problems.append(
                        _(
                            "第 %(n)d 行：日期「%(value)s」无法识别，应为 YYYY-MM-DD 或 YYYY-MM-DD~YYYY-MM-DD。"
                        )
                        % {"n": line, "value": item}
                    )
                    continue
                if last < first or (last - first).days > 31:
                    problems.append(
                        _("第 %(n)d 行：日期范围「%(value)s」不合理（结束早于开始或超过 31 天）。")
                        % {"n": line, "value": item}
                    )
                    continue
                day = first
                while day <= last:
                    rows.append(HolidayRow(day, name.strip(), is_work, line))
                    day += timedelta(days=1)
    return rows, problems


def _split_name(text: str) -> tuple[str, str, str]:
    match = re.match(r"^([^:：]*)([:：])(.*)$", text)
    if not match:
        return text, "", ""
    return match.group(1), match.group(2), match.group(3)


def validate_rows(rows: Iterable[HolidayRow], *, year: int) -> list[str]:
    """Every problem with a year's rows: outside the year, duplicates, a 调休 working day that is not a
    weekend, an over-long name, nothing at all. A holiday on a weekend is fine (it is in the notice)."""
    problems: list[str] = []
    seen: dict[date, str] = {}
    count = 0
    for index, row in enumerate(rows, start=1):
        count += 1
        where = _where(row.line, index)
        if row.date.year != year:
            problems.append(
                _("%(where)s：日期 %(day)s 不在 %(year)d 年内。")
                % {"where": where, "day": row.date.isoformat(), "year": year}
            )
        if row.date in seen:
            problems.append(
                _("%(where)s：日期 %(day)s 与%(first)s重复。")
                % {"where": where, "day": row.date.isoformat(), "first": seen[row.date]}
            )
        else:
            seen[row.date] = where
        if row.is_workday and row.date.weekday() < 5:
            problems.append(
                _("%(where)s：%(day)s 是%(weekday)s，本来就上班；调休上班日只能是周六或周日。")
                % {"where": where, "day": row.date.isoformat(), "weekday": WEEKDAYS[row.date.weekday()]}
            )
        if len(row.name) > MAX_NAME:
            problems.append(_("%(where)s：名称过长（最多 %(max)d 字）。") % {"where": where, "max": MAX_NAME})
    if count == 0:
        problems.append(_("没有任何日期：文件为空或只有注释。"))
    return problems


def check_year(year) -> int:
    if isinstance(year, bool) or not isinstance(year, int) or not 2000 <= year <= 2100:
        raise InvalidInput(
            _("年份「%(year)s」不合理，应为 2000–2100 之间的整数。") % {"year": year},
            fields={"year": str(year)},
        )
    return year


def coerce_rows(rows: Iterable) -> tuple[list[HolidayRow], list[str]]:
    """HolidayRow objects or dicts {date, name, is_workday} (dates as date or text) → HolidayRows."""
    out: list[HolidayRow] = []
    problems: list[str] = []
    for index, row in enumerate(rows, start=1):
        if isinstance(row, HolidayRow):
            out.append(row)
            continue
        raw = row.get("date")
        day = raw if isinstance(raw, date) and not isinstance(raw, datetime) else _parse_date(str(raw or ""))
        if day is None:
            problems.append(
                _("%(where)s：日期「%(value)s」无法识别，应为 YYYY-MM-DD。")
                % {"where": _where(row.get("line"), index), "value": raw}
            )
            continue
        out.append(HolidayRow(day, str(row.get("name") or ""), bool(row.get("is_workday")), row.get("line")))
    return out, problems


def parse_holiday_file(content: str | bytes, *, year: int) -> list[HolidayRow]:
    """Parse and check a notice file for `year`; raise HolidayFileError listing every problem."""
    check_year(year)
    lines = _content_lines(_decode(content))
    if not lines:
        raise HolidayFileError([_("没有任何日期：文件为空或只有注释。")])
    first = lines[0][1].lower()
    is_csv = first.startswith(("date", "日期", '"date"'))
    rows, problems = (_parse_csv if is_csv else _parse_compact)(lines)
    if rows or not problems:
        problems += validate_rows(rows, year=year)
    if problems:
        raise HolidayFileError(problems)
    return rows
