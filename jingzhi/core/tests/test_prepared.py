"""`core.prepared.fetch`: the queryset's own rows and statement, compiled once per shape."""

from __future__ import annotations

import functools
from datetime import datetime, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jingzhi.core import clock, prepared
from jingzhi.core.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def events():
    now = clock.now()
    users = [get_user_model().objects.create(username=f"u{i}", display_name=f"用户{i}") for i in range(3)]
    rows = [
        AuditEvent.objects.create(
            verb=verb,
            target_type="t",
            target_id=str(i),
            actor=users[i % 3],
            prev_hash=str(i),
            hash=f"h{i}",
            created_at=now,
        )
        for i, verb in enumerate(["open", "close", "open", "merge", "open"])
    ]
    return users, rows


def _statements(run, *args):
    with CaptureQueriesContext(connection) as ctx:
        result = run(*args)
    return result, [q["sql"] for q in ctx.captured_queries]


def test_rows_and_statements_are_the_querysets_own_for_every_value(events, monkeypatch):
    users, _rows = events
    compiled = []
    real = prepared._prepare
    monkeypatch.setattr(prepared, "_prepare", lambda *a: compiled.append(a) or real(*a))

    def build(actor, verb, targets):
        return (
            AuditEvent.objects.filter(actor_id=actor, verb=verb, target_id__in=targets)
            .select_related("actor")
            .order_by("-id")
        )

    for actor, verb, targets in [
        (users[0].pk, "open", ["0", "4", "9"]),
        (users[1].pk, "open", ["2", "1", "3"]),
        (users[2].pk, "merge", ["3", "4", "0"]),
        (users[0].pk, "close", ["1", "2", "3"]),
    ]:
        expected, orm_sql = _statements(lambda *v: list(build(*v)), actor, verb, targets)
        got, our_sql = _statements(prepared.fetch, ("t", "audit"), build, actor, verb, targets)
        assert got == expected and our_sql == orm_sql
        assert [e.actor.username for e in got] == [e.actor.username for e in expected]
        assert all(e.__class__ is AuditEvent and not e._state.adding for e in got)
    assert len(compiled) == 1  # one shape: compiled once
    # Another number of list items is another shape.
    assert prepared.fetch(("t", "audit"), build, users[0].pk, "open", ["0"]) == list(
        build(users[0].pk, "open", ["0"])
    )
    assert len(compiled) == 2


def test_prefetches_and_values_rows_still_work(events):
    users, rows = events

    def build(verb):
        return AuditEvent.objects.filter(verb=verb).prefetch_related("actor").order_by("id")

    for verb in ("open", "close"):
        got, statements = _statements(prepared.fetch, ("t", "prefetch"), build, verb)
        assert [(e.pk, e.actor.username) for e in got] == [
            (e.pk, e.actor.username) for e in rows if e.verb == verb
        ]
        assert len(statements) == 2  # the rows, then their actors
    values = prepared.fetch(
        ("t", "values"),
        lambda verb: AuditEvent.objects.filter(verb=verb).values_list("target_id", flat=True),
        "open",
    )
    assert sorted(values) == ["0", "2", "4"]


def test_values_the_orm_transforms_or_empty_lists_are_compiled_each_time_with_the_same_answer(events):
    _users, rows = events

    def starting(prefix):
        return AuditEvent.objects.filter(verb__startswith=prefix).order_by("id")

    for prefix in ("o", "m", "x"):
        assert prepared.fetch(("t", "startswith"), starting, prefix) == list(starting(prefix))
    assert prepared._CACHE[("t", "startswith", False, ("str",))] is None
    got, statements = _statements(
        prepared.fetch, ("t", "empty"), lambda ids: AuditEvent.objects.filter(pk__in=ids), []
    )
    assert got == [] and statements == []


def test_only_ints_and_strings_are_stand_ins():
    with pytest.raises(TypeError):
        prepared.fetch(("t", "float"), lambda x: AuditEvent.objects.filter(pk=x), 1.5)


