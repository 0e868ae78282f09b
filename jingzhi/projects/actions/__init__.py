"""The only code that writes 民意立项's tables. Every `do_*` checks its input completely before writing,
then writes inside one `transaction.atomic()` with an audit row per change; state changes go through the
transition table (`workflow.TRANSITIONS`) in `_common.step`. `actor` None is the system (the demo, the
民情推动型 proposals): it passes permission checks but still leaves audit rows."""

from .ballots import (  # noqa: F401
    do_cast_ballot,
    do_close_vote,
    do_new_round,
    do_open_vote,
    do_revote,
    unit_digest,
)
from .catalogue import (  # noqa: F401
    do_import_kinds,
    do_load_example_kinds,
    do_save_kind,
    export_kinds,
)
from .driven import do_save_drive_rule, propose_from_case  # noqa: F401
from .exports import export_results  # noqa: F401
from .lifecycle import (  # noqa: F401
    do_accept_delivery,
    do_answer_objection,
    do_approve,
    do_confirm_minutes,
    do_cosign,
    do_create_project,
    do_decide,
    do_object,
    do_rate,
    do_record_meeting,
    do_record_milestone,
    do_start_delivery,
)
from .register import do_import_register, export_register  # noqa: F401
