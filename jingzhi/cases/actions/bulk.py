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
import operator
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
from jingzhi.core.bulkwrite import defaults_of, insert_rows
from jingzhi.core.errors import InvalidInput
from jingzhi.core.tasks import enqueue_after_commit
from jingzhi.core.types import Actor

from ._common import _as_category, _check_description, _clean_text, _set_clock, _user
from .intake import _apply_place, _locate, _place_of

BATCH = 2000
NOTICE_BATCH = 500


@dataclass(slots=True)
class _Prepared:
    """One checked report: the case's column values that differ from row to row (by attname)."""

    row: int
    values: dict
    pk: int | None = None
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
        # Per-import caches: what many rows share is worked out once.
        self._located: dict[tuple, tuple[float, float, dict]] = {}  # (lon, lat, crs) → x, y, place columns
        self._places: dict[tuple, dict] = {}  # (grid id, street id) → place columns
        self._clocks: dict[tuple, dict] = {}  # (category id, reported_at) → step columns
        self._feedback: dict[tuple, object] = {}  # (urgency id, reported_at) → feedback deadline
        self._suggested: dict[str, tuple[list, object]] = {}  # description → (suggestion, category)
        self._categories: dict[int, object] = {}

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

    # ------------------------------------------------------------------------------------------------ check
    def locate_all(self, points) -> None:
        """Locate many (lon, lat, crs) points with one query of the locator's index (`geo.locate_many`), so
        that `add` finds them ready; points it cannot place (outside, bad numbers) are left to `add`, which
        words the error for its row (or takes the fallback district) as intake does."""
        from jingzhi.geo.coords import gcj02_to_wgs84
        from jingzhi.geo.locate import CRS_NAMES, locate_many

        keys, xy = [], []
        for key in dict.fromkeys(points):
            lon, lat, crs = key
            kind = CRS_NAMES.get(str(crs).lower())
            try:
                x, y = float(lon), float(lat)
            except (TypeError, ValueError):
                continue
            if kind is None or not (math.isfinite(x) and math.isfinite(y) and abs(x) <= 180 and abs(y) <= 90):
                continue
            if kind == "gcj02":
                x, y = gcj02_to_wgs84(x, y)
            keys.append(key)
            xy.append((x, y))
        if not xy:
            return
        for key, (x, y), location in zip(keys, xy, locate_many(xy), strict=True):
            if location.inside:
                street = location.street["id"] if location.street else None
                place_key = (location.grid["id"], street)
                if place_key not in self._places:
                    self._places[place_key] = _place_columns(_place_of(location))
                self._located[key] = (x, y, self._places[place_key])

    def _place(self, lon, lat, crs: str) -> tuple[float, float, dict]:
        found = self._located.get((lon, lat, crs))
        if found is not None:
            return found
        x, y, place = _locate(
            lon, lat, crs
        )  # outside (the fallback district, or the row's error), or unusual
        return x, y, _place_columns(place)

    def _category(self, category_id):
        return self._categories.get(category_id)

    def _clock(self, category, reported_at) -> dict:
        """The step clock columns `_set_clock` gives a new case of `category` reported at `reported_at`."""
        key = (getattr(category, "pk", None), reported_at)
        if key not in self._clocks:
            case = Case(category=category, state=self.state)
            _set_clock(case, workflow.STATE_STEP[self.state], reported_at)
            self._clocks[key] = {name: getattr(case, name) for name in _CLOCK}
        return self._clocks[key]

    def _suggest(self, text: str) -> tuple[list, object]:
        from jingzhi.cases.suggest import suggestions

        if text not in self._suggested:
            suggested = suggestions(text, 3)
            self._suggested[text] = (
                [s.as_dict() for s in suggested],
                suggested[0].category if suggested else None,
            )
        suggestion, category = self._suggested[text]
        return list(suggestion), category

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
    ) -> None:
        """Check and prepare one report (as `do_open_case` would); ApplicationError for a bad one."""
        if (reporter_name or reporter_phone) and not self.staff:
            raise InvalidInput(
                _("诉求人姓名和电话取自您的账户，不能另填"), fields={"reporter_name": "staff_only"}
            )
        text = _check_description(description)
        category = self._lookup("category", category_code, category_kind) if category_code else None
        suggestion: list = []
        if category is None:
            suggestion, category = self._suggest(text)
        kind_of_request = self._lookup("request_type", request_type) if request_type else None
        urgency_row = self._lookup("urgency", urgency) if urgency else None
        x, y, place = self._place(lon, lat, crs)
        reported_at = reported_at or self.now
        values = {
            "category_id": getattr(category, "pk", None),
            "request_type_id": getattr(kind_of_request, "pk", None),
            "urgency_id": getattr(urgency_row, "pk", None),
            "suggestion": suggestion,
            "description": text,
            "lon": x,
            "lat": y,
            "address": _clean_text(address)[:200],
            "reporter_name": _clean_text(reporter_name)[:64],
            "reporter_phone": _clean_text(reporter_phone)[:32],
            "external_ref": _clean_text(external_ref)[:64],
            "reported_at": reported_at,
            **place,
            **self._clock(category, reported_at),
        }
        if self.state == workflow.PENDING_FILING:
            values["verified_at"] = reported_at
        if urgency_row is not None:
            key = (urgency_row.pk, reported_at)
            if key not in self._feedback:
                self._feedback[key] = deadlines.deadline_for(reported_at, urgency_row.limit)
            values["feedback_deadline"] = self._feedback[key]
        if category is not None:
            self._categories.setdefault(category.pk, category)
        self.items.append(_Prepared(row=row, values=values))

    # ------------------------------------------------------------------------------------------------ write
    def _number_all(self) -> None:
        """Numbers per reporting day, a block of them in one UPDATE … RETURNING per day (gapless, as
        `_next_number` hands them out one at a time)."""
        by_day: dict = {}
        for item in self.items:
            by_day.setdefault(workcalendar._local(item.values["reported_at"]).date(), []).append(item.values)
        table = connection.ops.quote_name(CaseNumberCounter._meta.db_table)
        for day, cases in sorted(by_day.items()):
            CaseNumberCounter.objects.get_or_create(day=day, defaults={"last": 0})
            with connection.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {table} SET last = last + %s WHERE day = %s RETURNING last",
                    [len(cases), connection.ops.adapt_datefield_value(day)],
                )
                (last,) = cursor.fetchone()
            for offset, values in enumerate(cases):
                values["number"] = f"JZ{day:%Y%m%d}{last - len(cases) + 1 + offset:05d}"

    def _indexes(self) -> dict:
        """One in-memory duplicate index per category present, seeded with the stored open cases of those
        categories inside the batch's bounding box and the widest time window (one read for all)."""
        from jingzhi.taxonomy.queries import dedup_policy

        by_category: dict = {}
        for item in self.items:
            if item.values["category_id"] is not None:
                by_category.setdefault(item.values["category_id"], []).append(item.values)
        indexes = {}
        for category_id in by_category:
            radius, window_hours = dedup_policy(self._category(category_id))
            if radius > 0:
                indexes[category_id] = _NearIndex(radius, window_hours)
        if not indexes:
            return indexes
        rows = [v for category_id in indexes for v in by_category[category_id]]
        widest = max(index.window for index in indexes.values())
        pad_lat = max(index.radius for index in indexes.values()) / 111_320.0
        pad_lon = pad_lat / 0.5  # cos(60°): generous for any Chinese city
        stored = Case.objects.filter(
            category_id__in=list(indexes),
            state__in=workflow.OPEN_STATES,
            reported_at__gte=min(v["reported_at"] for v in rows) - widest,
            reported_at__lte=max(v["reported_at"] for v in rows),
            lon__gte=min(v["lon"] for v in rows) - pad_lon,
            lon__lte=max(v["lon"] for v in rows) + pad_lon,
            lat__gte=min(v["lat"] for v in rows) - pad_lat,
            lat__lte=max(v["lat"] for v in rows) + pad_lat,
        ).values_list("category_id", "pk", "lon", "lat", "reported_at")
        for category_id, pk, lon, lat, at in stored.order_by("pk").iterator(chunk_size=5000):
            indexes[category_id].add(pk, lon, lat, at)
        return indexes

    def write(self, *, progress: Callable[[int, int], None] | None = None) -> list[int]:
        """Write every prepared report; must run inside the caller's transaction (all or nothing).
        `progress(done, total)` is called after each batch. Returns the new cases' ids."""
        if not self.items:
            return []
        total = len(self.items)
        actor = _user(self.actor)
        with transaction.atomic(savepoint=False):
            self._number_all()
            indexes = self._indexes()
            template = defaults_of(
                Case,
                source=self.source,
                state=self.state,
                created_by_id=getattr(actor, "pk", None),
                idempotency_key="",
                idempotency_hash="",
                updated_at=self.now,
            )
            template.pop("id")
            case_fields = tuple(template)
            case_row = operator.itemgetter(*case_fields)  # a merged dict → the row, in C
            event_template = defaults_of(
                CaseEvent,
                actor_id=getattr(actor, "pk", None),
                action=workflow.OPEN,
                from_state="",
                to_state=self.state,
                version=template["version"],
                created_at=self.now,
            )
            event_template.pop("id")
            event_fields = tuple(event_template)
            event_row = operator.itemgetter(*event_fields)
            verb = AuditVerb.for_action(workflow.OPEN)
            label = Case._meta.label_lower
            done = 0
            for start in range(0, total, BATCH):
                chunk = self.items[start : start + BATCH]
                ids = insert_rows(
                    Case,
                    case_fields,
                    [case_row({**template, **item.values}) for item in chunk],
                )
                events = []
                for item, pk in zip(chunk, ids, strict=True):
                    item.pk = pk
                    values = item.values
                    index = indexes.get(values["category_id"])
                    if index is not None:
                        item.duplicates = index.near(values["lon"], values["lat"], values["reported_at"])
                        index.add(pk, values["lon"], values["lat"], values["reported_at"])
                    event = {
                        **event_template,
                        "case_id": pk,
                        "note": values["description"][:200],
                        "data": {
                            "source": self.source,
                            "possible_duplicates": item.duplicates,
                            "category": values["category_id"],
                        },
                    }
                    events.append(event_row(event))
                event_ids = insert_rows(CaseEvent, event_fields, events)
                audit.record_many(
                    {
                        "actor": actor,
                        "verb": verb,
                        "target": (label, item.pk),
                        "old": {"state": ""},
                        "new": {
                            "state": self.state,
                            "version": template["version"],
                            "event": event_pk,
                            "number": item.values["number"],
                            "source": self.source,
                        },
                        "note": item.values["description"][:200],
                    }
                    for item, event_pk in zip(chunk, event_ids, strict=True)
                )
                done += len(chunk)
                if progress:
                    progress(done, total)
            self._after_commit(actor)
        return [item.pk for item in self.items]

    def _after_commit(self, actor) -> None:
        from jingzhi.cases.tasks import fire_cases_opened, notify_import_summary

        # The opened hook's one subscriber (projects: a pile-up of one category in one community) looks at
        # the category and community only: once per pair, with its newest case, answers the same.
        last_of_pair = {}
        for item in self.items:
            last_of_pair[(item.values["category_id"], item.values["community_code"])] = item.pk
        # Run by the worker after commit, like the notices (inline they cost the import more than its writes).
        pairs = list(last_of_pair.values())
        for start in range(0, len(pairs), NOTICE_BATCH):
            enqueue_after_commit(
                fire_cases_opened, pairs[start : start + NOTICE_BATCH], getattr(actor, "pk", None)
            )
        # One summary notice per recipient for the whole import, not one per case: the worker finds who
        # covers which places (`send_import_summary`); the job carries the count per place, not the ids.
        places: dict[tuple[str, str], int] = {}
        for item in self.items:
            v = item.values
            finest = v["grid_code"] or v["community_code"] or v["subdistrict_code"] or v["district_code"]
            places[(finest, v["street_code"])] = places.get((finest, v["street_code"]), 0) + 1
        enqueue_after_commit(
            notify_import_summary,
            self.source,
            self.state,
            [[finest, street, n] for (finest, street), n in places.items()],
            getattr(actor, "pk", None),
        )


