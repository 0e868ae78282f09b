import pytest
from django.db import transaction

from jingzhi.core import hooks

pytestmark = pytest.mark.django_db


@pytest.fixture
def calls():
    seen: list[dict] = []

    def receiver(**payload):
        seen.append(payload)

    hooks.register("test_event")(receiver)
    yield seen
    hooks.unregister("test_event", receiver)


def test_a_hook_fires_only_once_the_transaction_commits(calls, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        hooks.fire("test_event", case_id=7)
        assert calls == []
    assert calls == [{"case_id": 7}]


def test_a_hook_does_not_fire_after_a_rollback(calls, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        hooks.fire("test_event", case_id=8)
        raise RuntimeError("boom")
    assert callbacks == [] and calls == []


def test_one_failing_receiver_does_not_silence_the_others(calls, django_capture_on_commit_callbacks):
    def broken(**payload):
        raise ValueError("receiver bug")

    hooks.register("test_event")(broken)
    try:
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            hooks.fire("test_event", case_id=9)
    finally:
        hooks.unregister("test_event", broken)
    assert calls == [{"case_id": 9}]


@pytest.mark.django_db(transaction=True)
def test_with_real_commits_and_rollbacks_only_the_committed_change_is_announced(calls):
    with transaction.atomic():
        hooks.fire("test_event", case_id=1)
    with pytest.raises(RuntimeError), transaction.atomic():
        hooks.fire("test_event", case_id=2)
        raise RuntimeError("rolled back")
    assert calls == [{"case_id": 1}]
