"""Two people act on the same case at once (PostgreSQL, real threads): exactly one wins, the other is told
the case changed; the state change, its event and its audit row commit together."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from jingzhi.cases import actions
from jingzhi.cases.models import Case, CaseEvent
from jingzhi.cases.testing import T0, build_people, build_places, build_taxonomy
from jingzhi.core import audit, clock
from jingzhi.core.errors import Conflict
from jingzhi.core.models import AuditEvent


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_dispatchers_acting_at_once_one_wins_the_other_gets_conflict():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks")
    from jingzhi.duties import loader
    from jingzhi.duties.actions import do_create_duty_rule

    with clock.frozen(T0):
        build_places()
        tax = build_taxonomy()
        people = build_people()
        do_create_duty_rule(
            actor=None, category=tax.cover, scope_kind="everywhere", departments=[people.szsr]
        )
        loader.clear_cache()
        case = actions.do_open_case(
            actor=people.inspector, source="inspector", description="井盖没了", lon=116.3505, lat=39.9005
        )
        case = actions.do_file_case(actor=people.shift_lead, case_id=case.pk)
    version = case.version
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def attempt(call):
        try:
            barrier.wait(timeout=10)
            with clock.frozen(T0):
                call()
            outcomes.append("ok")
        except Conflict as exc:
            outcomes.append("conflict:" + exc.message)
        except Exception as exc:  # noqa: BLE001 - reported in the assertion
            outcomes.append(f"error:{type(exc).__name__}:{exc}")
        finally:
            connection.close()

    def dispatch():
        return actions.do_dispatch_case(
            actor=people.dispatcher,
            case_id=case.pk,
            expected_version=version,
        )

    def void():
        return actions.do_void_case(
            actor=people.shift_lead,
            case_id=case.pk,
            reason="重复",
            expected_version=version,
        )

    threads = [threading.Thread(target=attempt, args=(fn,)) for fn in (dispatch, void)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(o.split(":")[0] for o in outcomes) == ["conflict", "ok"], outcomes
    assert any("该案件已被他人处理，请刷新后重试" in o for o in outcomes)
    final = Case.objects.get(pk=case.pk)
    assert final.version == version + 1
    assert final.state in ("pending_response", "void")
    assert CaseEvent.objects.filter(case=final).count() == 3
    assert AuditEvent.objects.filter(target_type="cases.case").count() == CaseEvent.objects.count()
    assert audit.verify() is None
