"""Photos in S3-compatible object storage (django-storages), as several web nodes need them: stored through the
one write path, private in the bucket, served only through the permission-checked view, swept like files.

The object store is moto in server mode, started on a loopback port for this module and stopped after, like
the PostgreSQL server the suite talks to — a real HTTP S3 endpoint, not an in-process mock."""

from __future__ import annotations

import contextlib
import io
import socket
import subprocess
import sys
import time
from datetime import timedelta

import boto3
import environ
import pytest
from django.contrib.auth import get_user_model
from django.core.files.storage import default_storage, storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image
from storages.backends.s3 import S3Storage

from jingzhi.config.profile import storage_config
from jingzhi.core import attachments, clock
from jingzhi.core.models import Attachment

pytestmark = pytest.mark.django_db

OWNER = ("tests.report", "7")
BUCKET = "jingzhi-photos"
KEYS = {"S3_ACCESS_KEY_ID": "testing", "S3_SECRET_ACCESS_KEY": "testing"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def s3_endpoint(tmp_path_factory):
    port = _free_port()
    log = (tmp_path_factory.mktemp("moto") / "moto.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"moto server did not start on {url}")
                time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture
def s3(s3_endpoint, settings, monkeypatch):
    """The default storage switched to the bucket, configured exactly as the environment would configure it."""
    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        region_name="us-east-1",
    )
    with contextlib.suppress(client.exceptions.BucketAlreadyOwnedByYou):
        client.create_bucket(Bucket=BUCKET)

    for name, value in {**KEYS, "JINGZHI_S3_BUCKET": BUCKET, "S3_ENDPOINT_URL": s3_endpoint}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("S3_REGION", "us-east-1")
    settings.STORAGES = storage_config(environ.Env())
    attachments.register_owner_access(OWNER[0], lambda user, owner_id: user.username == "zhao")
    yield client
    attachments.unregister_owner_access(OWNER[0])
    for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=item["Key"])


def _jpeg(color=(200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (400, 200), color).save(out, format="JPEG")
    return out.getvalue()


@pytest.fixture
def users(db):
    model = get_user_model()
    return model.objects.create_user("zhao", password="pw"), model.objects.create_user("qian", password="pw")


def test_a_photo_stored_through_the_one_write_path_lands_in_the_bucket_privately(s3, users):
    assert isinstance(storages["default"], S3Storage)
    upload = SimpleUploadedFile("photo.jpg", _jpeg(), content_type="image/jpeg")
    photo = attachments.do_store_image(actor=users[0], upload=upload, owner=OWNER, kind="before")
    keys = {o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET)["Contents"]}
    assert keys == {photo.file.name, photo.thumbnail.name}
    assert photo.file.name.startswith("attachments/") and photo.file.name.endswith(f"{photo.sha256}.jpg")
    for key in keys:
        grants = s3.get_object_acl(Bucket=BUCKET, Key=key)["Grants"]
        grantees = {g["Grantee"].get("URI", "") for g in grants}
        assert not any("AllUsers" in uri or "AuthenticatedUsers" in uri for uri in grantees), grants
    # Any address the storage hands out is signed and expires within a minute.
    url = default_storage.url(photo.file.name)
    assert "X-Amz-Signature=" in url and "X-Amz-Expires=60" in url


def test_the_bucket_photo_is_served_only_through_the_permission_checked_view(s3, users, client):
    upload = SimpleUploadedFile("photo.jpg", _jpeg(), content_type="image/jpeg")
    photo = attachments.do_store_image(actor=users[0], upload=upload, owner=OWNER, kind="before")
    url = reverse("web:attachment", args=[photo.pk, "full"])
    stored = s3.get_object(Bucket=BUCKET, Key=photo.file.name)["Body"].read()

    client.force_login(users[0])
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == stored
    assert response["Cache-Control"].startswith("private")

    client.force_login(users[1])  # not allowed by the owner's rule: the same 404 as a missing photo
    assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 404

    # A photo whose object is gone from the bucket is a clean 404, not a 500.
    s3.delete_object(Bucket=BUCKET, Key=photo.file.name)
    client.force_login(users[0])
    assert client.get(url).status_code == 404


def test_the_same_picture_twice_is_one_object_and_orphans_are_swept_from_the_bucket(s3, users):
    data = _jpeg((10, 120, 30))
    first = attachments.do_store_image(
        actor=users[0], upload=SimpleUploadedFile("a.jpg", data, content_type="image/jpeg"), owner=OWNER
    )
    second = attachments.do_store_image(
        actor=users[0], upload=SimpleUploadedFile("b.jpg", data, content_type="image/jpeg"), owner=OWNER
    )
    assert first.file.name == second.file.name
    assert len(s3.list_objects_v2(Bucket=BUCKET)["Contents"]) == 2  # the picture and its thumbnail

    orphan = f"attachments/{clock.now():%Y/%m}/{'0' * 64}.jpg"
    s3.put_object(Bucket=BUCKET, Key=orphan, Body=b"left by a rolled-back upload")
    assert attachments.orphan_files(older_than=timedelta(0)) == [orphan]
    assert attachments.do_sweep_orphan_files(older_than=timedelta(0)) == [orphan]
    keys = {o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET)["Contents"]}
    assert orphan not in keys and first.file.name in keys
    assert Attachment.objects.count() == 2
