"""The coverage report, the Excel round trip and every bad-row error, and the management commands."""

import io
from datetime import date

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook, load_workbook

from jingzhi.core.models import AuditEvent
from jingzhi.duties import actions, excel, queries
from jingzhi.duties.exceptions import DutyImportError
from jingzhi.duties.models import DutyRule

from .conftest import GRID1, STREET1, SUB1, SUB2, D

pytestmark = pytest.mark.django_db


def create(category, kind, code, *departments, **extra):
    return actions.do_create_duty_rule(
        actor=None,
        category=category,
        scope_kind=kind,
        scope_code=code,
        departments=list(departments),
        **extra,
    )


def cells(report):
    return {(g.category_name, g.subdistrict_code) for g in report.gaps}


def test_the_coverage_report_finds_each_leaf_and_subdistrict_without_a_rule(world):
    create(world.c.public, "district", D, world.d.szsr)
    create(world.c.rubbish, "subdistrict", SUB1, world.d.cgzf)
    create(world.c.rubbish, "grid", f"{SUB2}001001", world.d.cgzf)
    report = queries.coverage_report()
    assert report.categories == 3  # 上水井盖, 污水井盖, 暴露垃圾 (the 大类 have children)
    assert [code for code, _name in report.subdistricts] == [SUB1, SUB2]
    assert cells(report) == {("暴露垃圾", SUB2)}
    assert report.gaps[0].finer_rules == 1  # a grid rule inside: only partly covered
    assert report.conflicts == []


def test_the_coverage_report_finds_a_conflicting_pair_and_prints_both(world):
    a = create(world.c.cover, "street", STREET1, world.d.zls)
    b = create(world.c.cover, "street", STREET1, world.d.szsr)
    create(world.c.cover, "grid", GRID1, world.d.zls, valid_to=date(2020, 1, 1))  # expired: no conflict
    create(world.c.cover, "grid", GRID1, world.d.szsr)
    report = queries.coverage_report(D)
    assert [(c.first.id, c.second.id) for c in report.conflicts] == [(a.pk, b.pk)]
    text = "\n".join(report.as_lines())
    assert (
        f"规则 #{a.pk}（上水井盖，槐柏树胡同） → 自来水公司 与 规则 #{b.pk}（上水井盖，槐柏树胡同） → 市政市容委 冲突"
        in text
    )


def test_the_coverage_report_can_be_limited_to_one_district(world):
    assert queries.coverage_report("110101").subdistricts == []
    assert len(queries.coverage_report(D).gaps) == 6


def test_the_coverage_report_loads_the_rules_once(world, django_assert_max_num_queries):
    for category in (world.c.cover, world.c.sewer, world.c.rubbish):
        create(category, "subdistrict", SUB1, world.d.szsr)
    with django_assert_max_num_queries(12):
        queries.coverage_report()


def test_export_then_import_round_trips_and_changes_nothing(world):
    create(world.c.public, "district", D, (world.d.szsr, True), (world.d.cgzf, False), basis="依据一")
    create(world.c.cover, "street", STREET1, world.d.zls, exact_only=True, valid_from=date(2025, 1, 1))
    create(world.c.rubbish, "everywhere", "", world.d.cgzf, is_active=False)
    buffer = io.BytesIO()
    assert excel.export_rules(buffer) == 4
    buffer.seek(0)
    before = list(DutyRule.objects.values_list("id", "updated_at"))
    summary = actions.do_import_duty_rules(actor=None, source=buffer)
    assert summary == {"created": 0, "updated": 0, "unchanged": 3, "rows": 4}
    assert list(DutyRule.objects.values_list("id", "updated_at")) == before


def test_an_import_creates_new_rules_and_updates_matching_ones(world):
    rule = create(world.c.public, "district", D, world.d.szsr)
    sheet = _sheet(
        [
            ["01", "部件", "区", D, "CGZF", "是", "新文件", "是"],
            ["0101", "部件", "街道", SUB1, "ZLS", "是", "", "是"],
            ["0101", "部件", "街道", SUB1, "SZSR", "否", "", "是"],
        ]
    )
    summary = actions.do_import_duty_rules(actor=None, source=sheet)
    assert summary["created"] == 2 and summary["updated"] == 1  # with _sheet's leading good row
    rule.refresh_from_db()
    assert [a.department.code for a in rule.assignments.all()] == ["CGZF"] and rule.basis == "新文件"
    new = DutyRule.objects.get(scope_code=SUB1)
    assert [(a.department.code, a.is_lead) for a in new.assignments.all()] == [("ZLS", True), ("SZSR", False)]
    assert AuditEvent.objects.filter(verb="duty_rules_imported").exists()


