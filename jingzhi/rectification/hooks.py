"""Named extension points 十无一创建 fires after commit (through `jingzhi.core.hooks`), for higher apps such
as assessment to subscribe to in their `AppConfig.ready()`:

- `inspection_recorded(inspection_id, street_code, official)` — an inspection was saved (its cases opened).
"""

INSPECTION_RECORDED = "inspection_recorded"
