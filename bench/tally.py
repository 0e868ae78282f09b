"""Tallying a round of 100,000 household ballots with weights and channel dedup, against a raw SQL GROUP BY.

Data (built here, in the bench's own database): one project whose frozen register holds 100,000 households
with floor-area weights, and 112,000 ballots on three channels — 12,000 online ballots replaced by a later
online change (kept on record, not counted), and exactly one counted ballot per household, as the actions
and the conditional unique constraint leave them. Rows are written with bulk inserts (the bench measures
the count, not the writing).

Measured, best of three:
- ours: `projects.queries.round_tally(round)` — what closing a vote runs: the register's size, the counted
  ballots grouped by choice and weight, and the exact (Fraction) decision of `workflow.tally_groups`;
- floor: one raw SQL `SELECT choice, SUM(weight), COUNT(*) … WHERE counted GROUP BY choice` over the same
  rows (floating-point sums, no rules).
Ratio floor/ours (higher is better), target 0.5. Run: `python bench/tally.py` (SQLite in a temporary
directory) or with DATABASE_URL set to a PostgreSQL server (a fresh `<name>_tally` database, dropped after).
"""

from __future__ import annotations

import os
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import best_of, migrate, report, setup_django  # noqa: E402

HOUSEHOLDS = 100_000
REPLACED = 12_000


def build():
    from datetime import timedelta

    from jingzhi.core import clock
    from jingzhi.projects.models import Ballot, Household, Project, ProjectKind, RegisterEntry, Round

    rng = random.Random(12)
    kind = ProjectKind.objects.create(
        code="BENCH",
        name="bench",
        domain="public_service",
        default_type="solicit",
        scope_level="community",
        voting_unit="household",
        weight_by_area=True,
    )
    project = Project.objects.create(
        kind=kind,
        type="solicit",
        state="voting",
        title="bench",
        description="bench",
        scope_code="110101001001",
        subdistrict_code="110101001",
    )
    now = clock.now()
    round_ = Round.objects.create(
        project=project,
        number=1,
        rules={"support": "2/3", "turnout": "1/2", "weight_by_area": True},
        question="bench",
        closes_at=now + timedelta(days=1),
    )
    Household.objects.bulk_create(
        (
            Household(
                community_code="110101001001",
                building=f"{n // 200}号楼",
                address=f"{n}号",
                representative="x",
                floor_area=f"{rng.randint(30, 150)}.{rng.choice((0, 5))}",
            )
            for n in range(HOUSEHOLDS)
        ),
        batch_size=5000,
    )
    households = list(Household.objects.values_list("pk", "floor_area"))
    RegisterEntry.objects.bulk_create(
        (
            RegisterEntry(round=round_, household_id=pk, unit=f"h{pk}", weight=str(area))
            for pk, area in households
        ),
        batch_size=5000,
    )
    choices = ["full"] * 6 + ["partial"] * 2 + ["oppose"] * 2 + ["abstain"]
    channels = ["online"] * 5 + ["paper"] * 3 + ["meeting"] * 2
    rows = []
    for index, (pk, area) in enumerate(households):
        channel = rng.choice(channels)
        if index < REPLACED:
            rows.append(
                Ballot(
                    round=round_,
                    unit_digest=f"h{pk}",
                    choice=rng.choice(choices),
                    channel="online",
                    weight=str(area),
                    counted=False,
                    superseded_at=now,
                )
            )
            channel = "online"
        rows.append(
            Ballot(
                round=round_,
                unit_digest=f"h{pk}",
                choice=rng.choice(choices),
                channel=channel,
                weight=str(area),
                counted=True,
            )
        )
    Ballot.objects.bulk_create(rows, batch_size=5000)
    round_.eligible_units = len(households)  # what opening the round keeps
    round_.save(update_fields=["eligible_units"])
    return round_


def main() -> None:
    url = ""
    if os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        from _pg import fresh_database

        url = fresh_database("_tally")  # a throw-away database of its own, dropped at the end
    setup_django()
    migrate()
    from django.db import connection

    from jingzhi.projects.models import Ballot
    from jingzhi.projects.queries import round_tally

    round_ = build()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # as autovacuum would after a load
            cursor.execute("VACUUM ANALYZE")
    table = Ballot._meta.db_table
    cast = "REAL" if connection.vendor == "sqlite" else "double precision"

    def ours():
        return round_tally(round_)

    def floor():
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT choice, SUM(CAST(weight AS {cast})), COUNT(*) FROM {table} "  # noqa: S608 - our names
                "WHERE round_id = %s AND counted GROUP BY choice",
                [round_.pk],
            )
            return cursor.fetchall()

    result = ours()
    sql = {c: n for c, _w, n in floor()}
    assert result.voted_units == HOUSEHOLDS == sum(sql.values()), (result.voted_units, sql)
    print(
        f"tally: {result.outcome}, turnout {result.as_data()['turnout']}, support {result.as_data()['support']}"
    )
    ours_s = best_of(ours)
    floor_s = best_of(floor)
    report(
        "tally_100k", ours=ours_s * 1000, floor=floor_s * 1000, target=0.5, unit="ms", higher_is_better=False
    )
    if url:
        from _pg import drop_database

        connection.close()
        drop_database(url)


if __name__ == "__main__":
    main()
