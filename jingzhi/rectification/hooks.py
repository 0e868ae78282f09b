"""Named extension points 十无一创建 fires after commit (through `jingzhi.core.hooks`), for higher apps to
subscribe to in their `AppConfig.ready()`.
"""

# assessment: 十无 pass rates and grade counts of the inspection's street and month are re-filled.
# Payload: inspection_id, street_code, official.
INSPECTION_RECORDED = "inspection_recorded"
