"""REST endpoints of the case loop (接诉即办): cases, their actions, duplicates, category suggestion, hotline
work orders, whistles and the caller's inbox. Routes in `jingzhi.api.cases_urls`; documented in
docs/api-cases.md. Every case is fetched through `cases.permissions.access_case` / `cases.queries`, so a
case outside the caller's reach answers 404 exactly like a missing one; every write goes through a
`cases.actions` function."""
