"""The read replica: which reads go where (jingzhi.config.replica), asserted through a second alias that is the
test database itself (Django's TEST MIRROR, set up in the root conftest) — on SQLite and PostgreSQL alike.

Lists, dashboards and exports read from the replica; everything else, every write, every read inside a
transaction, and every read by an actor who has just written go to the primary."""

from __future__ import annotations

import time

import pytest
from django.core.cache import cache
from django.db import connections, transaction
from django.test.utils import CaptureQueriesContext

from jingzhi.accounts.models import User
from jingzhi.config import replica
from jingzhi.config.profile import REPLICA_ALIAS

ROUTER = "jingzhi.config.replica.ReplicaRouter"
MIDDLEWARE = "jingzhi.config.replica.ReplicaMiddleware"


@pytest.fixture
def routed(settings):
    settings.DATABASE_ROUTERS = [ROUTER]
    mw = list(settings.MIDDLEWARE)
    mw.insert(mw.index("django.middleware.common.CommonMiddleware"), MIDDLEWARE)
    settings.MIDDLEWARE = mw
    settings.JINGZHI_READ_REPLICA = True
    settings.JINGZHI_REPLICA_PIN_SECONDS = 30
    return settings


def test_the_router_reads_from_the_replica_only_when_allowed_and_outside_a_transaction(routed):
    router = replica.ReplicaRouter()
    assert router.db_for_read(User) == "default"  # not inside a list view
    with replica.replica_reads():
        assert router.db_for_read(User) == REPLICA_ALIAS
        assert router.db_for_write(User) == "default"
        with replica.replica_reads(False):
            assert router.db_for_read(User) == "default"
        routed.JINGZHI_READ_REPLICA = False  # the operator's switch: every read back on the primary
        assert router.db_for_read(User) == "default"
    assert router.allow_migrate("default", "cases") is True
    assert router.allow_migrate(REPLICA_ALIAS, "cases") is False


@pytest.mark.django_db
def test_reads_inside_a_transaction_go_to_the_primary(routed):
    router = replica.ReplicaRouter()
    with replica.replica_reads(), transaction.atomic():
        assert router.db_for_read(User) == "default"


def test_which_views_are_lists_dashboards_and_exports(settings):
    for name in (
        "api:cases-list",
        "api:categories-list",
        "api:cases-queues",
        "api:assessment-ranking",
        "api:spaces-dashboard",
        "web:cases_workbench",
        "web:assessment_export",
        "web:streets_export",
        "open311:requests",
    ):
        assert replica.is_read_view(name), name
    for name in ("api:cases-detail", "api:me", "web:case_detail", "web:case_report", "open311:request", None):
        assert not replica.is_read_view(name), name
    settings.JINGZHI_REPLICA_VIEWS = ["web:case_detail"]
    assert replica.is_read_view("web:case_detail")


def _queries(client, url, **kw):
    with (
        CaptureQueriesContext(connections["default"]) as primary,
        CaptureQueriesContext(connections[REPLICA_ALIAS]) as mirror,
    ):
        response = client.get(url, **kw)
    assert response.status_code == 200, response.content[:300]
    return [q["sql"] for q in primary], [q["sql"] for q in mirror]


@pytest.mark.django_db(transaction=True, databases=["default", REPLICA_ALIAS])
def test_a_list_reads_from_the_replica_and_a_writer_is_pinned_to_the_primary(routed, client):
    user = User.objects.create_user("reader", password="x")
    client.force_login(user)

    _, mirror = _queries(client, "/api/v1/categories/")
    assert any("taxonomy_category" in sql for sql in mirror)  # the list itself came from the replica

    _, mirror = _queries(client, "/api/v1/me/")
    assert mirror == []  # not a list: the primary

    # A write (any unsafe method) pins the actor to the primary: by cookie, and by credential in the cache.
    response = client.post("/inbox/read-all/")
    assert response.status_code in (200, 302)
    assert float(response.cookies[replica.PIN_COOKIE].value) > time.time()
    primary, mirror = _queries(client, "/api/v1/categories/")
    assert mirror == [] and any("taxonomy_category" in sql for sql in primary)

    # A client that keeps no cookie but the session (an API client) is still pinned through the cache.
    client.cookies.pop(replica.PIN_COOKIE)
    _, mirror = _queries(client, "/api/v1/categories/")
    assert mirror == []

    # Once the pin has lapsed (here: removed) the list reads from the replica again.
    cache.clear()
    _, mirror = _queries(client, "/api/v1/categories/")
    assert any("taxonomy_category" in sql for sql in mirror)


@pytest.mark.django_db(transaction=True, databases=["default", REPLICA_ALIAS])
def test_a_forged_or_expired_pin_cookie_is_harmless(routed, client):
    user = User.objects.create_user("reader2", password="x")
    client.force_login(user)
    client.cookies[replica.PIN_COOKIE] = "not-a-number"
    _, mirror = _queries(client, "/api/v1/categories/")
    assert mirror  # unreadable stamp: not pinned
    client.cookies[replica.PIN_COOKIE] = f"{time.time() - 60:.3f}"
    _, mirror = _queries(client, "/api/v1/categories/")
    assert mirror  # an old stamp: not pinned


@pytest.mark.django_db(transaction=True, databases=["default", REPLICA_ALIAS])
def test_with_the_switch_off_nothing_reads_the_replica(routed, client):
    routed.JINGZHI_READ_REPLICA = False
    user = User.objects.create_user("reader3", password="x")
    client.force_login(user)
    _, mirror = _queries(client, "/api/v1/categories/")
    assert mirror == []
    response = client.post("/inbox/read-all/")
    assert replica.PIN_COOKIE not in response.cookies
