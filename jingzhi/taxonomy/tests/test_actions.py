import pytest

from jingzhi.core import audit
from jingzhi.core.errors import Conflict, InvalidInput
from jingzhi.core.models import AuditEvent
from jingzhi.taxonomy import actions
from jingzhi.taxonomy.limits import TimeLimit
from jingzhi.taxonomy.models import Category
from jingzhi.taxonomy.tests.factories import tree


@pytest.mark.django_db
def test_creating_a_category_derives_its_level_and_leaves_an_audit_row():
    major, minor, sub = tree()
    assert [major.level, minor.level, sub.level] == ["major", "minor", "sub"]
    assert minor.keywords == "井盖、窨井、下水道盖"
    event = AuditEvent.objects.filter(verb="taxonomy.category_created", target_id=str(minor.pk)).get()
    assert event.new_values["code"] == "0101"
    assert audit.verify() is None


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"code": "0201", "parent": "minor"}, "须以上级编码"),
        ({"code": "01010101", "parent": "sub"}, "最多三级"),
        ({"code": "01-1", "parent": None}, "编码"),
        ({"code": "02", "parent": None, "name": " "}, "名称不能为空"),
        ({"code": "0199", "parent": "minor_event"}, "另一类型"),
        ({"code": "09", "parent": None, "dedup_radius_m": -5}, "查重半径"),
    ],
)
def test_a_bad_category_is_refused_with_the_reason(kwargs, message):
    major, minor, sub = tree()
    event_major = actions.do_create_category(actor=None, kind="event", code="01", name="市容环境")
    parents = {"minor": minor, "sub": sub, "minor_event": event_major, None: None}
    kwargs = {"name": "新分类", **kwargs, "parent": parents[kwargs["parent"]]}
    before = Category.objects.count()
    with pytest.raises(InvalidInput, match=message):
        actions.do_create_category(actor=None, kind="component", **kwargs)
    assert Category.objects.count() == before


@pytest.mark.django_db
def test_a_duplicate_code_within_a_kind_is_a_conflict_but_the_other_kind_may_reuse_it():
    tree()
    with pytest.raises(Conflict, match="0101 已存在"):
        actions.do_create_category(
            actor=None,
            kind="component",
            code="0101",
            name="重复",
            parent=Category.objects.get(kind="component", code="01"),
        )
    event = actions.do_create_category(actor=None, kind="event", code="01", name="市容环境")
    assert event.code == "01"


@pytest.mark.django_db
def test_a_shiwu_item_maps_to_one_category_only():
    major, minor, sub = tree()
    actions.do_update_category(actor=None, category=minor, shiwu_item="road_damage")
    with pytest.raises(InvalidInput, match="只能对应一个分类"):
        actions.do_update_category(actor=None, category=sub, shiwu_item="road_damage")


@pytest.mark.django_db
def test_an_update_that_changes_nothing_writes_nothing_and_codes_cannot_move():
    major, minor, sub = tree()
    events = AuditEvent.objects.count()
    actions.do_update_category(actor=None, category=minor, name="上水井盖", keywords="井盖，窨井 下水道盖")
    assert AuditEvent.objects.count() == events
    actions.do_update_category(actor=None, category=minor, name="自来水井盖")
    event = AuditEvent.objects.latest("id")
    assert (event.verb, event.old_values, event.new_values) == (
        "taxonomy.category_updated",
        {"name": "上水井盖"},
        {"name": "自来水井盖"},
    )
    with pytest.raises(InvalidInput, match="不可修改"):
        actions.do_update_category(actor=None, category=minor, code="0199")


@pytest.mark.django_db
def test_deactivating_a_category_switches_off_its_subtree_and_it_cannot_be_revived_under_an_inactive_parent():
    major, minor, sub = tree()
    assert actions.do_deactivate_category(actor=None, category=minor) == 2
    assert not Category.objects.get(pk=sub.pk).is_active
    assert Category.objects.get(pk=major.pk).is_active
    assert AuditEvent.objects.filter(verb="taxonomy.category_deactivated").count() == 2
    with pytest.raises(InvalidInput, match="请先启用上级"):
        actions.do_update_category(actor=None, category=Category.objects.get(pk=sub.pk), is_active=True)
    actions.do_update_category(actor=None, category=minor, is_active=True)
    assert Category.objects.get(pk=minor.pk).is_active


@pytest.mark.django_db
def test_filing_conditions_are_numbered_and_updated_in_place():
    _, minor, _ = tree()
    first = actions.do_save_filing_condition(
        actor=None, category=minor, text="缺失", level="A", limit=TimeLimit(4, "working_hours")
    )
    second = actions.do_save_filing_condition(
        actor=None, category=minor, text="破损", level="B", limit=TimeLimit(3, "working_days")
    )
    assert (first.sort_order, second.sort_order) == (1, 2)
    same = actions.do_save_filing_condition(
        actor=None, category=minor, sort_order=1, text="缺失", level="A", limit=TimeLimit(2, "working_hours")
    )
    assert same.pk == first.pk and same.limit == TimeLimit(2, "working_hours")
    with pytest.raises(InvalidInput, match="A、B、C"):
        actions.do_save_filing_condition(
            actor=None, category=minor, text="x", level="D", limit=TimeLimit(1, "working_hours")
        )
