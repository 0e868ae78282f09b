"""What one intake costs the database, counted (never timed): issue 16's fast intake path. A report is a
fixed handful of statements — the counter, the case, the timeline event (returning the audit chain's head),
the audit row and its notices job, all in one transaction — and no read-backs; the new case's taker flag is read
from the role assignments alone."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jingzhi.cases import queries, workflow
from jingzhi.cases.models import Case
from jingzhi.cases.testing import open_case
from jingzhi.core.models import OutboxJob

pytestmark = pytest.mark.django_db


def _kinds(captured) -> list[str]:
    """Each statement reduced to its verb and table, e.g. 'INSERT cases_case'."""
    out = []
    for q in captured:
        sql = q["sql"].strip()
        verb = sql.split(None, 1)[0].upper()
        table = re.search(r'(?:FROM|INTO|UPDATE)\s+"?(\w+)"?', sql, re.IGNORECASE)
        out.append(f"{verb} {table.group(1) if table else ''}".strip())
    return out


def test_a_report_is_five_writes_no_reads_and_four_round_trips(world, frozen):
    """Issue 16: the counter's UPDATE also reads the taxonomy's generation token; the case's INSERT also
    reads the taker flag, the duplicate candidates, the audit chain's head (taking its lock) and the
    timeline event's key; the event, its audit row and the notices job go together. On PostgreSQL the
    BEGIN rides with the counter and the last three INSERTs with each other (psycopg's pipeline): four
    round trips with the COMMIT, where there were nine."""
    open_case(world, idempotency_key="warm")  # caches (categories, limits, the boundary index) warm
    piped = []

    def note_pipeline(execute, sql, params, many, context):
        raw = context["connection"].connection
        if not sql.startswith(("SAVEPOINT", "RELEASE")):
            piped.append(bool(getattr(getattr(raw, "pgconn", None), "pipeline_status", 0)))
        return execute(sql, params, many, context)

    with CaptureQueriesContext(connection) as q, connection.execute_wrapper(note_pipeline):
        case = open_case(world, idempotency_key="k-1")
    kinds = [k for k in _kinds(q.captured_queries) if not k.startswith(("SAVEPOINT", "RELEASE", "BEGIN"))]
    assert kinds == [
        "UPDATE cases_casenumbercounter",
        "INSERT cases_case",
        "INSERT cases_caseevent",
        "INSERT core_auditevent",
        "INSERT core_outboxjob",
    ], kinds
    statements = [x["sql"] for x in q.captured_queries if x["sql"].startswith(("UPDATE", "INSERT"))]
    counter, case_insert = statements[0], statements[1]
    assert "taxonomy_generation" in counter
    assert "core_audit_chain_head" in case_insert or "core_auditevent" in case_insert  # PostgreSQL, SQLite
    assert case_insert.count("cases_case") >= 2  # the duplicate candidates
    if connection.vendor == "postgresql":
        assert piped == [True, False, True, True, True]
    event = case.events.get()
    assert case.intake_timeline[0].pk == event.pk
    assert OutboxJob.objects.filter(task__endswith="notify_case_opened", args=[case.pk]).count() == 1
    from jingzhi.core.audit import check
    from jingzhi.core.models import AuditEvent

    assert (
        AuditEvent.objects.filter(target_type="cases.case", target_id=str(case.pk)).get().new_values["event"]
        == event.pk
    )
    findings, _walked, _anchor = check()
    assert findings == []


def test_the_new_case_carries_its_timeline_and_the_open_event_only(world, frozen):
    case = open_case(world)
    assert [e.action for e in case.intake_timeline] == [workflow.OPEN]
    assert case.intake_timeline[0].pk == case.events.get().pk


@pytest.mark.parametrize("state", ["reported", "pending_filing", "pending_dispatch", "pending_callback"])
def test_the_taker_flag_of_a_case_in_hand_agrees_with_the_flag_computed_in_sql(world, frozen, state):
    """`has_no_taker` on a row in hand asks the role assignments alone; it must say what the flag
    expression over the case table says, with a taker, without one, and with the taker deactivated."""
    from jingzhi.accounts.models import RoleAssignment

    case = open_case(world)
    Case.objects.filter(pk=case.pk).update(state=state)
    case = Case.objects.get(pk=case.pk)

    def in_sql() -> bool:
        return queries.with_taker_flag(Case.objects.filter(pk=case.pk)).get().no_taker

    assert queries.has_no_taker(case) is in_sql() is False
    roles = workflow.TAKERS[state]
    takers = RoleAssignment.objects.filter(role__in=roles, is_active=True)
    users = list({a.user for a in takers})
    takers.update(is_active=False)
    assert queries.has_no_taker(case) is in_sql() is True
    takers.update(is_active=True)
    type(users[0]).objects.filter(pk__in=[u.pk for u in users]).update(is_active=False)
    assert queries.has_no_taker(case) is in_sql() is True


def test_a_new_reports_notices_are_two_jobs_not_three(world, frozen, settings):
    """The notices job of an intake queues one copies job for the reporter's receipt and the staff alert."""
    from django.core import mail

    from jingzhi.cases.actions import send_case_opened_notices
    from jingzhi.core import jobs

    settings.TASKS = {"default": {"BACKEND": "jingzhi.core.jobs.OutboxBackend", "OPTIONS": {"inline": False}}}
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []
    case = open_case(world)
    OutboxJob.objects.all().delete()
    world.p.resident.email = "r@example.org"
    world.p.resident.save(update_fields=["email"])
    world.p.operator.email = "o@example.org"
    world.p.operator.save(update_fields=["email"])
    send_case_opened_notices(case.pk)
    job = OutboxJob.objects.get()
    assert [m["title"] for m in job.args[0]] == [
        f"您的反映已受理：{case.number}",
        f"新案件待核实：{case.number}",
    ]
    jobs.run_due()
    assert sorted(m.to[0] for m in mail.outbox) == ["o@example.org", "r@example.org"]


def test_the_opened_hook_runs_in_the_notices_job_not_in_the_request(
    world, frozen, settings, django_capture_on_commit_callbacks
):
    """Projects' pile-up rules (the "case opened" hook) read in the worker: the intake's commit fires
    nothing; the notices job fires the hook with what intake took down."""
    from jingzhi.cases.hooks import CASE_OPENED
    from jingzhi.core import hooks, jobs

    settings.TASKS = {"default": {"BACKEND": "jingzhi.core.jobs.OutboxBackend", "OPTIONS": {"inline": False}}}
    heard = []

    def listener(**payload):
        heard.append(payload)

    hooks.register(CASE_OPENED)(listener)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            case = open_case(world)
        assert heard == []
        with django_capture_on_commit_callbacks(execute=True):
            jobs.run_due()
    finally:
        hooks.unregister(CASE_OPENED, listener)
    assert heard == [
        {
            "case_id": case.pk,
            "action": workflow.OPEN,
            "from_state": "",
            "to_state": case.state,
            "actor_id": world.p.resident.pk,
            "category_id": case.category_id,
            "community_code": case.community_code,
        }
    ]


@pytest.mark.parametrize("staffed", [True, False])
def test_the_new_cases_taker_flag_comes_back_from_its_insert_and_agrees_with_sql(world, frozen, staffed):
    """Whether someone can take a new report is returned by the case's INSERT: the 201 body asks nothing
    more, and says what the flag over the case table says."""
    from jingzhi.accounts.models import RoleAssignment

    if not staffed:
        RoleAssignment.objects.filter(role__in=workflow.TAKERS[workflow.REPORTED]).update(is_active=False)
    case = open_case(world)
    assert case.taker_known == (case.state, staffed)
    with CaptureQueriesContext(connection) as q:
        flag = queries.has_no_taker(case)
    assert len(q.captured_queries) == 0
    assert flag is (not staffed) is queries.with_taker_flag(Case.objects.filter(pk=case.pk)).get().no_taker


def test_the_case_insert_sends_at_most_fifty_parameters_and_one_text_per_kind_of_report(world, frozen):
    """Issue 16: psycopg re-parses a statement of more than 50 parameters on every execution and quotes each
    parameter; the case's INSERT leaves out its empty columns and writes the code's constants (open states,
    roles, the audit lock) into the text, so two reports of the same kind send the same text."""
    open_case(world, idempotency_key="warm")
    sent = []

    def note(execute, sql, params, many, context):
        if sql.startswith('INSERT INTO "cases_case"'):
            sent.append((sql, len(params)))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(note):
        first = open_case(world, idempotency_key="k-1")
        second = open_case(world, idempotency_key="k-2")
    (text_1, count_1), (text_2, count_2) = sent
    assert count_1 <= 50 and count_2 <= 50, (count_1, count_2)
    assert text_1 == text_2
    assert "filing_condition_id" not in text_1 and "closed_at" not in text_1  # NULL: left out
    for case in (first, second):
        read = Case.objects.get(pk=case.pk)
        assert read.closed_at is None and read.return_count == 0 and read.is_escalated is False
        assert read.rating == "" and read.version == 1 and read.number == case.number


def test_place_rows_are_built_once_per_place_each_report_its_own_and_a_renamed_grid_is_seen(world, frozen):
    """Issue 16: the place rows of a report are copied from rows built once per place (keyed by everything
    they are built from), each report getting its own instances; when a grid is renamed and the locator's
    index rebuilt (an activation, or another process noticing one), the next report carries the new name."""
    from jingzhi.geo import locate
    from jingzhi.geo.models import Grid

    first = open_case(world, idempotency_key="p-1")
    second = open_case(world, idempotency_key="p-2")
    assert first.grid.pk == second.grid.pk and first.grid is not second.grid
    assert first.grid._state is not second.grid._state and not second.grid._state.adding
    for level in ("grid", "community", "subdistrict", "district"):
        ours, stored = getattr(second, level), getattr(Case.objects.get(pk=second.pk), level)
        assert (ours.pk, ours.code, ours.name) == (stored.pk, stored.code, stored.name), level
    first.grid.name = "changed in hand"  # one report's row is its own
    assert second.grid.name != "changed in hand"
    Grid.objects.filter(pk=second.grid.pk).update(name="改名后的网格")
    locate.rebuild()
    try:
        third = open_case(world, idempotency_key="p-3")
        assert third.grid.pk == second.grid.pk and third.grid.name == "改名后的网格"
    finally:
        locate.invalidate()