def test_datetimes_and_none_are_values_and_counts_are_the_querysets(events, monkeypatch):
    users, rows = events
    compiled = []
    real = prepared._prepare
    monkeypatch.setattr(prepared, "_prepare", lambda *a: compiled.append(a) or real(*a))

    def build(actor, since, verb, limit=None):
        qs = AuditEvent.objects.filter(actor_id__in=actor, created_at__gte=since).values("pk").order_by("id")
        qs = qs.filter(verb=verb) if verb is not None else qs
        return qs[:limit] if limit is not None else qs

    moment = rows[0].created_at
    cases = [
        ([users[0].pk, users[1].pk], moment, None, None),
        ([users[0].pk, users[2].pk], moment, None, None),
        ([users[1].pk, users[2].pk], moment + timedelta(seconds=1), None, None),
        ([users[0].pk, users[1].pk], moment - timedelta(days=1), "open", None),
        ([users[0].pk, users[2].pk], moment, "open", None),
        ([users[0].pk, users[1].pk], moment, None, 1),
    ]
    for actor, since, verb, limit in cases:
        expected = build(actor, since, verb, limit).count()
        limited = functools.partial(build, limit=limit)
        got, statements = _statements(prepared.count, ("t", "count", limit), limited, actor, since, verb)
        assert got == expected and len(statements) == 1
        listed = prepared.fetch(("t", "rows", limit), limited, actor, since, verb)
        assert listed == list(build(actor, since, verb, limit))
    assert [build(*c).count() for c in cases] == [4, 3, 0, 2, 2, 1]
    # Counts and rows are compiled apart; a verb or None, a limit or none, are other shapes: 2 × 3.
    assert len(compiled) == 6


def test_a_datetime_the_orm_transforms_is_compiled_each_time(events):
    _users, rows = events

    def on_day(moment):
        return AuditEvent.objects.filter(created_at__date=moment.date()).values("pk")

    def by_date(moment):
        return AuditEvent.objects.filter(created_at__date__gte=moment).values("pk")

    moment = rows[0].created_at
    for at in (moment, moment + timedelta(days=1)):
        assert prepared.count(("t", "by_date"), by_date, at) == by_date(at).count()
    assert prepared._CACHE[("t", "by_date", True, ("datetime",))] is None


def test_naive_datetimes_are_refused():
    with pytest.raises(TypeError):
        prepared.count(
            ("t", "naive"), lambda x: AuditEvent.objects.filter(created_at=x), datetime(2026, 1, 1)
        )


def test_a_value_the_statement_does_not_use_is_no_reason_to_compile_each_time(events, monkeypatch):
    """A queue without deadlines is given the moment and ignores it: still compiled once, and right."""
    users, _rows = events
    compiled = []
    real = prepared._prepare
    monkeypatch.setattr(prepared, "_prepare", lambda *a: compiled.append(a) or real(*a))

    def build(actor, _moment):
        return AuditEvent.objects.filter(actor_id=actor).values("pk")

    for user in users:
        got = prepared.count(("t", "unused"), build, user.pk, clock.now())
        assert got == build(user.pk, None).count()
    assert [build(u.pk, None).count() for u in users] == [2, 2, 1]
    assert len(compiled) == 1 and prepared._CACHE[("t", "unused", True, ("int", "datetime"))] is not None


def test_list_parameters_are_compared_not_looked_up(events):
    """A compiled parameter that cannot be a dictionary key (a list: PostgreSQL's arrays) is a constant
    when both compilations agree on it, never a crash while looking for stand-ins."""
    users, _rows = events

    def build(actor):
        return AuditEvent.objects.filter(actor_id=actor).extra(where=["%s IS NOT NULL"], params=[[1, 2]])

    entry = prepared._prepare(build, (users[0].pk,))
    assert entry is not None
    assert (False, [1, 2]) in entry.slots and (True, 0) in entry.slots
