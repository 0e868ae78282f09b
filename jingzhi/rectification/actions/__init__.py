"""The only code that writes 十无一创建's tables: the standard, inspections, grades, chiefs, task letters,
the ledger, the board, accountability, 一街一策 plans and stewards.

Every `do_*` checks its input completely before writing anything, then writes inside one
`transaction.atomic()` with an audit row per change, so a refusal leaves nothing half-written (an
inspection whose third finding cannot become a case rolls back the first two cases too). Findings become
cases through `cases.actions.do_open_case` like any other report: located, categorised by the item's
mapped category, on the timeline, dispatched later by the responsibility list. A finding on a street where
a case of the same category is still open joins that case instead of opening a duplicate. After an
official inspection the street's grade is replayed from its monthly scores (`rules.replay_grades`), new
grade changes and accountability proposals are recorded, and the people concerned are notified after
commit. `actor` None is the system (the demo, imports): it passes permission checks but still leaves audit
rows."""

from ._common import (  # noqa: F401
    CASE_SOURCE,
    DEFAULT_RULES,
    DEFAULT_VERSION_CODE,
    OFFICIAL_KINDS,
    pin_max_distance_m,
)
from .accountability import (  # noqa: F401
    do_decide_proposal,
)
from .chiefs import (  # noqa: F401
    do_appoint_chief,
    do_end_chief,
)
from .grades import (  # noqa: F401
    do_award_grade,
)
from .inspections import (  # noqa: F401
    do_record_inspection,
)
from .ledger import (  # noqa: F401
    BOARD_FIELDS,
    do_record_ledger_entry,
    do_retire_ledger_entry,
    do_update_board,
)
from .letters import (  # noqa: F401
    do_end_task_letter,
    do_issue_task_letter,
    do_sign_task_letter,
)
from .plans import (  # noqa: F401
    do_add_plan_item,
    do_save_plan,
    do_update_plan_item,
)
from .standard import (  # noqa: F401
    ItemSpec,
    do_create_standard_version,
    do_load_default_standard,
)
from .stewards import (  # noqa: F401
    do_assign_steward,
    do_end_steward,
    do_log_patrol,
)
