import io

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from jingzhi.core.models import AuditEvent
from jingzhi.taxonomy import actions
from jingzhi.taxonomy.excel import CATEGORY_COLUMNS, export_categories
from jingzhi.taxonomy.exceptions import TaxonomyImportError
from jingzhi.taxonomy.models import Category, ClosingCondition, FilingCondition, StepLimit
from jingzhi.taxonomy.tests.factories import workbook


def _sheets(data: bytes) -> dict[str, list[tuple]]:
    book = load_workbook(io.BytesIO(data), read_only=True)
    return {name: list(book[name].iter_rows(values_only=True)) for name in book.sheetnames}


def _state():
    return (
        sorted(
            Category.objects.values_list(
                "kind",
                "code",
                "name",
                "parent__code",
                "level",
                "is_active",
                "keywords",
                "dedup_radius_m",
                "dedup_window_hours",
                "shiwu_item",
                "is_local_default",
            )
        ),
        sorted(
            FilingCondition.objects.values_list(
                "category__code",
                "sort_order",
                "text",
                "level",
                "limit_amount",
                "limit_unit",
                "is_local_default",
                "is_active",
            )
        ),
        sorted(ClosingCondition.objects.values_list("category__code", "sort_order", "text")),
        sorted(
            StepLimit.objects.values_list(
                "category__code", "step", "limit_amount", "limit_unit", "is_local_default"
            ),
            key=str,
        ),
    )


@pytest.mark.django_db
def test_the_default_tree_survives_an_excel_round_trip_unchanged_and_into_an_empty_database():
    actions.do_load_default_taxonomy(actor=None)
    cover = Category.objects.get(kind="component", code="0101")
    actions.do_update_category(actor=None, category=cover, dedup_radius_m=30, dedup_window_hours=24)
    exported = export_categories()
    before = _state()
    again = actions.do_import_categories(actor=None, file=exported)
    assert (
        again["categories_created"],
        again["categories_updated"],
        again["filing_conditions_deactivated"],
    ) == (0, 0, 0)
    assert _state() == before
    StepLimit.objects.all().delete()
    FilingCondition.objects.all().delete()
    ClosingCondition.objects.all().delete()
    for level in ("sub", "minor", "major"):
        Category.objects.filter(level=level).delete()
    report = actions.do_import_categories(actor=None, file=exported)
    assert report["categories_created"] == len(before[0])
    assert _state() == before
    assert _sheets(export_categories()) == _sheets(exported)


@pytest.mark.django_db
def test_an_import_updates_rows_by_code_and_deactivates_conditions_left_out():
    first = workbook(
        categories=[
            {"类型": "部件", "编码": "01", "名称": "公用设施"},
            {
                "类型": "部件",
                "编码": "0101",
                "名称": "上水井盖",
                "上级编码": "01",
                "关键词": "井盖",
                "十无事项": "道路破损",
                "结案条件": "已补装\n已验收",
            },
        ],
        filing=[
            {
                "类型": "部件",
                "分类编码": "0101",
                "序号": 1,
                "立案条件": "缺失",
                "等级": "A",
                "处置时限": 4,
                "时限单位": "工作时",
            },
            {
                "类型": "部件",
                "分类编码": "0101",
                "序号": 2,
                "立案条件": "破损",
                "等级": "B",
                "处置时限": 3,
                "时限单位": "working_days",
            },
        ],
        steps=[
            {"环节": "响应", "时限": 2, "时限单位": "工作时"},
            {"类型": "部件", "分类编码": "01", "环节": "handle", "时限": "0.5", "时限单位": "自然时"},
        ],
    )
    actions.do_import_categories(actor=None, file=first)
    cover = Category.objects.get(code="0101")
    assert (cover.level, cover.parent.code, cover.shiwu_item) == ("minor", "01", "road_damage")
    assert [c.text for c in cover.closing_conditions.all()] == ["已补装", "已验收"]
    assert StepLimit.objects.get(category__isnull=True).step == "respond"
    second = workbook(
        categories=[{"类型": "部件", "编码": "0101", "名称": "自来水井盖", "上级编码": "01", "启用": "是"}],
        filing=[
            {
                "类型": "部件",
                "分类编码": "0101",
                "序号": 1,
                "立案条件": "缺失",
                "等级": "A级",
                "处置时限": 2,
                "时限单位": "工作时",
            }
        ],
    )
    report = actions.do_import_categories(actor=None, file=second)
    cover.refresh_from_db()
    assert (cover.name, cover.shiwu_item, cover.keywords) == ("自来水井盖", "", "")
    assert report["filing_conditions_deactivated"] == 1
    assert list(FilingCondition.objects.filter(is_active=True).values_list("text", "limit_amount")) == [
        ("缺失", 2)
    ]
    assert AuditEvent.objects.filter(verb="taxonomy.categories_imported").count() == 2


