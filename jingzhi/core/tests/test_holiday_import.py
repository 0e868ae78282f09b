from datetime import date
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from jingzhi.core import workcalendar as wc
from jingzhi.core.actions import Verb, do_import_holidays
from jingzhi.core.holidayfile import HolidayFileError, HolidayRow, parse_holiday_file
from jingzhi.core.models import AuditEvent, CalendarYear, Holiday

EXAMPLE = Path(__file__).resolve().parent.parent / "data" / "holidays-example.csv"

BAD_CSV = """date,name,is_workday
2027-01-01,元旦,0
2027-13-01,坏日期,0
2026-12-31,去年,0
2027-01-01,重复,0
2027-02-10,周三上班,1
2027-02-06,周六放假,0
2027-02-07,春节,也许
"""


def test_every_bad_row_is_reported_with_its_line_number():
    with pytest.raises(HolidayFileError) as info:
        parse_holiday_file(BAD_CSV, year=2027)
    problems = info.value.problems
    text = "\n".join(problems)
    assert "第 3 行：日期「2027-13-01」无法识别" in text
    assert "第 4 行：日期 2026-12-31 不在 2027 年内" in text
    assert "第 5 行：日期 2027-01-01 与第 2 行重复" in text
    assert "第 6 行：2027-02-10 是星期三" in text and "只能是周六或周日" in text
    assert "第 8 行：是否上班「也许」无法识别" in text
    assert not any("第 7 行" in p for p in problems)  # a holiday on a Saturday is fine
    assert len(problems) == 5
    assert info.value.fields["rows"] == problems


def test_a_wrong_header_names_the_missing_and_extra_columns():
    with pytest.raises(HolidayFileError) as info:
        parse_holiday_file("date,title\n2027-01-01,元旦\n", year=2027)
    assert "缺少列 name、is_workday" in info.value.message
    assert "多出列 title" in info.value.message


def test_an_empty_file_is_refused():
    with pytest.raises(HolidayFileError, match="没有任何日期"):
        parse_holiday_file("# only a comment\n\n", year=2027)


def test_the_compact_notice_format_expands_ranges():
    rows = parse_holiday_file(
        "# 2027\n元旦: 放假 2027-01-01~2027-01-03\n春节：放假 2027-02-06 至 2027-02-13；上班 2027-02-20、2027-02-21\n",
        year=2027,
    )
    assert len(rows) == 3 + 8 + 2
    assert rows[0] == HolidayRow(date(2027, 1, 1), "元旦", False, 2)
    assert [r.date for r in rows if r.is_workday] == [date(2027, 2, 20), date(2027, 2, 21)]


def test_compact_lines_without_a_colon_or_keyword_are_reported():
    with pytest.raises(HolidayFileError) as info:
        parse_holiday_file("元旦 2027-01-01\n春节: 休假 2027-02-06\n", year=2027)
    assert "第 1 行" in info.value.problems[0] and "冒号" in info.value.problems[0]
    assert "第 2 行" in info.value.problems[1] and "放假" in info.value.problems[1]


def test_a_gbk_csv_saved_by_excel_is_read():
    rows = parse_holiday_file("日期,名称,是否上班\n2027-01-01,元旦,放假\n".encode("gb18030"), year=2027)
    assert rows == [HolidayRow(date(2027, 1, 1), "元旦", False, 2)]


def test_the_shipped_example_file_is_valid_and_marked_as_an_example():
    text = EXAMPLE.read_text(encoding="utf-8")
    assert "示例" in text and "EXAMPLE" in text
    assert len(parse_holiday_file(text, year=2027)) > 10


@pytest.mark.django_db
def test_import_replaces_the_year_marks_it_and_is_audited():
    Holiday.objects.create(date=date(2027, 5, 3), is_workday=False, name="旧")
    calendar_year = do_import_holidays(
        actor=None, year=2027, rows=parse_holiday_file(EXAMPLE.read_bytes(), year=2027), source="example"
    )
    assert calendar_year.year == 2027 and calendar_year.source == "example"
    assert not Holiday.objects.filter(date=date(2027, 5, 3)).exists()
    assert Holiday.objects.filter(date__year=2027).count() == 14
    event = AuditEvent.objects.get(verb=Verb.HOLIDAYS_IMPORTED)
    assert event.old_values["rows"] == [{"date": "2027-05-03", "name": "旧", "is_workday": False}]
    assert len(event.new_values["rows"]) == 14
    do_import_holidays(
        actor=None,
        year=2027,
        rows=[{"date": "2027-01-01", "name": "元旦", "is_workday": False}],
        source="second",
    )
    assert Holiday.objects.filter(date__year=2027).count() == 1
    assert CalendarYear.objects.get(year=2027).source == "second"


@pytest.mark.django_db
def test_a_bad_import_writes_nothing_at_all():
    rows = [HolidayRow(date(2027, 1, 1), "元旦", False), HolidayRow(date(2027, 1, 6), "周三上班", True)]
    with pytest.raises(HolidayFileError):
        do_import_holidays(actor=None, year=2027, rows=rows, source="x")
    assert (
        not Holiday.objects.exists() and not CalendarYear.objects.exists() and not AuditEvent.objects.exists()
    )


@pytest.mark.django_db
def test_the_import_command_reports_every_problem_and_imports_nothing(tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text(BAD_CSV, encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("calendar", "import", str(bad), "--year", "2027")
    err = capsys.readouterr().err
    assert "5 处问题" in err and "第 6 行" in err
    assert not Holiday.objects.exists()


@pytest.mark.django_db
def test_the_import_command_loads_a_good_file_and_status_shows_it(capsys):
    call_command("calendar", "status", "--from", "2025", "--to", "2027")
    out = capsys.readouterr().out
    assert "2025  chinesecalendar" in out and "2027  无数据" in out
    call_command("calendar", "import", str(EXAMPLE), "--year", "2027")
    assert "已导入 2027 年：放假 12 天，调休上班 2 天" in capsys.readouterr().out
    call_command("calendar", "status", "--from", "2025", "--to", "2027")
    assert "2027  数据库（已导入通知），14 条" in capsys.readouterr().out
    assert wc.coverage(2027) == wc.SOURCE_DATABASE


@pytest.mark.django_db
def test_the_import_command_refuses_a_wrong_year(capsys):
    with pytest.raises(CommandError):
        call_command("calendar", "import", str(EXAMPLE), "--year", "2028")
    assert "不在 2028 年内" in capsys.readouterr().err


def test_the_workday_column_takes_the_house_yes_no_forms_and_its_own_words():
    rows = parse_holiday_file(
        "日期,名称,是否上班\n2027-01-01,元旦,×\n2027/02/20,春节,√\n2027年2月21日,春节,上班\n", year=2027
    )
    assert [(r.date, r.is_workday) for r in rows] == [
        (date(2027, 1, 1), False),
        (date(2027, 2, 20), True),
        (date(2027, 2, 21), True),
    ]
