"""Named extension points 多元共治 fires after commit (through `jingzhi.core.hooks`), for higher apps
(assessment) to subscribe to in their `AppConfig.ready()`.
"""

# assessment: a patrol round finished (completion rates). Payload: round_id, council_id, day (ISO date).
PATROL_FINISHED = "council_patrol_finished"
# assessment / notices: a meeting's action item was done. Payload: item_id, meeting_id.
ACTION_ITEM_DONE = "council_action_item_done"
