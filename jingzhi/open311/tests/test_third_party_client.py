"""The issue's "done when": a third-party GeoReport v2 client — plain `urllib`, knowing nothing of Jingzhi but
the spec — pointed at a running server lists the services, files a request, reads it back by id and by
filters in XML and JSON, and gets spec-shaped errors for bad input; and the case it filed is a real case in
the staff workbench's queue, routed like any other when it is dispatched."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from xml.etree import ElementTree as ET

import pytest

from jingzhi.open311.models import Open311Request
from jingzhi.open311.testing import IN_SUB1, build_world


class GeoReportClient:
    """What a civic app's Open311 module does: GET and POST form-encoded, parse XML or JSON."""

    def __init__(self, endpoint: str, api_key: str, jurisdiction_id: str | None = None):
        self.endpoint = endpoint.rstrip("/") + "/"
        self.api_key = api_key
        self.jurisdiction_id = jurisdiction_id

    def _call(self, path: str, fmt: str, params: dict | None = None, data: dict | None = None):
        params = dict(params or {})
        if self.jurisdiction_id:
            (data if data is not None else params)["jurisdiction_id"] = self.jurisdiction_id
        url = f"{self.endpoint}{path}.{fmt}" + (f"?{urllib.parse.urlencode(params)}" if params else "")
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(url, data=body, headers={"User-Agent": "georeport-test/1.0"})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                status, raw, ctype = response.status, response.read(), response.headers["Content-Type"]
        except urllib.error.HTTPError as error:
            status, raw, ctype = error.code, error.read(), error.headers["Content-Type"]
        if fmt == "xml":
            assert ctype.startswith("text/xml")
            return status, ET.fromstring(raw)
        assert ctype.startswith("application/json")
        return status, json.loads(raw)

    @staticmethod
    def _records(fmt: str, body, root: str, item: str) -> list[dict]:
        if fmt == "json":
            return body
        assert body.tag == root, body.tag
        return [{child.tag: child.text for child in element} for element in body.findall(item)]

    def services(self, fmt):
        status, body = self._call("services", fmt)
        assert status == 200
        return self._records(fmt, body, "services", "service")

    def definition(self, code, fmt):
        status, body = self._call(f"services/{code}", fmt)
        assert status == 200
        if fmt == "json":
            return body["attributes"]
        assert body.tag == "service_definition"
        return [{c.tag: c.text for c in a} for a in body.findall("attributes/attribute")]

    def create(self, fmt, **fields):
        status, body = self._call("requests", fmt, data={"api_key": self.api_key, **fields})
        if status != 200:
            return status, self.errors(fmt, body)
        return status, self._records(fmt, body, "service_requests", "request")

    def requests(self, fmt, **params):
        status, body = self._call("requests", fmt, params)
        assert status == 200, body
        return self._records(fmt, body, "service_requests", "request")

    def request(self, fmt, service_request_id):
        status, body = self._call(f"requests/{service_request_id}", fmt)
        assert status == 200
        return self._records(fmt, body, "service_requests", "request")[0]

    def token(self, fmt, token):
        status, body = self._call(f"tokens/{token}", fmt)
        assert status == 200
        return self._records(fmt, body, "service_requests", "request")[0]

    def errors(self, fmt, body) -> list[dict]:
        records = self._records(fmt, body, "errors", "error")
        assert records and all(set(r) == {"code", "description"} for r in records)
        return records

    def get_errors(self, path, fmt, **params):
        status, body = self._call(path, fmt, params)
        return status, self.errors(fmt, body)


@pytest.mark.django_db(transaction=True)
def test_a_third_party_client_files_and_follows_a_request_end_to_end(live_server):
    from jingzhi.cases import actions
    from jingzhi.cases.models import Case
    from jingzhi.cases.queries import queue_for
    from jingzhi.open311.actions import do_create_client

    world = build_world()
    _client, raw = do_create_client(actor=None, name="第三方客户端", rate_limit_per_minute=100)
    app = GeoReportClient(f"{live_server.url}/open311/v2/", raw, jurisdiction_id="jingzhi.local")

    filed = {}
    for fmt in ("xml", "json"):
        services = app.services(fmt)
        manhole = next(s for s in services if s["service_name"] == "上水井盖")
        assert str(manhole["metadata"]).lower() == "true"
        attribute = app.definition(manhole["service_code"], fmt)[0]
        condition_key = attribute["values"][0]["key"] if fmt == "json" else str(world.t.condition.pk)
        status, created = app.create(
            fmt,
            service_code=manhole["service_code"],
            lat=IN_SUB1[1],
            long=IN_SUB1[0],
            description=f"井盖缺失（{fmt}）",
            first_name="三",
            last_name="张",
            phone="13700001111",
            **{"attribute[filing_condition]": condition_key},
        )
        assert status == 200, created
        number = created[0]["service_request_id"]
        assert "token" not in created[0]  # realtime: the id, not a token beside it
        token = Open311Request.objects.get(case__number=number).token
        assert app.token(fmt, token)["service_request_id"] == number
        by_id = app.request(fmt, number)
        assert by_id["status"] == "open" and by_id["service_code"] == manhole["service_code"]
        assert by_id["requested_datetime"].endswith("+08:00")
        listed = [
            r["service_request_id"]
            for r in app.requests(fmt, service_code=manhole["service_code"], status="open")
        ]
        assert number in listed
        assert [r["service_request_id"] for r in app.requests(fmt, service_request_id=number)] == [number]
        filed[fmt] = number

        # spec-shaped errors for bad input
        status, errors = app.create(fmt, service_code="nope-1", lat=IN_SUB1[1], long=IN_SUB1[0])
        assert status == 400 and errors[0]["description"]
        status, errors = app.create(fmt, service_code=manhole["service_code"], lat=39.95, long=116.5)
        assert status == 400
        bad_key = GeoReportClient(app.endpoint, "o311_wrong")
        status, errors = bad_key.create(
            fmt, service_code=manhole["service_code"], lat=IN_SUB1[1], long=IN_SUB1[0]
        )
        assert status == 403 and str(errors[0]["code"]) == "403"
        assert app.get_errors("requests", fmt, start_date="last tuesday")[0] == 400
        assert app.get_errors("requests/JZ0", fmt)[0] == 404

    # the filed cases are real cases in the operator's queue, and dispatch routes them by the duty list
    cases = Case.objects.filter(number__in=filed.values())
    assert {c.source for c in cases} == {"open311"}
    queue = set(queue_for(world.p.operator, "verify").values_list("number", flat=True))
    assert set(filed.values()) <= queue
    case = cases.get(number=filed["json"])
    assert case.reporter_name == "张三"
    actions.do_verify_case(actor=world.p.inspector, case_id=case.pk)
    actions.do_file_case(actor=world.p.shift_lead, case_id=case.pk)
    case = actions.do_dispatch_case(actor=world.p.dispatcher, case_id=case.pk)
    assert case.lead_department == world.p.szsr
    assert app.request("xml", case.number)["agency_responsible"] == "市政市容委"
