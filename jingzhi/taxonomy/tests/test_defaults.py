import pytest
from django.core.management import call_command

from jingzhi.core import audit
from jingzhi.core.models import AuditEvent
from jingzhi.taxonomy import actions, queries
from jingzhi.taxonomy.limits import TimeLimit, limit_for
from jingzhi.taxonomy.models import (
    Category,
    ClosingCondition,
    FilingCondition,
    RequestType,
    ShiwuItem,
    StepLimit,
    Urgency,
)


def _table_counts():
    return [
        model.objects.count()
        for model in (Category, FilingCondition, ClosingCondition, StepLimit, RequestType, Urgency)
    ]


@pytest.mark.django_db
def test_the_default_tree_loads_twice_without_changing_anything_the_second_time():
    first = actions.do_load_default_taxonomy(actor=None)
    counts, events = _table_counts(), AuditEvent.objects.count()
    second = actions.do_load_default_taxonomy(actor=None)
    assert first["categories"] == counts[0] > 60
    assert set(second.values()) == {0}
    assert _table_counts() == counts
    assert AuditEvent.objects.count() == events
    assert audit.verify() is None


@pytest.mark.django_db
def test_the_default_tree_maps_every_shiwu_item_to_an_active_event_category():
    actions.do_load_default_taxonomy(actor=None)
    mapping = queries.shiwu_mapping()
    assert list(mapping) == list(ShiwuItem.values)
    assert all(category is not None and category.kind == "event" for category in mapping.values())
    assert queries.shiwu_category("illegal_parking").name == "乱停车"
    assert queries.shiwu_category("illegal_construction").code == "0101"
    assert queries.shiwu_category("wall_openings").parent.name == "市容环境"


@pytest.mark.django_db
def test_the_default_tree_keeps_published_codes_and_limits_and_flags_its_own():
    actions.do_load_default_taxonomy(actor=None)
    cover = queries.category_by_code("部件", "0101")
    assert (cover.name, cover.parent.name, cover.is_local_default) == ("上水井盖", "公用设施", False)
    assert "窨井" in cover.keyword_list()
    assert queries.category_by_code("部件", "0102").is_local_default
    assert {c.name for c in Category.objects.filter(level="major", kind="component")} == {
        "公用设施",
        "道路交通",
        "市容环境",
        "园林绿化",
        "房屋土地",
        "其他",
    }
    assert {c.name for c in Category.objects.filter(level="major", kind="event")} == {
        "市容环境",
        "宣传广告",
        "施工管理",
        "街面秩序",
        "突发事件",
        "其他",
    }
    construction = queries.shiwu_category("illegal_construction")
    assert [(c.level, c.limit, c.is_local_default) for c in queries.filing_conditions_for(construction)] == [
        ("A", TimeLimit(4, "working_hours"), False),
        ("B", TimeLimit(7, "working_days"), False),
        ("C", TimeLimit(20, "working_days"), False),
    ]
    rubbish = queries.category_by_code("事件", "0102")
    assert [(c.limit, c.is_local_default) for c in queries.filing_conditions_for(rubbish)] == [
        (TimeLimit(4, "working_hours"), False)
    ]
    water = Category.objects.get(name="水域不洁")
    assert all(c.is_local_default for c in queries.filing_conditions_for(water))
    assert queries.closing_conditions_for(water)
    emergency = Category.objects.get(name="路面塌陷")
    assert limit_for(emergency, "respond") == TimeLimit("0.5", "calendar_hours")
    assert limit_for(water, "respond") == TimeLimit(2, "working_hours")
    assert [t.name for t in queries.request_types()] == ["咨询", "求助", "投诉", "举报", "建议"]
    assert {u.code: u.limit for u in queries.urgencies()} == {
        "emergency": TimeLimit(2, "calendar_hours"),
        "utilities": TimeLimit(24, "calendar_hours"),
        "ordinary": TimeLimit(168, "calendar_hours"),
        "complex": TimeLimit(360, "calendar_hours"),
    }


@pytest.mark.django_db
def test_reloading_the_defaults_keeps_an_administrators_edits():
    actions.do_load_default_taxonomy(actor=None)
    cover = queries.category_by_code("部件", "0101")
    actions.do_update_category(actor=None, category=cover, name="上水井盖（自来水）", keywords="井盖")
    StepLimit.objects.filter(category__isnull=True, step="accept").delete()
    actions.do_load_default_taxonomy(actor=None)
    cover.refresh_from_db()
    assert (cover.name, cover.keywords) == ("上水井盖（自来水）", "井盖")
    assert not Category.objects.filter(kind="component", name="上水井盖").exists()
    assert StepLimit.objects.filter(category__isnull=True, step="accept").exists()


@pytest.mark.django_db
def test_the_load_default_command_builds_the_tree(capsys):
    call_command("taxonomy", "load-default")
    assert "categories +" in capsys.readouterr().out
    assert Category.objects.filter(shiwu_item__gt="").count() == 10
