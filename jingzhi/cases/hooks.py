"""Hooks cases fires after commit, for higher apps (assessment, rectification, open311, ...).
Subscribe with `jingzhi.core.hooks.register(NAME)` in `AppConfig.ready()`.

Every transition fires `CASE_CHANGED` (payload: case_id, action, from_state, to_state, actor_id). Some also
fire a named hook with the same payload: `case_opened`, `case_filed`, `case_dispatched`, `case_accepted`,
`case_returned`, `case_closed`, `case_reopened`, `case_merged` (also `into_id`), `case_rated` (also
`rating`). Whistles fire `whistle_blown` (whistle_id, case_ids, department_ids) and `whistle_reported`
(whistle_id, summons_id, department_id, is_late).
"""

from __future__ import annotations

from jingzhi.cases import workflow
from jingzhi.core import hooks

CASE_CHANGED = "case_changed"
CASE_OPENED = "case_opened"
CASE_FILED = "case_filed"
CASE_DISPATCHED = "case_dispatched"
CASE_ACCEPTED = "case_accepted"
CASE_RETURNED = "case_returned"
CASE_CLOSED = "case_closed"
CASE_REOPENED = "case_reopened"
CASE_MERGED = "case_merged"
CASE_RATED = "case_rated"
WHISTLE_BLOWN = "whistle_blown"
WHISTLE_REPORTED = "whistle_reported"

_NAMED = {
    workflow.OPEN: CASE_OPENED,
    workflow.FILE: CASE_FILED,
    workflow.DISPATCH: CASE_DISPATCHED,
    workflow.ACCEPT: CASE_ACCEPTED,
    workflow.RETURN: CASE_RETURNED,
    workflow.REOPEN: CASE_REOPENED,
    workflow.MERGE: CASE_MERGED,
    workflow.RATE: CASE_RATED,
}


def case_changed(*, case_id: int, action: str, from_state: str, to_state: str, actor_id, **extra) -> None:
    payload = {
        "case_id": case_id,
        "action": action,
        "from_state": from_state,
        "to_state": to_state,
        "actor_id": actor_id,
        **extra,
    }
    hooks.fire(CASE_CHANGED, **payload)
    named = _NAMED.get(action)
    if named:
        hooks.fire(named, **payload)
    if to_state == workflow.CLOSED and from_state != workflow.CLOSED:
        hooks.fire(CASE_CLOSED, **payload)
