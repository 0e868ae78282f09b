"""`jingzhi demo` loads the district through the geo and accounts actions, and re-running adds nothing."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from jingzhi.demo import build
from jingzhi.demo import councils as demo_councils
from jingzhi.demo import projects as demo_projects
from jingzhi.demo import staff as demo_staff

pytestmark = pytest.mark.django_db


def _counts():
    from jingzhi.accounts.models import Department, RoleAssignment, User
    from jingzhi.core.models import AuditEvent
    from jingzhi.duties.models import DutyRule
    from jingzhi.geo.models import BoundaryGeneration, Community, Grid, Street, Subdistrict
    from jingzhi.taxonomy.models import Category

    return {
        m.__name__: m.objects.count()
        for m in (
            BoundaryGeneration,
            Subdistrict,
            Community,
            Grid,
            Street,
            Department,
            User,
            RoleAssignment,
            AuditEvent,
            Category,
            DutyRule,
        )
    }


def test_demo_builds_the_district_people_and_flag_and_rerunning_changes_nothing(settings, tmp_path, capsys):
    settings.VAR_DIR = tmp_path
    call_command("demo", "--no-serve")
    first = _counts()
    assert first["Grid"] == 600 and first["Community"] == 13 and first["Subdistrict"] == 3
    staff = len(demo_staff.INSPECTOR_NAMES) + len(demo_staff.HANDLERS)  # an inspector per community…
    extra_users, extra_departments = len(demo_councils.USERNAMES), len(demo_councils.DEPARTMENT_CODES)
    assert first["Street"] == 81 and first["Department"] == 12 + extra_departments
    neighbours = len(demo_projects.NEIGHBOURS)  # 民意立项's voting neighbours of the demo resident
    assert first["User"] == len(build.USERS) + staff + extra_users + neighbours
    assert first["Category"] > 50 and first["DutyRule"] > 10
    assert (tmp_path / "demo.flag").exists()
    out = capsys.readouterr().out
    assert out.count("jingzhi-demo") == len(build.USERS)  # the table, printed once
    assert "subdistrict_admin" in out and "街道管理员" in out

    call_command("demo", "--no-serve")
    assert _counts() == first
    assert "演示数据已存在，未作改动" in capsys.readouterr().out


def test_every_role_of_the_domain_has_a_demo_login():
    from jingzhi.accounts.models import Role

    assert {u[2] for u in build.USERS} == set(Role.values)


def test_demo_passwords_stay_what_the_first_run_printed(settings, tmp_path):
    from django.contrib.auth import authenticate

    settings.VAR_DIR = tmp_path
    build.build_demo()
    build.build_demo()
    assert authenticate(username="inspector", password=build.DEMO_PASSWORD) is not None


def test_demo_places_are_active_and_the_grid_codes_are_the_ones_built(settings, tmp_path):
    from jingzhi.geo.models import Grid

    settings.VAR_DIR = tmp_path
    build.build_demo()
    codes = set(Grid.objects.filter(generation__is_active=True).values_list("code", flat=True))
    from jingzhi.demo.city import build_city

    assert codes == {g["properties"]["code"] for g in build_city().grids}


def test_logins_table_aligns_chinese_columns():
    table = build.logins_table(
        [
            {
                "username": "a",
                "name": "王阿姨",
                "role": "居民",
                "scope": "社区 110199001001",
                "password": "x",
            },
            {
                "username": "district_admin",
                "name": "周明",
                "role": "区管理员",
                "scope": "区 110199",
                "password": "x",
            },
        ]
    )
    widths = {build._width(line) for line in table.splitlines()}
    assert len(widths) == 1
