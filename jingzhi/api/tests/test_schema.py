"""The OpenAPI schema generates without warnings and its documentation pages load nothing from outside."""

import re

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db

EXTERNAL = re.compile(r"""(?:src|href)\s*=\s*["'](?:https?:)?//""", re.IGNORECASE)


def test_the_schema_validates_without_warnings(tmp_path):
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    text = out.read_text(encoding="utf-8")
    assert "/api/v1/locate/batch/" in text
    assert "Error:" in text  # the error body component


def test_the_schema_is_served_and_every_operation_documents_the_error_body(client):
    response = client.get("/api/schema/?format=json")
    assert response.status_code == 200
    schema = response.json()
    assert "Error" in schema["components"]["schemas"]
    assert schema["components"]["securitySchemes"]["tokenAuth"]["scheme"] == "bearer"
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            assert operation.get("summary"), (path, method)
            assert "401" in operation["responses"], (path, method)
            assert operation["responses"]["401"]["content"]["application/json"]["schema"] == {
                "$ref": "#/components/schemas/Error"
            }


@pytest.mark.parametrize("url", ["/api/docs/", "/api/redoc/"])
def test_the_documentation_pages_load_nothing_from_another_host(client, url):
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert not EXTERNAL.findall(html), EXTERNAL.findall(html)
    assert "fonts.googleapis" not in html
    assert "/static/drf_spectacular_sidecar/" in html


def test_swagger_ui_has_its_online_validator_switched_off(client):
    html = client.get("/api/docs/").content.decode()
    assert '"validatorUrl": null' in html