BAD_ROWS = [
    (["9999", "部件", "区", D, "SZSR", "是", "", "是"], "第 3 行：分类编码“9999”（部件）不存在"),
    (["01", "部件", "区", D, "NOPE", "是", "", "是"], "第 3 行：部门编码“NOPE”不存在"),
    (["01", "部件", "街道", D, "SZSR", "是", "", "是"], "第 3 行：街道编码应为 9 位数字"),
    (["01", "部件", "网格", "12345", "SZSR", "是", "", "是"], "第 3 行：网格编码应为 15 位数字"),
    (["01", "部件", "省", "11", "SZSR", "是", "", "是"], "第 3 行：范围类型“省”应为"),
    (["01", "器件", "区", D, "SZSR", "是", "", "是"], "第 3 行：分类类型“器件”应为“部件”或“事件”"),
    (["01", "部件", "区", D, "SZSR", "也许", "", "是"], "第 3 行：“是否牵头”应填“是”或“否”"),
]


def _sheet(rows, header=excel.REQUIRED):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    sheet.append(["0101", "部件", "全部地区", "", "ZLS", "是", "", "是"])  # a good row first
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    return buffer


@pytest.mark.parametrize(("row", "expected"), BAD_ROWS)
def test_a_bad_row_is_named_by_its_number_and_nothing_is_written(world, row, expected):
    audit_rows = AuditEvent.objects.count()
    with pytest.raises(DutyImportError) as caught:
        actions.do_import_duty_rules(actor=None, source=_sheet([row]))
    assert any(problem.startswith(expected) for problem in caught.value.problems), caught.value.problems
    assert not DutyRule.objects.exists()
    assert AuditEvent.objects.count() == audit_rows


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        (
            [
                ["01", "部件", "区", D, "SZSR", "是", "", "是"],
                ["01", "部件", "区", D, "CGZF", "是", "", "是"],
            ],
            "第 3、4 行（同一规则）：只能有一个牵头部门",
        ),
        (
            [
                ["01", "部件", "区", D, "SZSR", "否", "", "是"],
                ["01", "部件", "区", D, "CGZF", "否", "", "是"],
            ],
            "第 3、4 行（同一规则）：多个部门共同负责时必须有一行“是否牵头”为“是”",
        ),
        (
            [
                ["01", "部件", "区", D, "SZSR", "是", "", "是"],
                ["01", "部件", "区", D, "SZSR", "否", "", "是"],
            ],
            "第 4 行：与第 3 行重复（同一规则、同一部门）",
        ),
    ],
)
def test_bad_groups_of_rows_are_refused_with_their_row_numbers(world, rows, expected):
    with pytest.raises(DutyImportError) as caught:
        actions.do_import_duty_rules(actor=None, source=_sheet(rows))
    assert any(problem.startswith(expected) for problem in caught.value.problems), caught.value.problems
    assert not DutyRule.objects.exists()


def test_a_row_duplicating_an_existing_rule_in_another_group_is_refused_and_nothing_is_written(world):
    create(world.c.cover, "district", D, world.d.zls, valid_from=date(2025, 1, 1))
    # Same category, scope and department with an open start: overlaps the stored rule → exact duplicate.
    with pytest.raises(DutyImportError) as caught:
        actions.do_import_duty_rules(
            actor=None, source=_sheet([["0101", "部件", "区", D, "ZLS", "是", "", "是"]])
        )
    assert "完全重复" in caught.value.message and "第 3 行" in caught.value.message
    assert DutyRule.objects.count() == 1  # the good row 2 was rolled back too


