"""The pure assignment rules: every problem `assignment_problems` names, and which scope covers which code.
No database: these are the rules `actions.do_assign_role` and `access` apply."""

from jingzhi.accounts import rules


def problems(role="inspector", kind="grid", code="110199001001001", department=False):
    return rules.assignment_problems(role=role, scope_kind=kind, scope_code=code, has_department=department)


def test_a_valid_assignment_has_no_problem():
    assert problems() == {}
    assert problems("handler", "department", "", department=True) == {}
    assert problems("street_chief", "street", "110199001S001") == {}
    assert problems("district_admin", "district", "110199") == {}


def test_an_unknown_role_is_named_and_nothing_else_is_checked():
    assert problems(role="mayor", kind="district", code="") == {"role": ["未知角色“mayor”"]}


def test_an_unknown_scope_kind_is_named_and_nothing_else_is_checked():
    assert problems(kind="galaxy", code="", department=True) == {"scope_kind": ["未知范围类型“galaxy”"]}


def test_an_unknown_role_and_an_unknown_scope_kind_are_both_named():
    assert problems(role="mayor", kind="galaxy") == {
        "role": ["未知角色“mayor”"],
        "scope_kind": ["未知范围类型“galaxy”"],
    }


def test_a_role_outside_its_scope_kinds_is_told_which_it_may_have():
    assert problems("handler", "district", "110199") == {
        "scope_kind": ["角色“部门处置人员”不能在“区”范围内任命，可选：部门"]
    }
    assert problems("steward", "grid") == {
        "scope_kind": ["角色“小巷管家”不能在“网格”范围内任命，可选：街巷、社区"]
    }


def test_a_department_on_a_place_scope_is_refused():
    assert problems("inspector", "district", "110199", department=True) == {
        "department": ["只有部门范围的任命才指定部门，“区”范围不需要"]
    }
    assert problems("street_chief", "street", "110199001S001", department=True) == {
        "department": ["只有部门范围的任命才指定部门，“街巷”范围不需要"]
    }


def test_a_department_scope_needs_a_department_and_no_code():
    assert problems("handler", "department", "") == {"department": ["部门范围的任命必须指定部门"]}
    assert problems("handler", "department", "110199", department=True) == {
        "scope_code": ["部门范围的任命不填范围编码（收到“110199”）"]
    }


def test_a_street_scope_needs_a_street_code_that_starts_with_its_subdistrict():
    assert problems("street_chief", "street", "") == {"scope_code": ["街巷范围的任命必须填写街巷编码"]}
    assert problems("street_chief", "street", "S001") == {
        "scope_code": [
            "街巷编码“S001”格式不对：应以所属街道的 9 位编码开头，后接街巷自身编号（如 110199001S001）"
        ]
    }


def test_a_place_scope_needs_a_code_of_exactly_its_length_in_digits():
    assert problems("inspector", "grid", "") == {"scope_code": ["“网格”范围的任命必须填写 15 位编码"]}
    assert problems("inspector", "grid", "11019900100100X") == {
        "scope_code": ["“网格”编码应为 15 位数字，“11019900100100X”不符合"]
    }
    assert problems("inspector", "grid", "1101990010010") == {
        "scope_code": ["“网格”编码应为 15 位数字，“1101990010010”不符合"]
    }
    assert problems("inspector", "community", "110199001001") == {}


def test_several_problems_are_reported_together():
    assert problems("handler", "grid", "", department=True) == {
        "scope_kind": ["角色“部门处置人员”不能在“网格”范围内任命，可选：部门"],
        "department": ["只有部门范围的任命才指定部门，“网格”范围不需要"],
        "scope_code": ["“网格”范围的任命必须填写 15 位编码"],
    }


def test_an_empty_scope_or_place_code_covers_nothing():
    assert rules.code_covers("", "110199001001001") is False
    assert rules.code_covers("110199", "") is False
    assert rules.code_covers("", "") is False


def test_a_place_code_covers_every_code_it_prefixes_and_a_street_only_itself():
    assert rules.code_covers("110199", "110199001S001") is True
    assert rules.code_covers("110199001", "110199001001001") is True
    assert rules.code_covers("110199001", "110199002") is False
    assert rules.code_covers("110199001S001", "110199001S001") is True
    assert rules.code_covers("110199001S001", "110199001S0011") is False


def test_the_level_of_a_code_is_told_by_its_length_in_digits():
    assert rules.scope_kind_of_code("110199") == "district"
    assert rules.scope_kind_of_code("110199001") == "subdistrict"
    assert rules.scope_kind_of_code("110199001001") == "community"
    assert rules.scope_kind_of_code("110199001001001") == "grid"
    assert rules.scope_kind_of_code("110199001S001") is None
    assert rules.scope_kind_of_code("1101990") is None
    assert rules.scope_kind_of_code("11019X") is None


def test_minimal_codes_drop_what_another_code_covers_and_blanks():
    assert rules.minimal_codes(["110199001001", "110199001", "", "110199002S001", "110199001S001"]) == [
        "110199001",
        "110199002S001",
    ]
    assert rules.minimal_codes(["110199001S0011", "110199001S001"]) == ["110199001S001", "110199001S0011"]
    assert rules.minimal_codes([]) == []


def test_the_role_groups():
    assert {
        "inspector",
        "operator",
        "shift_lead",
        "dispatcher",
        "handler",
        "street_chief",
        "steward",
        "council_member",
        "subdistrict_admin",
        "district_admin",
        "assessor",
        "department_head",  # reads the department's cases and people; acts on none
    } == rules.WORKBENCH_ROLES
    assert {
        "inspector",
        "operator",
        "shift_lead",
        "dispatcher",
        "handler",
        "street_chief",
        "subdistrict_admin",
        "district_admin",
        "assessor",
        "department_head",
    } == rules.GOVERNMENT_ROLES
    assert {"subdistrict_admin", "district_admin"} == rules.ADMIN_ROLES
