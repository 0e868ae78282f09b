"""The only code that writes cases: intake, every transition of the loop, whistles, supervision, import.

Each `do_*` runs in one transaction: lock the case (`select_for_update`), check the version the person saw
(`expected_version`, Conflict when stale), ask `permissions.roles_on_case` and the pure table in `workflow`
(PermissionDenied naming the allowed actions), apply, set the next step's deadlines from taxonomy's limits on
the working calendar (`deadlines`), and write one timeline event plus one audit row — so the state change,
its event and its audit row commit together or not at all. Side effects (hooks, notifications, queued
jobs) go out after commit. `actor` None is the system (imports run by an operator, the demo, cron): it
passes role checks but still leaves its audit row.

One module per noun (intake, transitions, whistles, reminders, hotline); this package re-exports their
public names so callers import `jingzhi.cases.actions` as before. Interfaces call the named wrappers (`do_file_case`, `do_dispatch_case`, ...), all thin over
`do_transition(actor=, case_id=, action=, ...)`."""

from ._common import (  # noqa: F401
    case_link,
    handlers_of,
    staff_for,
)
from .hotline import (  # noqa: F401
    HOTLINE_COLUMNS,
    REQUIRED_HOTLINE,
    do_import_hotline_orders,
)
from .intake import (  # noqa: F401
    do_follow_case,
    do_open_case,
    request_fingerprint,
    send_case_opened_notices,
)
from .reminders import (  # noqa: F401
    do_send_overdue_reminders,
)
from .transitions import (  # noqa: F401
    do_accept_case,
    do_approve_extension,
    do_callback_case,
    do_check_fail_case,
    do_check_pass_case,
    do_close_case,
    do_dispatch_case,
    do_feedback_case,
    do_file_case,
    do_merge_case,
    do_not_file_case,
    do_park_case,
    do_rate_case,
    do_refuse_extension,
    do_reopen_case,
    do_request_extension,
    do_request_verification,
    do_return_case,
    do_supervise_case,
    do_transition,
    do_unpark_case,
    do_verify_case,
    do_void_case,
)
from .whistles import (  # noqa: F401
    do_blow_whistle,
    do_rate_whistle_response,
    do_report_in,
)
