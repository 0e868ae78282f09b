"""The case-handling pages of the web interface (接诉即办): the staff workbench, the case page with exactly the
actions the transition table allows, whistles and report-ins, the resident's report form and "my reports",
and the help page with the loop diagram.

Views here are thin: every case is fetched through `cases.permissions.access_case*` (one 404 for missing and
forbidden), every list through `cases.queries`, every change through `cases.actions`; an ApplicationError
from an action becomes a Chinese message on the form that caused it, never a 500.
"""
