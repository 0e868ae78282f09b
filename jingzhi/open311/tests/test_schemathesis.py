"""Property-based test of the Open311 endpoints against their own OpenAPI description (schemathesis 4).

Every operation of `/open311/v2/openapi.json` is called with generated input — valid and invalid — through
the real WSGI application, and must answer as the description says: no 5xx, only declared statuses, the
declared content type and a body that validates against the declared schema (JSON; errors too). POSTs carry
a real client key half the time (otherwise every one would stop at the 403), so the generated bodies reach
validation and intake. Examples per operation are few so the run stays within seconds.
"""

from __future__ import annotations

import json

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from jingzhi.open311.openapi import document


@pytest.fixture(autouse=True)
def _requests_share_the_test_transaction():
    """As in the API's schemathesis test: WSGI requests run inside the test's transaction."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


schema = schemathesis.openapi.from_dict(json.loads(json.dumps(document("/open311/v2/"))))
schema.app = get_wsgi_application()


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
def test_no_open311_operation_answers_a_server_error(case, key):
    if case.method == "POST" and isinstance(case.body, dict) and len(str(case.body)) % 2 == 0:
        case.body["api_key"] = key.raw
    response = case.call()
    assert response.status_code < 500, response.text[:500]
    assert response.status_code in (200, 400, 403, 404, 405, 429), response.status_code
    assert "<html" not in response.text.lower()
    case.validate_response(
        response,
        checks=[
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_schema_conformance,
        ],
    )