def test_a_sheet_without_the_required_columns_is_refused(world):
    with pytest.raises(DutyImportError, match="缺少列：部门编码"):
        actions.do_import_duty_rules(
            actor=None, source=_sheet([], header=["分类编码", "分类类型", "范围类型", "范围编码"])
        )


def test_a_category_code_turned_into_a_number_by_a_spreadsheet_is_padded_back(world):
    workbook = Workbook()
    workbook.active.append(excel.REQUIRED)
    workbook.active.append([101, "部件", "全部地区", None, "ZLS", "是", None, "是"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    actions.do_import_duty_rules(actor=None, source=buffer)
    assert DutyRule.objects.get().category == world.c.cover


def test_the_commands_export_import_and_print_coverage(world, tmp_path):
    create(world.c.public, "district", D, world.d.szsr)
    path = tmp_path / "duties.xlsx"
    out = io.StringIO()
    call_command("duties", "export", str(path), stdout=out)
    assert "已导出 1 行" in out.getvalue()
    assert load_workbook(path).active["E2"].value == "SZSR"
    out = io.StringIO()
    call_command("duties", "import", str(path), stdout=out)
    assert "未变 1 条" in out.getvalue()
    out = io.StringIO()
    call_command("duties", "coverage", "--district", D, stdout=out)
    assert "空白 2 处" in out.getvalue() and "暴露垃圾" in out.getvalue()
    with pytest.raises(CommandError, match="文件不存在"):
        call_command("duties", "import", str(tmp_path / "missing.xlsx"))


def test_load_demo_maps_what_it_finds_and_reports_the_rest(world):
    from jingzhi.accounts.actions import do_create_department

    do_create_department(
        actor=None, code=f"{D}-CGZF", name="区城管执法局", short_name="城管执法", district_code=D
    )
    err = io.StringIO()
    call_command("duties", "load-demo", D, stdout=io.StringIO(), stderr=err)
    public = DutyRule.objects.get(category=world.c.public)
    assert public.assignments.get().department == world.d.szsr  # found by name: 市政市容委
    assert (
        DutyRule.objects.get(category=world.c.city).assignments.get(is_lead=True).department.code
        == f"{D}-CGZF"
    )
    assert "未找到分类 事件/宣传广告" in err.getvalue()
    count = DutyRule.objects.count()
    call_command("duties", "load-demo", D, stdout=io.StringIO(), stderr=io.StringIO())
    assert DutyRule.objects.count() == count


def test_a_file_with_several_bad_rows_gives_one_error_listing_each_and_writes_nothing(world):
    audit_rows = AuditEvent.objects.count()
    sheet = _sheet(
        [
            ["01", "部件", "区", D, "SZSR", "也许", "", "是"],
            ["01", "部件", "区", D, "SZSR", "是", "", "是"],  # good: still not written
            ["01", "器件", "区", D, "SZSR", "是", "", "是"],
            ["1.01E+03", "部件", "区", D, "SZSR", "是", "", "是"],
        ]
    )
    with pytest.raises(DutyImportError) as caught:
        actions.do_import_duty_rules(actor=None, source=sheet)
    assert [problem.split("：")[0] for problem in caught.value.problems] == ["第 3 行", "第 5 行", "第 6 行"]
    assert "科学计数法" in caught.value.problems[2]
    assert not DutyRule.objects.exists() and AuditEvent.objects.count() == audit_rows


def test_every_importer_takes_the_same_yes_and_no_forms(world):
    sheet = _sheet(
        [["01", "部件", "区", D, "SZSR", "✓", "", "Y"], ["0102", "部件", "区", D, "CGZF", "√", "", "×"]]
    )
    actions.do_import_duty_rules(actor=None, source=sheet)
    assert sorted(DutyRule.objects.values_list("category__code", "is_active")) == [
        ("01", True),
        ("0101", True),
        ("0102", False),
    ]


def test_a_csv_is_read_by_its_content(world):
    text = "分类编码,分类类型,范围类型,范围编码,部门编码,是否牵头,依据,启用\n0101,部件,全部地区,,ZLS,是,,是\n"
    summary = actions.do_import_duty_rules(actor=None, source=io.BytesIO(text.encode("gb18030")))
    assert summary["created"] == 1 and DutyRule.objects.get().category == world.c.cover
