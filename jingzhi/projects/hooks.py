"""Named extension points 民意立项 fires after commit (through `jingzhi.core.hooks`), for higher apps
(assessment) to subscribe to in their `AppConfig.ready()`.
"""

# assessment: a project changed state (立项, 验收, 办结 counts per subdistrict).
# Payload: project_id, action, from_state, to_state, subdistrict_code.
PROJECT_CHANGED = "project_changed"
# assessment: a household rated a delivered project (a second rating replaces the first, moving it to now).
# Payload: project_id, rating_id, rated_at (ISO datetime), replaced_at (ISO datetime of the replaced rating,
# or "" for a first rating).
PROJECT_RATED = "project_rated"
