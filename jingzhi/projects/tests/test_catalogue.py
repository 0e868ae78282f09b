"""The catalogue of project kinds: examples marked, Excel out and back in, bad rows named; the command."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from jingzhi.core.errors import PermissionDenied
from jingzhi.projects import actions
from jingzhi.projects.exceptions import RegisterProblems
from jingzhi.projects.models import Domain, ProjectKind
from jingzhi.projects.testing import workbook

pytestmark = pytest.mark.django_db
HEADER = ["编码", "名称", "领域", "默认类型", "征求范围", "表决单位", "赞同比例", "参与率"]


def test_the_example_list_covers_the_five_domains_and_is_marked(world):
    kinds = ProjectKind.objects.all()
    assert {k.domain for k in kinds} == set(Domain.values)
    assert all(k.is_example and k.code.startswith("EX-") for k in kinds)


def test_the_catalogue_goes_out_to_excel_and_back_unchanged(world, tmp_path):
    before = list(
        ProjectKind.objects.values_list(
            "code", "name", "domain", "default_type", "voting_unit", "support_threshold"
        )
    )
    data = actions.export_kinds(ProjectKind.objects.all())
    ProjectKind.objects.update(name="x")  # set-up: the import must restore the names
    actions.do_import_kinds(actor=None, source=data)
    after = list(
        ProjectKind.objects.values_list(
            "code", "name", "domain", "default_type", "voting_unit", "support_threshold"
        )
    )
    assert after == before


def test_a_catalogue_with_bad_rows_names_them_and_saves_nothing(world):
    rows = [
        [
            "K1",
            "加装电梯",
            "城市管理",
            "民需申报型",
            "楼栋/院落",
            "产权人（一户一票，仅产权户）",
            "2/3",
            "2/3",
        ],
        ["K1", "重复", "城市管理", "民需申报型", "楼栋/院落", "户代表（一户一票）", "2/3", "1/2"],
        ["K2", "坏比例", "城市管理", "民需申报型", "社区", "户代表（一户一票）", "3/2", "1/2"],
        ["K3", "坏领域", "天文", "民需申报型", "社区", "户代表（一户一票）", "1/2", "1/2"],
    ]
    with pytest.raises(Exception) as caught:
        actions.do_import_kinds(actor=None, source=workbook(rows, header=HEADER))
    text = str(caught.value)
    assert "第 3 行" in text and "第 4 行" in text and "第 5 行" in text
    assert not ProjectKind.objects.filter(code__in=["K1", "K2", "K3"]).exists()
    actions.do_import_kinds(actor=None, source=workbook(rows[:1], header=HEADER))
    assert ProjectKind.objects.get(code="K1").voting_unit == "owner"


def test_only_a_district_admin_keeps_the_catalogue(world):
    with pytest.raises(PermissionDenied):
        actions.do_save_kind(
            actor=world.p.office,
            code="X",
            name="x",
            domain="party_mass",
            default_type="solicit",
            scope_level="community",
            voting_unit="household",
        )
    actions.do_save_kind(
        actor=world.p.district,
        code="X",
        name="x",
        domain="party_mass",
        default_type="solicit",
        scope_level="community",
        voting_unit="household",
    )


def test_the_command_exports_and_refuses_a_bad_register(world, tmp_path):
    out = tmp_path / "kinds.xlsx"
    call_command("projects", "export-kinds", str(out))
    assert out.stat().st_size > 0
    bad = tmp_path / "register.xlsx"
    bad.write_bytes(workbook([["110188001999", "院", "1号", "甲", "", 1, None, "是", "", ""]]))
    with pytest.raises(CommandError) as caught:
        call_command("projects", "import-register", str(bad))
    assert "110188001999" in str(caught.value)
    assert RegisterProblems.code == "register_problems"
