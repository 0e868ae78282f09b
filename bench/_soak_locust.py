"""The soak's load (bench/soak.py starts locust with this file): a bounded mix of the people who use Jingzhi.

Residents report with a photo through the cases API (multipart, Bearer token, an Idempotency-Key, and one
retry with the same key when the answer never came — what a phone app does when a node dies under it);
operators and handlers list their queues, open cases and act on them; Open311 clients read and post; a leader
opens the assessment dashboard. Every report the server accepted is written to SOAK_ACCEPTED (one JSON line)
so soak.py can check afterwards that each exists exactly once.
"""

from __future__ import annotations

import io
import json
import os
import random
import threading
import uuid

from locust import HttpUser, between, task

CONFIG = json.loads(open(os.environ["SOAK_CONFIG"], encoding="utf-8").read())  # noqa: SIM115
ACCEPTED = os.environ["SOAK_ACCEPTED"]
_lock = threading.Lock()
TEXTS = CONFIG["texts"]


def _photo() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (640, 480), tuple(random.randrange(256) for _ in range(3))).save(out, "JPEG", quality=80)
    return out.getvalue()


PHOTOS = [_photo() for _ in range(8)]


def _point():
    box = random.choice(CONFIG["boxes"])
    return (
        box[0] + random.uniform(0.2, 0.8) * (box[2] - box[0]),
        box[1] + random.uniform(0.2, 0.8) * (box[3] - box[1]),
    )


def _accepted(kind: str, key: str, ident) -> None:
    with _lock, open(ACCEPTED, "a", encoding="utf-8") as fh:
        fh.write(json.dumps({"kind": kind, "key": key, "id": ident}) + "\n")


class Resident(HttpUser):
    weight = 5
    wait_time = between(1, 3)

    def on_start(self):
        self.token = random.choice(CONFIG["resident_tokens"])
        self.auth = {"Authorization": f"Bearer {self.token}"}

    @task(4)
    def report_with_photo(self):
        lon, lat = _point()
        key = f"soak-{uuid.uuid4().hex}"
        data = {"description": random.choice(TEXTS), "lon": f"{lon:.6f}", "lat": f"{lat:.6f}"}
        files = {"photos": ("photo.jpg", random.choice(PHOTOS), "image/jpeg")}
        for attempt in range(2):  # the app retries once with the same key when no answer came
            with self.client.post(
                "/api/v1/cases/",
                data=data,
                files=files,
                headers={**self.auth, "Idempotency-Key": key},
                name="POST /api/v1/cases/ (report+photo)",
                catch_response=True,
            ) as r:
                if r.status_code in (200, 201):
                    _accepted("case", key, r.json().get("id"))
                    r.success()
                    return
                if r.status_code in (0, 502, 503, 504) and attempt == 0:
                    r.failure(f"no answer ({r.status_code}); retrying with the same key")
                    continue
                r.failure(f"HTTP {r.status_code}: {r.text[:120]}")
                return

    @task(2)
    def my_reports(self):
        self.client.get("/api/v1/cases/?mine=1", headers=self.auth, name="GET /api/v1/cases/ (resident)")


# Each desk works the state its role moves a case out of, with the step a person there would take.
DESKS = {
    "operator": ("reported", "verify_request"),
    "inspector": ("verifying", "verify"),
    "shift_lead": ("pending_filing", "file"),
    "dispatcher": ("pending_dispatch", "dispatch"),
    "handler": ("pending_response", "accept"),
}


class Staff(HttpUser):
    """Operators, inspectors, shift leads, dispatchers and handlers working their queues: the queue counts, the
    list of cases waiting in their state, one case opened, and the role's next step taken on it."""

    weight = 4
    wait_time = between(1, 3)

    def on_start(self):
        self.turn = random.randrange(len(DESKS))

    @task
    def work_the_queue(self):
        # One simulated person stands for a shift: each task is the next desk in turn, so every desk is
        # staffed however few staff users the mix spawns, and cases move along the whole chain.
        self.turn += 1
        self.role = list(DESKS)[self.turn % len(DESKS)]
        self.auth = {"Authorization": f"Bearer {CONFIG['tokens'][self.role]}"}
        state, action = DESKS[self.role]
        self.client.get("/api/v1/cases/queues/", headers=self.auth, name="GET /api/v1/cases/queues/")
        r = self.client.get(
            f"/api/v1/cases/?state={state}", headers=self.auth, name=f"GET /api/v1/cases/?state={state}"
        )
        if self.role == "handler" and r.status_code == 200 and not r.json().get("results"):
            state, action = "handling", "feedback"
            r = self.client.get(
                f"/api/v1/cases/?state={state}",
                headers=self.auth,
                name=f"GET /api/v1/cases/?state={state}",
            )
        if r.status_code != 200 or not r.json().get("results"):
            self.environment.events.request.fire(
                request_type="NOTE",
                name=f"empty queue: {self.role} {state} (HTTP {r.status_code})",
                response_time=0,
                response_length=0,
                exception=None,
                context={},
            )
            return
        pk = random.choice(r.json()["results"])["id"]
        d = self.client.get(f"/api/v1/cases/{pk}/", headers=self.auth, name="GET /api/v1/cases/<id>/")
        if d.status_code != 200:
            return
        allowed = [a["action"] if isinstance(a, dict) else a for a in d.json().get("allowed_actions", [])]
        if action not in allowed:
            return
        with self.client.post(
            f"/api/v1/cases/{pk}/actions/{action}/",
            json={
                "note": "压测：已处理",
                "expected_version": d.json().get("version"),
                **({"filing_condition": CONFIG["filing_condition"]} if action == "file" else {}),
            },
            headers=self.auth,
            name=f"POST /api/v1/cases/<id>/actions/{action}/",
            catch_response=True,
        ) as a:
            # Someone else moved the case first (409) or this generic step lacks a field (400): an answer,
            # not a failure of the server. Only 5xx and no answer count as errors.
            if 0 < a.status_code < 500:
                a.success()


class Open311(HttpUser):
    weight = 2
    wait_time = between(1, 3)

    @task(3)
    def read(self):
        self.client.get("/open311/v2/services.json", name="GET /open311/v2/services.json")
        self.client.get("/open311/v2/requests.json", name="GET /open311/v2/requests.json")

    @task(1)
    def post(self):
        lon, lat = _point()
        body = {
            "api_key": CONFIG["open311_key"],
            "service_code": random.choice(CONFIG["service_codes"]),
            "lat": f"{lat:.6f}",
            "long": f"{lon:.6f}",
            "description": random.choice(TEXTS),
        }
        with self.client.post(
            "/open311/v2/requests.json", data=body, name="POST /open311/v2/requests.json", catch_response=True
        ) as r:
            if r.status_code in (200, 201):
                rows = r.json()
                ident = rows[0].get("service_request_id") if rows else None
                _accepted("open311", "", ident)
                r.success()
            else:
                r.failure(f"HTTP {r.status_code}: {r.text[:120]}")


class Leader(HttpUser):
    weight = 1
    wait_time = between(2, 5)

    def on_start(self):
        self.client.cookies.set("sessionid", CONFIG["leader_session"])

    @task
    def dashboard(self):
        self.client.get("/assessment/", name="GET /assessment/ (dashboard)")
        self.client.get("/", name="GET / (leader home)")
