"""Named extension points 腾退空间 fires after commit (through `jingzhi.core.hooks`), for higher apps (assessment,
projects) to subscribe to in their `AppConfig.ready()`.
"""

# A space changed state (a person's change or a re-check's 反弹). Payload: space_id, from_state, to_state.
SPACE_STATE_CHANGED = "space_state_changed"
# A re-check found a space re-occupied and opened a case. Payload: space_id, recheck_id, case_id.
SPACE_REBOUNDED = "space_rebounded"
# Spaces were registered (one, or a ledger's rows) — possibly vacated in an earlier month.
# Payload: space_ids, vacated_on (the ISO dates, one per space).
SPACES_REGISTERED = "spaces_registered"
