"""Property-based test of the whole API against its own OpenAPI schema (schemathesis 4).

Every operation under /api/v1/ is called with generated input — valid and invalid — through the real WSGI
application by three callers: staff (an operator of the test district, by token), a resident (by token) and
nobody (no credentials). Each answer must match the schema: no 5xx, a documented status, the documented
content type and a body that validates against the documented schema (errors included, so `fields` is
always `{field: [message, ...]}`). Examples per operation and caller are few (three fuzzed, plus the
coverage phase for staff) so the file takes about a minute of CPU on SQLite; it carries no marker, so it
runs in `make test`'s SQLite pass (and the PostgreSQL pass).
"""

from __future__ import annotations

import json

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from jingzhi.accounts import actions as accounts

from .conftest import D, user_with

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture(autouse=True)
def _requests_share_the_test_transaction():
    """Switch off Django's per-request connection closing (as Django's own test client does), so the WSGI
    requests run inside the test's transaction and see its data."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def _headers_for(request, who: str) -> dict:
    """The caller's Authorization header (none for the anonymous caller, who needs no city)."""
    if who == "anonymous":
        return {}
    request.getfixturevalue("city")
    if who == "staff":
        user = user_with("st_operator", ("operator", "district", D))
    else:
        user = user_with("st_resident")
    _token, key = accounts.do_create_api_token(actor=None, user=user, name="schemathesis")
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture
def staff(request, db) -> dict:
    return _headers_for(request, "staff")


@pytest.fixture(params=["resident", "anonymous"])
def caller(request, db) -> dict:
    return _headers_for(request, request.param)


def _our_schema() -> dict:
    """The OpenAPI document exactly as /api/schema/ serves it, generated in-process at collection time.
    (Fetching it over WSGI here would open a database connection before pytest-django sets up the test
    database, which exhausts psycopg's pool on PostgreSQL; and schemathesis' lazy `from_fixture` loader
    does not work with pytest 9. Serving the schema is tested in test_schema.py.)"""
    generator = SchemaGenerator(urlconf=None)
    return json.loads(OpenApiJsonRenderer().render(generator.get_schema(request=None, public=True)))


# Staff reach the most code: their run adds schemathesis' coverage phase (boundary and negative values of
# every parameter). The resident's and the anonymous caller's runs fuzz only, to keep the file near a minute.
schema = schemathesis.openapi.from_dict(_our_schema()).include(path_regex=r"^/api/v1/")
schema.app = get_wsgi_application()
light = schemathesis.openapi.from_dict(_our_schema()).include(path_regex=r"^/api/v1/")
light.app = schema.app
light.config.phases.coverage.enabled = False

SETTINGS = settings(
    max_examples=3,
    deadline=None,
    derandomize=True,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)


@pytest.mark.django_db
@schema.parametrize()
@SETTINGS
def test_every_operation_answers_staff_as_its_schema_says(case, staff):
    case.call_and_validate(headers=staff, checks=CHECKS)


@pytest.mark.django_db
@light.parametrize()
@SETTINGS
def test_every_operation_answers_residents_and_strangers_as_its_schema_says(case, caller):
    case.call_and_validate(headers=caller, checks=CHECKS)