GOOD_CATEGORIES = [
    {"类型": "事件", "编码": "01", "名称": "市容环境"},
    {"类型": "事件", "编码": "0101", "名称": "私搭乱建", "上级编码": "01"},
]
GOOD_FILING = {
    "类型": "事件",
    "分类编码": "0101",
    "序号": 1,
    "立案条件": "在建",
    "等级": "A",
    "处置时限": 4,
    "时限单位": "工作时",
}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("sheets", "expected"),
    [
        (
            {"filing": [{**GOOD_FILING, "时限单位": "小时哦"}]},
            "「立案条件」表第 2 行：时限单位“小时哦”无法识别",
        ),
        (
            {
                "categories": [
                    *GOOD_CATEGORIES,
                    {"类型": "事件", "编码": "0201", "名称": "小广告", "上级编码": "02"},
                ]
            },
            "「分类」表第 4 行：上级编码 02 不存在",
        ),
        (
            {
                "categories": [
                    *GOOD_CATEGORIES,
                    {"类型": "事件", "编码": "0101", "名称": "又一个", "上级编码": "01"},
                ]
            },
            "「分类」表第 4 行：事件编码 0101 与第 3 行重复",
        ),
        ({"filing": [{**GOOD_FILING, "等级": "D"}]}, "「立案条件」表第 2 行：等级“D”无效，应为 A、B、C 之一"),
        ({"filing": [{**GOOD_FILING, "处置时限": -4}]}, "「立案条件」表第 2 行：处置时限不能为负数（-4）"),
        (
            {"steps": [{"环节": "响应", "时限": -1, "时限单位": "工作时"}]},
            "「环节时限」表第 2 行：时限不能为负数（-1）",
        ),
        (
            {"steps": [{"环节": "喝茶", "时限": 1, "时限单位": "工作时"}]},
            "「环节时限」表第 2 行：环节“喝茶”无效",
        ),
        ({"filing": [{**GOOD_FILING, "时限单位": "工作日", "处置时限": 1.5}]}, "工作日时限必须是整数"),
        ({"filing": [{**GOOD_FILING, "分类编码": "0999"}]}, "「立案条件」表第 2 行：分类 事件 0999 不存在"),
        (
            {
                "categories": [
                    *GOOD_CATEGORIES,
                    {"类型": "车辆", "编码": "0102", "名称": "x", "上级编码": "01"},
                ]
            },
            "「分类」表第 4 行：类型“车辆”无效",
        ),
        (
            {
                "categories": [
                    *GOOD_CATEGORIES,
                    {"类型": "事件", "编码": "0502", "名称": "x", "上级编码": "01"},
                ]
            },
            "编码 0502 须以上级编码 01 开头",
        ),
        (
            {
                "categories": [
                    *GOOD_CATEGORIES,
                    {"类型": "事件", "编码": "0102", "名称": "x", "上级编码": "01", "十无事项": "私搭乱建"},
                    {"类型": "事件", "编码": "0103", "名称": "y", "上级编码": "01", "十无事项": "无私搭乱建"},
                ]
            },
            "十无事项“无私搭乱建”对应了多个分类（第 4 行、第 5 行）",
        ),
        (
            {
                "categories": [
                    *GOOD_CATEGORIES,
                    {"类型": "事件", "编码": "0102", "名称": "x", "上级编码": "01", "查重半径（米）": -3},
                ]
            },
            "「分类」表第 4 行：查重半径（米）“-3”应为不小于 0 的整数",
        ),
        (
            {
                "categories": [
                    *GOOD_CATEGORIES,
                    {"类型": "事件", "编码": "010101", "名称": "a", "上级编码": "0101"},
                    {"类型": "事件", "编码": "01010101", "名称": "b", "上级编码": "010101"},
                ]
            },
            "最多三级",
        ),
        (
            {"categories": [{**GOOD_CATEGORIES[0], "启用": "否"}, GOOD_CATEGORIES[1]]},
            "上级 01 已停用，下级不能启用",
        ),
        (
            {"headers": {"分类": [c for c in CATEGORY_COLUMNS if c not in ("名称", "上级编码")]}},
            "「分类」表缺少列：名称、上级编码",
        ),
        (
            {
                "headers": {
                    "立案条件": [
                        "类型",
                        "分类编码",
                        "序号",
                        "立案条件",
                        "等级",
                        "处置时限",
                        "时限单位",
                        "本地默认时限",
                        "启用",
                        "颜色",
                    ]
                }
            },
            "「立案条件」表有多余的列：颜色",
        ),
    ],
)
def test_every_bad_row_is_reported_with_its_row_number_and_nothing_is_written(sheets, expected):
    actions.do_create_category(actor=None, kind="component", code="01", name="公用设施")
    before, events = _state(), AuditEvent.objects.count()
    data = workbook(
        categories=sheets.get("categories", GOOD_CATEGORIES),
        filing=sheets.get("filing", [GOOD_FILING]),
        steps=sheets.get("steps", []),
        headers=sheets.get("headers"),
    )
    with pytest.raises(TaxonomyImportError) as caught:
        actions.do_import_categories(actor=None, file=data)
    assert any(expected in problem for problem in caught.value.problems), caught.value.problems
    assert expected in caught.value.message or len(caught.value.problems) > 20
    assert _state() == before
    assert AuditEvent.objects.count() == events


