"""Hooks cases fires after commit, for the higher apps that subscribe with
`jingzhi.core.hooks.register(NAME)` in their `AppConfig.ready()`.

Each carries the transition's payload: case_id, action, from_state, to_state, actor_id (`case_rated` also
`rating`). Only hooks a planned subscriber needs are fired; add one with its subscriber, not before.
"""

from __future__ import annotations

from jingzhi.cases import workflow
from jingzhi.core import hooks

# projects (民意立项): a 民情推动型 project is proposed when a community's cases of one category pile up.
CASE_OPENED = "case_opened"
# councils: a meeting's action item that opened a case is done when the case closes.
CASE_CLOSED = "case_closed"
# assessment: a reopened case re-fills the snapshot periods it touches.
CASE_REOPENED = "case_reopened"
# assessment: a rating (or a re-rating) re-fills the 满意率 of its period.
CASE_RATED = "case_rated"

_NAMED = {
    workflow.OPEN: CASE_OPENED,
    workflow.REOPEN: CASE_REOPENED,
    workflow.RATE: CASE_RATED,
}


def case_changed(*, case_id: int, action: str, from_state: str, to_state: str, actor_id, **extra) -> None:
    """Every transition calls this; it fires the hooks above that the transition implies."""
    payload = {
        "case_id": case_id,
        "action": action,
        "from_state": from_state,
        "to_state": to_state,
        "actor_id": actor_id,
        **extra,
    }
    named = _NAMED.get(action)
    if named:
        hooks.fire(named, **payload)
    if to_state == workflow.CLOSED and from_state != workflow.CLOSED:
        hooks.fire(CASE_CLOSED, **payload)
