import pytest

from jingzhi.core.errors import InvalidInput
from jingzhi.taxonomy import actions, queries
from jingzhi.taxonomy.exceptions import UnknownCategory
from jingzhi.taxonomy.tests.factories import tree


@pytest.mark.django_db
def test_a_missing_manhole_cover_is_suggested_as_the_published_manhole_cover_category():
    actions.do_load_default_taxonomy(actor=None)
    suggestions = queries.suggest_categories("井盖没了，很危险")
    category, score, words = suggestions[0]
    assert (category.kind, category.code, category.name) == ("component", "0101", "上水井盖")
    assert words == ["井盖"]
    assert 0 < score <= 1
    assert len(suggestions) == 3
    assert all("井盖" in c.name for c, _, _ in suggestions)
    # a longer, more specific keyword beats a short generic one
    top = queries.suggest_categories("小区门口有人私搭乱建，还堆了很多建筑垃圾", limit=2)
    assert [c.name for c, _, _ in top] == ["私搭乱建", "建筑垃圾、渣土"]
    assert queries.suggest_categories("今天天气不错") == []
    assert queries.suggest_categories("") == []


@pytest.mark.django_db
def test_suggestions_ignore_inactive_categories():
    _, minor, sub = tree()
    assert [c for c, _, _ in queries.suggest_categories("窨井盖丢了")] == [minor]
    actions.do_deactivate_category(actor=None, category=minor)
    assert queries.suggest_categories("窨井盖丢了") == []


@pytest.mark.django_db
def test_an_unknown_or_inactive_category_is_refused_with_one_chinese_message():
    major, minor, sub = tree()
    assert queries.access_category(minor.pk) == minor
    assert queries.access_category(str(minor.pk)) == minor
    actions.do_deactivate_category(actor=None, category=sub)
    for bad in (sub.pk, 999999, "abc", None):
        with pytest.raises(UnknownCategory, match="不存在或已停用") as caught:
            queries.access_category(bad)
        assert caught.value.fields == {"category": "unknown"}
        assert isinstance(caught.value, InvalidInput)


@pytest.mark.django_db
def test_a_category_is_found_by_kind_and_code_in_either_language():
    major, minor, sub = tree()
    assert queries.category_by_code("component", "0101") == minor
    assert queries.category_by_code("部件", "0101") == minor
    with pytest.raises(UnknownCategory):
        queries.category_by_code("事件", "0101")
    actions.do_deactivate_category(actor=None, category=minor)
    with pytest.raises(UnknownCategory):
        queries.category_by_code("部件", "0101")
    assert queries.category_by_code("部件", "0101", include_inactive=True) == minor


@pytest.mark.django_db
def test_a_subtree_is_the_category_and_everything_below_it():
    major, minor, sub = tree()
    other = actions.do_create_category(
        actor=None, kind="component", code="0102", name="污水井盖", parent=major
    )
    assert set(queries.category_subtree(minor)) == {minor, sub}
    assert set(queries.category_subtree(major)) == {major, minor, sub, other}
    assert queries.category_path(sub) == [major, minor, sub]
    assert sub.path_name == "公用设施 › 上水井盖 › 铸铁井盖"


@pytest.mark.django_db
def test_an_unmapped_or_unknown_shiwu_item_is_explained():
    with pytest.raises(InvalidInput, match="不存在"):
        queries.shiwu_category("flying_cars")
    with pytest.raises(UnknownCategory, match="尚未对应"):
        queries.shiwu_category("illegal_parking")
