"""Property-based test of the whole API against its own OpenAPI schema (schemathesis 4).

Every operation is called with generated input — valid and invalid — by an authenticated superuser over a
small city, through the real WSGI application, and must never answer 5xx. Examples per operation are few so
the run stays well under a minute; CI runs it on every push.
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
from schemathesis.checks import not_a_server_error

from jingzhi.accounts import actions as accounts

from .conftest import user_with


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


@pytest.fixture
def api_key(city):
    user = user_with("schemathesis", superuser=True)
    _token, key = accounts.do_create_api_token(actor=None, user=user, name="schemathesis")
    return key


def _our_schema() -> dict:
    """The OpenAPI document exactly as /api/schema/ serves it, generated in-process at collection time.
    (Fetching it over WSGI here would open a database connection before pytest-django sets up the test
    database, which exhausts psycopg's pool on PostgreSQL; and schemathesis' lazy `from_fixture` loader
    does not work with pytest 9. Serving the schema is tested in test_schema.py.)"""
    generator = SchemaGenerator(urlconf=None)
    return json.loads(OpenApiJsonRenderer().render(generator.get_schema(request=None, public=True)))


schema = schemathesis.openapi.from_dict(_our_schema())
schema.app = get_wsgi_application()


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=6,
    deadline=None,
    derandomize=True,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
def test_no_operation_answers_a_server_error(case, api_key):
    case.call_and_validate(headers={"Authorization": f"Bearer {api_key}"}, checks=[not_a_server_error])
