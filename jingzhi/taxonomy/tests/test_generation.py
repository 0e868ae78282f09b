"""The per-process caches of the tree and of the step limits key on the generation token the database
rewrites on every write — including writes that bypass the ORM's save(), which no signal would see."""

import pytest
from django.db import connection

from jingzhi.taxonomy.limits import TimeLimit, limit_for
from jingzhi.taxonomy.models import Category, StepLimit
from jingzhi.taxonomy.queries import generation_token, suggest_categories
from jingzhi.taxonomy.tests.factories import tree

pytestmark = pytest.mark.django_db


def test_every_kind_of_write_to_the_tree_or_the_limits_changes_the_token():
    major, minor, sub = tree()
    seen = [generation_token()]
    assert seen[0]
    Category.objects.filter(pk=sub.pk).update(keywords="铸铁")
    seen.append(generation_token())
    row = StepLimit.objects.create(category=minor, step="respond", limit_amount=2, limit_unit="working_hours")
    seen.append(generation_token())
    StepLimit.objects.filter(pk=row.pk).update(limit_amount=3)
    seen.append(generation_token())
    row.delete()
    seen.append(generation_token())
    assert len(set(seen)) == len(seen)


def test_a_keyword_changed_behind_the_orms_back_is_suggested_at_once():
    _major, minor, _sub = tree()
    assert suggest_categories("路边的雨水箅子坏了") == []  # builds and caches the index
    Category.objects.filter(pk=minor.pk).update(keywords="雨水箅子")
    assert [c.pk for c, _score, _words in suggest_categories("路边的雨水箅子坏了")] == [minor.pk]
    Category.objects.filter(pk=minor.pk).update(is_active=False)
    assert suggest_categories("路边的雨水箅子坏了") == []


def test_a_step_limit_changed_behind_the_orms_back_applies_at_once():
    _major, minor, sub = tree()
    row = StepLimit.objects.create(category=minor, step="respond", limit_amount=2, limit_unit="working_hours")
    assert limit_for(sub, "respond") == TimeLimit(2, "working_hours")  # cached now
    StepLimit.objects.filter(pk=row.pk).update(limit_amount=5)
    assert limit_for(sub, "respond") == TimeLimit(5, "working_hours")
    with connection.cursor() as cursor:  # raw SQL, as a restore or a DBA would
        cursor.execute("DELETE FROM taxonomy_steplimit WHERE id = %s", [row.pk])
    assert limit_for(sub, "respond") is None


def test_one_pinned_operation_reads_the_generation_once(django_assert_num_queries):
    from jingzhi.taxonomy.queries import pinned_generation

    tree()
    with pinned_generation():
        with django_assert_num_queries(1):
            first = generation_token()
            assert generation_token() == first
        Category.objects.filter(code="01").update(keywords="管线")  # a write inside the operation
        with django_assert_num_queries(0):
            assert generation_token() == first  # still the taxonomy as of the first read
    assert generation_token() != first  # outside: the write is seen
