"""Bulk intake: many reports opened at once with the same rules as `do_open_case` (located, categorised,
clocked, checked for possible duplicates, one timeline event and one audit row each, the opened hook and the
notices), written with multi-row INSERTs instead of a dozen statements per case. For imports of thousands of
rows (the 12345 hotline file); a single report goes through `do_open_case`.

Two steps, so an importer can report every bad row before anything is written:
`BulkIntake.add(row=…, **report)` checks and prepares one report (ApplicationError for a bad one, nothing
read per row: places from the locator's in-memory index, categories and limits from per-import caches);
`BulkIntake.write(progress=…)` writes them all inside the caller's transaction. Duplicates are looked for as
intake does (same category, within the category's radius and window, still open): among the open cases
already stored (one read per category present) and the reports earlier in the same batch.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from django.db import connection, transaction
from django.utils.translation import gettext as _

from jingzhi.accounts import access
from jingzhi.cases import deadlines, permissions, workflow
from jingzhi.cases.models import Case, CaseEvent, CaseNumberCounter, Source
from jingzhi.cases.verbs import AuditVerb
from jingzhi.core import audit, clock, workcalendar
from jingzhi.core.errors import InvalidInput
from jingzhi.core.tasks import enqueue_after_commit
from jingzhi.core.types import Actor

from ._common import _as_category, _check_description, _clean_text, _set_clock, _user
from .intake import _apply_place, _locate

BATCH = 2000
NOTICE_BATCH = 500


@dataclass
class _Prepared:
    row: int
    case: Case
    duplicates: list[int] = field(default_factory=list)


class _NearIndex:
    """Open cases by category on a grid of cells about a radius wide: the duplicate search of intake
    (`queries.find_duplicate_ids`) done in memory for a whole batch."""

    def __init__(self, radius: float, window_hours: int):
        self.radius, self.window = radius, timedelta(hours=window_hours)
        self.dlat = radius / 111_320.0
        self.cells: dict[tuple[int, int], list[tuple[int, float, float, object]]] = {}

    def _cell(self, lon: float, lat: float, dlon: float) -> tuple[int, int]:
        return (math.floor(lon / dlon), math.floor(lat / self.dlat))

    def _dlon(self, lat: float) -> float:
        return self.radius / (111_320.0 * max(math.cos(math.radians(lat)), 1e-6))

    def add(self, pk: int, lon: float, lat: float, at) -> None:
        # Cells are keyed with the latitude band's own width, wide enough for the whole district.
        dlon = self._dlon(round(lat))
        self.cells.setdefault(self._cell(lon, lat, dlon), []).append((pk, lon, lat, at))

    def near(self, lon: float, lat: float, at, *, limit: int = 10) -> list[int]:
        from jingzhi.cases.queries import distance_m

        dlon = self._dlon(round(lat))
        cx, cy = self._cell(lon, lat, dlon)
        found = []
        for x in (cx - 1, cx, cx + 1):
            for y in (cy - 1, cy, cy + 1):
                for pk, other_lon, other_lat, other_at in self.cells.get((x, y), ()):
                    if not (at - self.window <= other_at <= at):
                        continue
                    metres = distance_m(lon, lat, other_lon, other_lat)
                    if metres <= self.radius:
                        found.append((round(metres, 1), pk))
        found.sort()
        return [pk for _m, pk in found[:limit]]


class BulkIntake:
    """Reports from one source by one actor, checked one by one and then written together."""

    def __init__(self, *, actor: Actor, source: str):
        if source not in Source.values:
            raise InvalidInput(_("来源“%(source)s”无效") % {"source": source}, fields={"source": "invalid"})
        self.actor, self.person, self.source = actor, _user(actor), source
        if self.person is not None:
            permissions.check_source(self.person, source)
        self.staff = self.person is None or access.is_staff_user(self.person)
        self.state = workflow.initial_state(
            source, actor_is_inspector=bool(self.person and access.has_role(actor, workflow.INSPECTOR))
        )
        self.now = clock.now()
        self.items: list[_Prepared] = []
        self._codes: dict[tuple[str, str, str], object] = {}
        self._places: dict[int, dict] = {}

    def _lookup(self, kind: str, code: str, key: str = ""):
        """A category, request type or urgency by code, read once per import."""
        cache_key = (kind, key, code)
        if cache_key not in self._codes:
            from jingzhi.taxonomy import queries as taxonomy

            if kind == "category":
                self._codes[cache_key] = _as_category(taxonomy.category_by_code(key or "event", code))
            elif kind == "request_type":
                self._codes[cache_key] = taxonomy.request_type_by_code(code)
            else:
                self._codes[cache_key] = taxonomy.urgency_by_code(code)
        return self._codes[cache_key]

    def add(
        self,
        *,
        row: int,
        description: str,
        lon,
        lat,
        crs: str = "wgs84",
        address: str = "",
        category_code: str = "",
        category_kind: str = "",
        reporter_name: str = "",
        reporter_phone: str = "",
        external_ref: str = "",
        request_type: str = "",
        urgency: str = "",
        reported_at=None,
    ) -> Case:
        """Check and prepare one report (as `do_open_case` would); ApplicationError for a bad one."""
        from jingzhi.cases.suggest import suggestions

        if (reporter_name or reporter_phone) and not self.staff:
            raise InvalidInput(
                _("诉求人姓名和电话取自您的账户，不能另填"), fields={"reporter_name": "staff_only"}
            )
        text = _check_description(description)
        category = self._lookup("category", category_code, category_kind) if category_code else None
        suggestion = []
        if category is None:
            suggested = suggestions(text, 3)
            suggestion = [s.as_dict() for s in suggested]
            category = suggested[0].category if suggested else None
        kind_of_request = self._lookup("request_type", request_type) if request_type else None
        urgency_row = self._lookup("urgency", urgency) if urgency else None
        x, y, place = self._place(lon, lat, crs)
        reported_at = reported_at or self.now
        case = Case(
            source=self.source,
            state=self.state,
            category=category,
            request_type=kind_of_request,
            urgency=urgency_row,
            suggestion=suggestion,
            description=text,
            lon=x,
            lat=y,
            address=_clean_text(address)[:200],
            reporter_name=_clean_text(reporter_name)[:64],
            reporter_phone=_clean_text(reporter_phone)[:32],
            created_by=self.person,
            idempotency_key="",
            idempotency_hash="",
            external_ref=_clean_text(external_ref)[:64],
            reported_at=reported_at,
            updated_at=self.now,
        )
        _apply_place(case, place)
        _set_clock(case, workflow.STATE_STEP[self.state], reported_at)
        if self.state == workflow.PENDING_FILING:
            case.verified_at = reported_at
        if urgency_row is not None:
            case.feedback_deadline = deadlines.deadline_for(reported_at, urgency_row.limit)
        self.items.append(_Prepared(row=row, case=case))
        return case

    def _place(self, lon, lat, crs: str):
        """`intake._locate`, with the place rows built once per grid for the whole import."""
        from jingzhi.geo.coords import gcj02_to_wgs84
        from jingzhi.geo.locate import CRS_NAMES, locate

        try:
            location = locate(lon, lat, crs=crs)
        except Exception:  # noqa: BLE001 - bad input: `_locate` raises the clear error
            location = None
        grid = getattr(location, "grid", None) if location is not None and location.inside else None
        key = grid.get("id") if grid else None
        if key is None or key not in self._places:
            x, y, place = _locate(lon, lat, crs)
            if key is not None:
                self._places[key] = place
            return x, y, place
        x, y = float(lon), float(lat)
        if CRS_NAMES.get(str(crs).lower()) == "gcj02":
            x, y = gcj02_to_wgs84(x, y)
        return x, y, self._places[key]

    # ------------------------------------------------------------------------------------------------ write
    def _number_all(self) -> None:
        """Numbers per reporting day, a block of them in one UPDATE … RETURNING per day (gapless, as
        `_next_number` hands them out one at a time)."""
        by_day: dict = {}
        for item in self.items:
            by_day.setdefault(workcalendar._local(item.case.reported_at).date(), []).append(item.case)
        table = connection.ops.quote_name(CaseNumberCounter._meta.db_table)
        for day, cases in sorted(by_day.items()):
            CaseNumberCounter.objects.get_or_create(day=day, defaults={"last": 0})
            with connection.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {table} SET last = last + %s WHERE day = %s RETURNING last",
                    [len(cases), connection.ops.adapt_datefield_value(day)],
                )
                (last,) = cursor.fetchone()
            for offset, case in enumerate(cases):
                case.number = f"JZ{day:%Y%m%d}{last - len(cases) + 1 + offset:05d}"

    def _indexes(self) -> dict:
        """One in-memory duplicate index per category present, seeded with the stored open cases of that
        category inside the batch's bounding box and time window (one read per category)."""
        from jingzhi.taxonomy.queries import dedup_policy

        by_category: dict = {}
        for item in self.items:
            if item.case.category_id is not None:
                by_category.setdefault(item.case.category_id, []).append(item.case)
        indexes = {}
        for category_id, cases in by_category.items():
            radius, window_hours = dedup_policy(cases[0].category)
            if radius <= 0:
                continue
            index = _NearIndex(radius, window_hours)
            earliest = min(c.reported_at for c in cases) - timedelta(hours=window_hours)
            latest = max(c.reported_at for c in cases)
            pad_lat = radius / 111_320.0
            pad_lon = radius / (111_320.0 * 0.5)  # cos(60°): generous for any Chinese city
            stored = Case.objects.filter(
                category_id=category_id,
                state__in=workflow.OPEN_STATES,
                reported_at__gte=earliest,
                reported_at__lte=latest,
                lon__gte=min(c.lon for c in cases) - pad_lon,
                lon__lte=max(c.lon for c in cases) + pad_lon,
                lat__gte=min(c.lat for c in cases) - pad_lat,
                lat__lte=max(c.lat for c in cases) + pad_lat,
            ).values_list("pk", "lon", "lat", "reported_at")
            for pk, lon, lat, at in stored.iterator(chunk_size=5000):
                index.add(pk, lon, lat, at)
            indexes[category_id] = index
        return indexes

    def write(self, *, progress: Callable[[int, int], None] | None = None) -> list[Case]:
        """Write every prepared report; must run inside the caller's transaction (all or nothing).
        `progress(done, total)` is called after each batch."""
        if not self.items:
            return []
        total = len(self.items)
        with transaction.atomic(savepoint=False):
            self._number_all()
            indexes = self._indexes()
            actor = _user(self.actor)
            done = 0
            for start in range(0, total, BATCH):
                chunk = self.items[start : start + BATCH]
                Case.objects.bulk_create([item.case for item in chunk])
                events = []
                for item in chunk:
                    case = item.case
                    index = indexes.get(case.category_id)
                    if index is not None:
                        item.duplicates = index.near(case.lon, case.lat, case.reported_at)
                        index.add(case.pk, case.lon, case.lat, case.reported_at)
                    events.append(
                        CaseEvent(
                            case=case,
                            actor=actor,
                            action=workflow.OPEN,
                            from_state="",
                            to_state=case.state,
                            note=case.description[:200],
                            data={
                                "source": self.source,
                                "possible_duplicates": item.duplicates,
                                "category": case.category_id,
                            },
                            version=case.version,
                            created_at=self.now,
                        )
                    )
                CaseEvent.objects.bulk_create(events)
                audit.record_many(
                    [
                        {
                            "actor": actor,
                            "verb": AuditVerb.for_action(workflow.OPEN),
                            "target": item.case,
                            "old": {"state": ""},
                            "new": {
                                "state": item.case.state,
                                "version": item.case.version,
                                "event": event.pk,
                                "number": item.case.number,
                                "source": self.source,
                            },
                            "note": item.case.description[:200],
                        }
                        for item, event in zip(chunk, events, strict=True)
                    ]
                )
                done += len(chunk)
                if progress:
                    progress(done, total)
            self._after_commit(actor)
        return [item.case for item in self.items]

    def _after_commit(self, actor) -> None:
        from jingzhi.cases.tasks import notify_cases_opened

        # The opened hook's one subscriber (projects: a pile-up of one category in one community) looks at
        # the category and community only: once per pair, with its newest case, answers the same.
        last_of_pair = {}
        for item in self.items:
            last_of_pair[(item.case.category_id, item.case.community_code)] = item.case
        # Run by the worker after commit, like the notices (inline they cost the import more than its writes).
        from jingzhi.cases.tasks import fire_cases_opened

        pairs = [case.pk for case in last_of_pair.values()]
        for start in range(0, len(pairs), NOTICE_BATCH):
            enqueue_after_commit(
                fire_cases_opened, pairs[start : start + NOTICE_BATCH], getattr(actor, "pk", None)
            )
        ids = [item.case.pk for item in self.items]
        for start in range(0, len(ids), NOTICE_BATCH):
            enqueue_after_commit(notify_cases_opened, ids[start : start + NOTICE_BATCH])
