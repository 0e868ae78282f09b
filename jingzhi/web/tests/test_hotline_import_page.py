"""导入热线工单 on the web: the centre uploads a file, a background job imports it and the page shows its
progress, then the counts — or every bad row, with nothing imported. Only the centre may import, and only
the uploader sees an import's page."""

from __future__ import annotations

import io

import pytest
from django.core.cache import cache
from django.urls import reverse

from jingzhi.cases.models import Case
from jingzhi.cases.tasks import import_progress_key
from jingzhi.cases.testing import IN_SUB1

pytestmark = pytest.mark.django_db

HEADER = "工单编号,诉求内容,经度,纬度,诉求人,联系电话\n"


def _file(rows, name="orders.csv"):
    upload = io.BytesIO((HEADER + "\n".join(rows) + "\n").encode("utf-8"))
    upload.name = name
    return upload


def _upload(client, user, rows, capture):
    client.force_login(user)
    with capture(execute=True):  # the job runs in-process after commit (the embedded profile)
        response = client.post(reverse("web:hotline_import"), {"file": _file(rows)})
    assert response.status_code == 302
    return response["Location"]


def test_the_centre_imports_a_file_and_sees_the_progress_then_the_counts(
    client, w, django_capture_on_commit_callbacks
):
    client.force_login(w.p.operator)
    form = client.get(reverse("web:hotline_import")).content.decode()
    assert 'data-testid="import-file"' in form
    rows = [f"W{i},井盖丢了,{IN_SUB1[0]},{IN_SUB1[1]},张三,1390000000{i}" for i in range(3)]
    status = _upload(client, w.p.operator, rows, django_capture_on_commit_callbacks)
    body = client.get(status).content.decode()
    assert 'data-testid="import-done"' in body and "新建 3 件" in body
    assert "hx-trigger" not in body  # finished: the page stops polling
    assert Case.objects.filter(source="hotline").count() == 3


def test_a_running_import_shows_a_bar_that_polls(client, w):
    client.force_login(w.p.operator)
    session = client.session
    session["hotline_imports"] = ["tok"]
    session.save()
    cache.set(import_progress_key("tok"), {"stage": "write", "done": 500, "total": 2000, "finished": False})
    body = client.get(
        reverse("web:hotline_import_status", args=["tok"]), HTTP_HX_REQUEST="true"
    ).content.decode()
    assert 'data-testid="import-bar"' in body and 'value="25"' in body and "500 / 2000" in body
    assert 'hx-trigger="every 1s"' in body


def test_a_bad_file_lists_each_row_and_imports_nothing(client, w, django_capture_on_commit_callbacks):
    rows = [
        f"W1,井盖丢了,{IN_SUB1[0]},{IN_SUB1[1]},张三,1",
        "W2,,116.35,39.90,李四,2",
        "W3,井盖,abc,39.9,王五,3",
    ]
    status = _upload(client, w.p.operator, rows, django_capture_on_commit_callbacks)
    body = client.get(status).content.decode()
    assert 'data-testid="import-error"' in body and "第 3 行" in body and "第 4 行" in body
    assert not Case.objects.filter(source="hotline").exists()


def test_no_file_is_a_clear_error(client, w):
    client.force_login(w.p.operator)
    body = client.post(reverse("web:hotline_import"), {}).content.decode()
    assert "请选择要导入的工单文件" in body


def test_only_the_centre_may_import_and_only_the_uploader_sees_the_import(
    client, w, django_capture_on_commit_callbacks
):
    client.force_login(w.p.resident)
    assert client.get(reverse("web:hotline_import")).status_code == 403
    status = _upload(
        client,
        w.p.operator,
        [f"W9,井盖丢了,{IN_SUB1[0]},{IN_SUB1[1]},张三,1"],
        django_capture_on_commit_callbacks,
    )
    client.force_login(w.p.shift_lead)
    assert client.get(status).status_code == 404


def test_an_import_error_is_shown_once(client, w, django_capture_on_commit_callbacks):
    rows = [
        f"W1,井盖丢了,{IN_SUB1[0]},{IN_SUB1[1]},张三,1",
        "W2,井盖,abc,39.9,王五,3",
    ]
    status = _upload(client, w.p.operator, rows, django_capture_on_commit_callbacks)
    body = client.get(status).content.decode()
    assert body.count("导入失败，共 1 处问题") == 1
    assert body.count("经度“abc”不是数字") == 1  # in the list under the headline, not again in it


def test_a_wrong_header_is_shown_once(client, w, django_capture_on_commit_callbacks):
    client.force_login(w.p.operator)
    upload = io.BytesIO("不是工单的表头\n随便写的一行\n".encode())
    upload.name = "bad.csv"
    with django_capture_on_commit_callbacks(execute=True):
        status = client.post(reverse("web:hotline_import"), {"file": upload})["Location"]
    body = client.get(status).content.decode()
    assert body.count("缺少列") == 1
