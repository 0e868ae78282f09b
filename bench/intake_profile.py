"""Where the time of one HTTP intake goes: `POST /api/v1/cases/` in-process, profiled with pyinstrument.

Not a `bench:` figure: a diagnosis to read before changing the intake path (issue 16). PostgreSQL only, a
fresh database (`<bench db>_profile`) with the demo district and people, no cases; production profile when
Redis is reachable (the rate limits and cache in Redis, jobs kept in the outbox).

It drives N requests (default 400) through Django's WSGI handler (the test client: the whole middleware
stack, DRF, Bearer-token authentication, the serializers, the action and the 201 body; no socket) and prints:
  - the mean wall time per request and the statements per request;
  - the split by phase (authentication, parsing and validation, the action, the 201 body, the rest), timed
    around each phase in the same requests;
  - pyinstrument's call tree of the same run (`--html FILE` writes the interactive page).
pyinstrument is in the `dev` extra (a development tool, not needed to run the project).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import migrate, setup_django  # noqa: E402
from _pg import fresh_database, skip_unless_postgres  # noqa: E402
from intake import TEXTS, points, production_queue  # noqa: E402


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--html", default="", help="write pyinstrument's HTML report here")
    parser.add_argument("--reuse", action="store_true", help="reuse the database of an earlier run")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    skip_unless_postgres("intake_profile")
    if args.reuse:
        from _pg import DEFAULT_URL

        base = os.environ.get("DATABASE_URL") or DEFAULT_URL
        os.environ["DATABASE_URL"] = base.rsplit("/", 1)[0] + "/" + base.rsplit("/", 1)[1] + "_profile"
    else:
        fresh_database("_profile")
    # One resident sends hundreds of reports a minute here: the limits are raised, the check still runs.
    os.environ["JINGZHI_RATE_REPORTS_PER_USER"] = os.environ["JINGZHI_RATE_REPORTS_PER_IP"] = "100000000"
    print(f"tasks: {production_queue()}")
    setup_django()
    migrate()
    from django.conf import settings

    settings.ALLOWED_HOSTS = ["*"]
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from jingzhi.accounts.actions import do_create_api_token
    from jingzhi.accounts.models import User

    if not User.objects.filter(username="resident").exists():
        from jingzhi.demo.build import build_demo

        build_demo(case_count=0)
    resident = User.objects.get(username="resident")
    _token, key = do_create_api_token(actor=None, user=resident, name=f"profile {time.time()}")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    rng = random.Random(11)
    run = int(time.time())

    phases: dict[str, float] = defaultdict(float)
    wrap = _instrument(phases)

    def one(i: int, lon: float, lat: float) -> None:
        body = {"description": rng.choice(TEXTS), "lon": lon, "lat": lat, "idempotency_key": f"p{run}-{i}"}
        response = client.post(
            "/api/v1/cases/", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY=f"p{run}-{i}"
        )
        assert response.status_code == 201, (response.status_code, response.content[:300])

    for i, (lon, lat) in enumerate(points(50, 21)):  # warm-up
        one(-1 - i, lon, lat)
    phases.clear()
    work = points(args.requests, 22)
    from pyinstrument import Profiler

    with CaptureQueriesContext(connection) as queries:
        profiler = Profiler(interval=0.0005)
        started = time.perf_counter()
        profiler.start()
        for i, (lon, lat) in enumerate(work):
            one(i, lon, lat)
        profiler.stop()
        elapsed = time.perf_counter() - started
    wrap.undo()
    n = args.requests
    print(
        f"{n} requests in {elapsed:.2f}s: {1000 * elapsed / n:.2f} ms each (profiler on), "
        f"{len(queries) / n:.1f} statements each"
    )
    sql_by_start: dict[str, int] = defaultdict(int)
    for q in queries.captured_queries:
        sql_by_start[q["sql"][:90]] += 1
    for sql, count in sorted(sql_by_start.items(), key=lambda kv: -kv[1])[:25]:
        print(f"  {count / n:4.1f}× {sql}")
    total = sum(phases.values())
    print("phases (ms per request, timed around each):")
    for name, seconds in phases.items():
        print(f"  {name:28s} {1000 * seconds / n:6.2f}")
    print(f"  {'rest (middleware, routing, DRF)':28s} {1000 * (elapsed - total) / n:6.2f}")
    print(profiler.output_text(unicode=True, color=False, show_all=False, short_mode=False))
    if args.html:
        Path(args.html).write_text(profiler.output_html(), encoding="utf-8")


class _Undo:
    def __init__(self):
        self.items = []

    def undo(self):
        for owner, name, original in self.items:
            setattr(owner, name, original)


def _instrument(phases) -> _Undo:
    """Time the phases of the intake view by wrapping the functions that make them up."""
    from jingzhi.api import authentication
    from jingzhi.api.casesapi import present, views
    from jingzhi.api.casesapi import serializers as s
    from jingzhi.cases import actions

    undo = _Undo()

    def timed(owner, name, label):
        original = owner.__dict__.get(name, getattr(owner, name))
        inner = original.fget if isinstance(original, property) else original

        def wrapper(*a, **kw):
            started = time.perf_counter()
            try:
                return inner(*a, **kw)
            finally:
                phases[label] += time.perf_counter() - started

        undo.items.append((owner, name, original))
        setattr(owner, name, property(wrapper) if isinstance(original, property) else wrapper)

    timed(authentication.BearerTokenAuthentication, "authenticate", "authentication (token)")
    timed(s.IntakeInputSerializer, "is_valid", "input serializer")
    timed(actions, "do_open_case", "action (do_open_case)")
    timed(present, "detail", "201 body: present.detail")
    timed(views, "output", "201 body: serializer")  # api.base.output, as the view imported it
    timed(views, "decide_source", "source from roles")
    return undo


if __name__ == "__main__":
    main()
