"""The only code that writes places and boundary generations.

New boundaries never touch the generation people are using: `do_create_generation` makes a draft (by
default a cheap copy of the active one, parents remapped, in a few INSERT … SELECT statements),
`do_import_places` loads one level of places into a draft — all or nothing, after `geo.validation` has
listed every problem — and `do_activate_generation` switches the whole city over in one step and has the
`locate` index rebuilt when that commits. Each action writes one audit row (counts, not one row per
feature).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass

import shapely
from django.conf import settings
from django.db import connection, transaction
from django.utils.translation import gettext as _

from jingzhi.core import audit, clock
from jingzhi.core.errors import InvalidInput
from jingzhi.core.types import Actor
from jingzhi.geo import locate
from jingzhi.geo.exceptions import GeoImportError
from jingzhi.geo.levels import LEVELS, get_level
from jingzhi.geo.models import BoundaryGeneration, Community, District, Grid, Street, Subdistrict
from jingzhi.geo.validation import Context, check_geometry, parse_features
from jingzhi.geo.verbs import AuditVerb

MODELS = {
    "district": District,
    "subdistrict": Subdistrict,
    "community": Community,
    "grid": Grid,
    "street": Street,
}
PARENT_FIELD = {
    "subdistrict": "district",
    "community": "subdistrict",
    "grid": "community",
    "street": "subdistrict",
}
COPY_ORDER = ("district", "subdistrict", "community", "grid", "street")
BATCH = 500


@dataclass
class ImportReport:
    generation_id: int
    level: str
    total: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0

    def summary(self) -> str:
        return _(
            "已导入边界版本 #%(gen)d：%(label)s共 %(total)d 个，新增 %(created)d，更新 %(updated)d，"
            "未变 %(unchanged)d，删除 %(deleted)d"
        ) % {
            "gen": self.generation_id,
            "label": LEVELS[self.level].label,
            "total": self.total,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "deleted": self.deleted,
        }


def _user(actor):
    return actor if getattr(actor, "pk", None) else None


def place_counts(generation_id: int) -> dict[str, int]:
    return {
        level: model.objects.filter(generation_id=generation_id).count() for level, model in MODELS.items()
    }


# ---------------------------------------------------------------------------------------------- generations


def _copy_places(source_id: int, target_id: int) -> dict[str, int]:
    """Copy every place of one generation into another with INSERT … SELECT, parents remapped by code."""
    counts = {}
    with connection.cursor() as cursor:
        for level in COPY_ORDER:
            model = MODELS[level]
            table = connection.ops.quote_name(model._meta.db_table)
            plain = [
                f.column
                for f in model._meta.concrete_fields
                if not f.primary_key and f.column not in ("generation_id",) and not f.is_relation
            ]
            cols = ", ".join(connection.ops.quote_name(c) for c in plain)
            src_cols = ", ".join("s." + connection.ops.quote_name(c) for c in plain)
            if level in PARENT_FIELD:
                parent_model = model._meta.get_field(PARENT_FIELD[level]).related_model
                ptable = connection.ops.quote_name(parent_model._meta.db_table)
                fk = connection.ops.quote_name(model._meta.get_field(PARENT_FIELD[level]).column)
                sql = (
                    f"INSERT INTO {table} (generation_id, {fk}, {cols}) "
                    f"SELECT %s, np.id, {src_cols} FROM {table} s "
                    f"JOIN {ptable} op ON op.id = s.{fk} "
                    f"JOIN {ptable} np ON np.generation_id = %s AND np.code = op.code "
                    f"WHERE s.generation_id = %s"
                )
                cursor.execute(sql, [target_id, target_id, source_id])
            else:
                sql = (
                    f"INSERT INTO {table} (generation_id, {cols}) "
                    f"SELECT %s, {src_cols} FROM {table} s WHERE s.generation_id = %s"
                )
                cursor.execute(sql, [target_id, source_id])
            counts[level] = cursor.rowcount
    return counts


def do_create_generation(
    *, actor: Actor, description: str = "", copy_active: bool = True
) -> BoundaryGeneration:
    """A new draft generation; with copy_active, a copy of every place of the active one."""
    with transaction.atomic():
        generation = BoundaryGeneration.objects.create(description=description[:200], created_by=_user(actor))
        source = BoundaryGeneration.objects.filter(is_active=True).first() if copy_active else None
        counts = _copy_places(source.pk, generation.pk) if source else {}
        audit.record(
            actor=actor,
            verb=AuditVerb.CREATE_GENERATION,
            target=generation,
            new={"description": description, "copied_from": source.pk if source else None, "counts": counts},
        )
    return generation


def do_delete_generation(*, actor: Actor, generation) -> None:
    """Discard a draft (never activated) with all its places. Generations that were ever in use stay:
    cases filed under them point at their grids."""
    pk = generation.pk if isinstance(generation, BoundaryGeneration) else int(generation)
    with transaction.atomic():
        gen = BoundaryGeneration.objects.select_for_update().filter(pk=pk).first()
        if gen is None:
            raise InvalidInput(_("边界版本 #%(id)s 不存在") % {"id": pk}, fields={"generation": pk})
        if gen.is_active or gen.activated_at is not None:
            raise InvalidInput(
                _("边界版本 #%(id)d 启用过，不能删除（按它登记的案件仍引用其网格）") % {"id": pk},
                fields={"generation": pk},
            )
        counts = place_counts(gen.pk)
        audit.record(
            actor=actor,
            verb=AuditVerb.DELETE_GENERATION,
            target=gen,
            old={"description": gen.description, "counts": counts},
        )
        for level in reversed(COPY_ORDER):
            MODELS[level].objects.filter(generation_id=gen.pk).delete()
        gen.delete()


def current_draft() -> BoundaryGeneration | None:
    """The newest generation never activated and newer than the active one, if any."""
    active = BoundaryGeneration.objects.filter(is_active=True).values_list("id", flat=True).first()
    drafts = BoundaryGeneration.objects.filter(is_active=False, activated_at__isnull=True)
    if active:
        drafts = drafts.filter(id__gt=active)
    return drafts.order_by("-id").first()


def _draft_for_import(actor, generation) -> BoundaryGeneration:
    if generation is None:
        generation = current_draft() or do_create_generation(
            actor=actor, description=_("导入草稿"), copy_active=True
        )
    pk = generation.pk if isinstance(generation, BoundaryGeneration) else int(generation)
    locked = BoundaryGeneration.objects.select_for_update().filter(pk=pk).first()
    if locked is None:
        raise InvalidInput(_("边界版本 #%(id)s 不存在") % {"id": pk}, fields={"generation": pk})
    if locked.is_active or locked.activated_at is not None:
        raise InvalidInput(
            _("边界版本 #%(id)d 已经启用过，不能再导入；请新建一个草稿版本（它会复制当前启用版本）后导入")
            % {"id": pk},
            fields={"generation": pk},
        )
    return locked


# ---------------------------------------------------------------------------------------------- import


def _base_context(level_name: str, generation_id: int, existing, *, validate: bool) -> Context:
    level = get_level(level_name)
    ctx = Context(
        existing_codes=set(existing),
        geometric=validate,
        sliver_m2=float(getattr(settings, "JINGZHI_GEO_SLIVER_M2", 1.0)),
    )
    if level.parent:
        ctx.parent_codes = set(
            MODELS[level.parent].objects.filter(generation_id=generation_id).values_list("code", flat=True)
        )
    return ctx


def _pruned(level_name: str, rows, existing) -> set[str]:
    level = get_level(level_name)
    if not level.parent:
        return set()  # districts are never dropped by a file: that would take their whole tree with them
    file_codes = {r.code for r in rows}
    parents = {r.parent_code for r in rows}
    return {c for c in existing if c not in file_codes and level.parent_code(c) in parents}


def _add_neighbours(ctx: Context, generation_id: int, rows, pruned: set[str]) -> None:
    """The grids that stay beside the file's (near its extent) and the outlines of its communities."""
    with_geometry = [r for r in rows if r.bounds]
    if not with_geometry:
        return
    min_lon = min(r.bounds[0] for r in with_geometry)
    min_lat = min(r.bounds[1] for r in with_geometry)
    max_lon = max(r.bounds[2] for r in with_geometry)
    max_lat = max(r.bounds[3] for r in with_geometry)
    near = Grid.objects.filter(
        generation_id=generation_id,
        geometry__isnull=False,
        max_lon__gte=min_lon,
        min_lon__lte=max_lon,
        max_lat__gte=min_lat,
        min_lat__lte=max_lat,
    ).values_list("code", "geometry")
    replaced = {r.code for r in with_geometry} | pruned
    ctx.other_grids = {code: shapely.geometry.shape(geom) for code, geom in near if code not in replaced}
    communities = {r.parent_code for r in with_geometry}
    ctx.community_shapes = {
        code: shapely.geometry.shape(geom) if geom else None
        for code, geom in Community.objects.filter(generation_id=generation_id).values_list(
            "code", "geometry"
        )
        if code in communities
    }