@pytest.mark.django_db
def test_all_problems_of_a_workbook_are_reported_at_once():
    data = workbook(
        categories=[{"类型": "事件", "编码": "0101", "名称": "", "上级编码": "01"}],
        filing=[{**GOOD_FILING, "等级": "Z", "时限单位": "月"}],
    )
    with pytest.raises(TaxonomyImportError) as caught:
        actions.do_import_categories(actor=None, file=data)
    assert len(caught.value.problems) >= 4
    assert Category.objects.count() == 0


@pytest.mark.django_db
def test_a_file_that_is_not_a_workbook_is_refused():
    with pytest.raises(TaxonomyImportError, match="无法按 Excel"):
        actions.do_import_categories(actor=None, file=b"kind,code\n")


@pytest.mark.django_db
def test_the_export_and_import_commands_use_files(tmp_path, capsys):
    actions.do_create_category(actor=None, kind="event", code="01", name="市容环境")
    path = tmp_path / "categories.xlsx"
    call_command("taxonomy", "export", str(path))
    assert _sheets(path.read_bytes())["分类"][1][:3] == ("事件", "01", "市容环境")
    call_command("taxonomy", "import", str(path))
    assert "导入完成" in capsys.readouterr().out
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(workbook(filing=[{**GOOD_FILING, "时限单位": "年"}]))
    with pytest.raises(CommandError, match="第 2 行"):
        call_command("taxonomy", "import", str(bad))


@pytest.mark.django_db
def test_bad_rows_on_every_sheet_give_one_error_listing_each_row_and_nothing_is_written():
    data = workbook(
        categories=[
            *GOOD_CATEGORIES,
            {"类型": "事件", "编码": "0102", "名称": "x", "上级编码": "01", "启用": "也许"},
            {"类型": "事件", "编码": "0103", "名称": "y", "上级编码": "01", "查重半径（米）": "1e3"},
        ],
        filing=[GOOD_FILING, {**GOOD_FILING, "序号": 2, "处置时限": "四"}],
        steps=[{"环节": "响应", "时限": 1, "时限单位": "工作时", "本地默认时限": "?"}],
    )
    with pytest.raises(TaxonomyImportError) as caught:
        actions.do_import_categories(actor=None, file=data)
    assert caught.value.problems == [
        "「分类」表第 4 行：“启用”应填“是”或“否”，现为“也许”",
        "「分类」表第 5 行：查重半径（米）“1e3”应为不小于 0 的整数",
        "「立案条件」表第 3 行：处置时限“四”不是数字",
        "「环节时限」表第 2 行：“本地默认时限”应填“是”或“否”，现为“?”",
    ]
    assert Category.objects.count() == 0


@pytest.mark.django_db
def test_yes_and_no_take_the_same_forms_as_every_other_import():
    data = workbook(
        categories=[
            {**GOOD_CATEGORIES[0], "启用": "√", "本地默认编码": "✗"},
            {**GOOD_CATEGORIES[1], "启用": "×"},
        ],
        filing=[],
    )
    actions.do_import_categories(actor=None, file=data)
    assert sorted(Category.objects.values_list("code", "is_active", "is_local_default")) == [
        ("01", True, False),
        ("0101", False, False),
    ]
