"""Assessment tests build on the cases world (`jingzhi.cases.testing`) and add a month of case history."""

from datetime import timedelta
from types import SimpleNamespace

import pytest

from jingzhi.cases.testing import (  # noqa: F401  (fixtures and builders)
    IN_SUB1,
    IN_SUB2,
    SUB1,
    SUB2,
    T0,
    D,
    frozen,
    open_case,
    walk_to,
    world,
)

MONTH = "2025-06"


@pytest.fixture
def history(world, frozen, django_capture_on_commit_callbacks):  # noqa: F811
    """A June of cases: closed and rated, still handling, waiting for response, late, returned, voided,
    one in the other subdistrict, rated 不满意, and a whistle with one on-time and one late report-in."""
    from jingzhi.cases import actions

    p = world.p
    made = SimpleNamespace()
    with django_capture_on_commit_callbacks(execute=True):
        made.closed = walk_to(world, open_case(world), "closed")
        made.handling = walk_to(world, open_case(world), "handling")
        made.waiting = walk_to(world, open_case(world), "pending_response")
        made.unhappy = walk_to(world, open_case(world), "pending_callback")
        made.unhappy = actions.do_rate_case(actor=p.resident, case_id=made.unhappy.pk, rating="dissatisfied")
        made.returned = walk_to(world, open_case(world), "pending_response")
        made.returned = actions.do_return_case(
            actor=p.handler, case_id=made.returned.pk, reason="不属于本部门职责"
        )
        made.void = open_case(world)
        made.void = actions.do_void_case(actor=p.shift_lead, case_id=made.void.pk, reason="重复测试")
        other = open_case(world, p.inspector2, source="inspector", where=IN_SUB2)
        other = actions.do_file_case(
            actor=p.shift_lead, case_id=other.pk, filing_condition=world.t.condition.pk
        )
        made.other = actions.do_dispatch_case(actor=p.dispatcher, case_id=other.pk)
        # A late one: accepted, then feedback well after the handling deadline.
        late = walk_to(world, open_case(world), "handling")
        frozen.to(late.handle_deadline + timedelta(hours=30))
        late = actions.do_feedback_case(actor=p.handler, case_id=late.pk, note="迟到的反馈")
        made.late = actions.do_check_pass_case(actor=p.inspector, case_id=late.pk)
        whistle = actions.do_blow_whistle(
            actor=p.sub_admin,
            case_ids=[made.handling.pk],
            department_ids=[p.szsr.pk, p.zls.pk],
            limit_minutes=30,
        )
        summonses = {s.department_id: s for s in whistle.summonses.all()}
        frozen.to(whistle.blown_at + timedelta(minutes=20))
        actions.do_report_in(actor=p.handler, summons_id=summonses[p.szsr.pk].pk, place="现场")
        frozen.to(whistle.blown_at + timedelta(minutes=50))
        actions.do_report_in(actor=p.other_handler, summons_id=summonses[p.zls.pk].pk, place="现场")
        actions.do_rate_whistle_response(actor=p.sub_admin, summons_id=summonses[p.szsr.pk].pk, rating=5)
        actions.do_rate_whistle_response(actor=p.sub_admin, summons_id=summonses[p.zls.pk].pk, rating=3)
    made.whistle = whistle
    return made