def do_import_places(
    *,
    actor: Actor,
    level: str,
    features,
    generation=None,
    validate: bool = True,
    replace: bool = False,
    source: str = "",
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Load one level of places into a draft generation (the given one, or the current draft, created
    from the active generation if there is none). Places are matched by code: new codes are created,
    known ones updated (a feature with `"geometry": null` keeps the stored geometry and updates only the
    name/attributes). With `replace`, places of this level under the parents the file names that the file
    does not list are deleted. Any problem → GeoImportError listing all of them, and nothing is written."""
    lvl = get_level(level)
    model = MODELS[level]
    with transaction.atomic():
        gen = _draft_for_import(actor, generation)
        existing = {obj.code: obj for obj in model.objects.filter(generation_id=gen.pk)}
        ctx = _base_context(level, gen.pk, existing, validate=validate)
        rows, problems = parse_features(level, features, ctx)
        pruned = _pruned(level, rows, existing) if replace else set()
        if validate:
            # Geometric checks run even when some features failed the structural ones: every problem at once.
            if level == "grid":
                _add_neighbours(ctx, gen.pk, rows, pruned)
            problems.extend(check_geometry(level, rows, ctx))
        if problems:
            raise GeoImportError(problems)

        report = ImportReport(generation_id=gen.pk, level=level, total=len(rows), deleted=len(pruned))
        parent_ids = {}
        if lvl.parent:
            parent_ids = dict(
                MODELS[lvl.parent].objects.filter(generation_id=gen.pk).values_list("code", "id")
            )
        fk = PARENT_FIELD.get(level)
        extra_fields = {"grid": ["area_m2"], "street": ["kind", "length_m"]}.get(level, [])
        to_create, to_update = [], []
        for r in rows:
            values = {"name": r.name}
            if r.geometry is not None:
                values.update(
                    geometry=r.geometry,
                    min_lon=r.bounds[0],
                    min_lat=r.bounds[1],
                    max_lon=r.bounds[2],
                    max_lat=r.bounds[3],
                )
                if level == "grid":
                    values["area_m2"] = r.area_m2
                if level == "street":
                    values["length_m"] = r.length_m
            if level == "street":
                values["kind"] = r.kind
            if fk:
                values[fk + "_id"] = parent_ids[r.parent_code]
            obj = existing.get(r.code)
            if obj is None:
                to_create.append(model(generation_id=gen.pk, code=r.code, **values))
                continue
            changed = [k for k, v in values.items() if getattr(obj, k) != v]
            if changed:
                for k in changed:
                    setattr(obj, k, values[k])
                to_update.append(obj)
            else:
                report.unchanged += 1
        if pruned:
            ids = [existing[c].pk for c in pruned]
            for i in range(0, len(ids), BATCH):
                model.objects.filter(pk__in=ids[i : i + BATCH]).delete()
        update_fields = ["name", "geometry", "min_lon", "min_lat", "max_lon", "max_lat", *extra_fields]
        if fk:
            update_fields.append(fk)
        for i in range(0, len(to_update), BATCH):
            model.objects.bulk_update(to_update[i : i + BATCH], update_fields)
            if progress:
                progress(len(to_update[i : i + BATCH]))
        for i in range(0, len(to_create), BATCH):
            model.objects.bulk_create(to_create[i : i + BATCH])
            if progress:
                progress(len(to_create[i : i + BATCH]))
        if progress and report.unchanged:
            progress(report.unchanged)
        report.created, report.updated = len(to_create), len(to_update)
        audit.record(
            actor=actor, verb=AuditVerb.IMPORT_PLACES, target=gen, new=asdict(report), note=source[:500]
        )
    return report


# ---------------------------------------------------------------------------------------------- activation


def do_activate_generation(*, actor: Actor, generation) -> BoundaryGeneration:
    """Make `generation` the one in use, in one step; the previous one stays for the cases filed under it."""
    pk = generation.pk if isinstance(generation, BoundaryGeneration) else int(generation)
    with transaction.atomic():
        gen = BoundaryGeneration.objects.select_for_update().filter(pk=pk).first()
        if gen is None:
            raise InvalidInput(_("边界版本 #%(id)s 不存在") % {"id": pk}, fields={"generation": pk})
        if gen.is_active:
            return gen
        counts = place_counts(gen.pk)
        if not counts["grid"]:
            raise InvalidInput(
                _("边界版本 #%(id)d 没有任何网格，不能启用（启用后所有定位都会落在辖区外）") % {"id": pk},
                fields={"generation": pk},
            )
        previous = BoundaryGeneration.objects.select_for_update().filter(is_active=True).first()
        if previous is not None:
            previous.is_active = False
            previous.save(update_fields=["is_active"])
        gen.is_active = True
        gen.activated_at = clock.now()
        gen.save(update_fields=["is_active", "activated_at"])
        audit.record(
            actor=actor,
            verb=AuditVerb.ACTIVATE_GENERATION,
            target=gen,
            old={"active": previous.pk if previous else None},
            new={"active": gen.pk, "counts": counts},
        )
        locate.invalidate()
        transaction.on_commit(lambda: locate.rebuild(gen.pk))
    return gen