_CLOCK = ("step", "step_started_at", "step_deadline", "step_limit_unit")
_PLACE = (
    "grid_id",
    "community_id",
    "subdistrict_id",
    "district_id",
    "street_id",
    "grid_code",
    "community_code",
    "subdistrict_code",
    "district_code",
    "street_code",
)


def _place_columns(place: dict) -> dict:
    """The case columns `_apply_place` sets for a place."""
    case = Case()
    _apply_place(case, place)
    return {name: getattr(case, name) for name in _PLACE}


def send_import_summary(source: str, state: str, places: list, actor_id: int | None = None) -> int:
    """The notice of one bulk import: each operator (new cases 待核实) or shift lead (待立案) covering some of
    the new cases gets ONE notice saying how many of them are in their jurisdiction — not one per case,
    which for a file of 100,000 orders would bury every inbox. `places` lists [finest place code, street
    code, number of new cases] (what `BulkIntake` queues). Run after commit by `notify_import_summary`;
    returns the number of people told."""
    from django.urls import NoReverseMatch, reverse

    from jingzhi.accounts.models import User
    from jingzhi.accounts.queries import covering_scopes, scopes_of_users_covering
    from jingzhi.core.notifications import copies_in_one_job, notify

    roles = (workflow.OPERATOR,) if state == workflow.REPORTED else (workflow.SHIFT_LEAD,)
    codes = {code for finest, street, _n in places for code in (finest, street) if code}
    users = scopes_of_users_covering(codes, roles)
    if not users:
        return 0
    place_scopes = [
        (covering_scopes([code for code in (finest, street) if code]), n) for finest, street, n in places
    ]
    counts: dict[int, int] = {}
    for pk, scopes in users.items():
        counts[pk] = sum(n for covering, n in place_scopes if covering & scopes)
    by_count: dict[int, list[int]] = {}
    for pk, n in counts.items():
        if n:
            by_count.setdefault(n, []).append(pk)
    importer = User.objects.filter(pk=actor_id).first() if actor_id else None
    who = str(importer) if importer is not None else _("系统")
    queue = "verify" if state == workflow.REPORTED else "filing"
    try:
        link = reverse("web:cases_workbench") + f"?queue={queue}"
    except NoReverseMatch:
        link = ""
    source_label = str(Source(source).label) if source in Source.values else source
    with transaction.atomic(savepoint=False), copies_in_one_job():
        for n, recipients in sorted(by_count.items()):
            notify(
                recipients=recipients,
                verb="cases_imported",
                title=lambda n=n: (
                    _("批量导入新案件%(n)d 件（%(state)s）") % {"n": n, "state": workflow.state_label(state)}
                ),
                body=lambda n=n: (
                    _(
                        "%(who)s导入的%(source)s工单中，有 %(n)d 件在您的辖区内，状态为“%(state)s”，请到工作台处理。"
                    )
                    % {"who": who, "source": source_label, "n": n, "state": workflow.state_label(state)}
                ),
                link=link,
            )
    return sum(len(r) for r in by_count.values())
