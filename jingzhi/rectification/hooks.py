"""Named extension points 十无一创建 fires after commit (through `jingzhi.core.hooks`), for higher apps to
subscribe to in their `AppConfig.ready()`.
"""

# assessment: 十无 pass rates and grade counts of the inspection's street and month are re-filled.
# Payload: inspection_id, street_code, official.
INSPECTION_RECORDED = "inspection_recorded"
# assessment: a task letter was signed (the 签署率 of the month it was issued in). Payload: letter_id.
TASK_LETTER_SIGNED = "task_letter_signed"
# assessment: the grade replay rewrote a street's month-end states (`StreetMonth`); `months` are those whose
# row was added, changed or removed. Payload: street_code, months.
STREET_MONTHS_CHANGED = "street_months_changed"
