"""Photos: checked by content, cleaned of personal metadata, thumbnailed, stored by hash, audited, and shown
only to those the owner app allows (nobody, when no app has said)."""

from __future__ import annotations

import hashlib
import io
import os
import struct
import zlib
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse
from PIL import Image

from jingzhi.core import attachments
from jingzhi.core.attachments import access_attachment, attachments_for, do_store_image, register_owner_access
from jingzhi.core.errors import InvalidInput, NotFound
from jingzhi.core.models import Attachment, AuditEvent

pytestmark = pytest.mark.django_db

OWNER = ("tests.report", "7")
GPS_IFD, MAKE, MODEL, ORIENTATION = 0x8825, 0x010F, 0x0110, 0x0112


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return Path(settings.MEDIA_ROOT)


@pytest.fixture(autouse=True)
def _clean_registry():
    yield
    for owner_type in ("tests.report", "tests.public", "tests.broken"):
        attachments.unregister_owner_access(owner_type)


@pytest.fixture
def user(db):
    return get_user_model().objects.create_user(username="zhao", password="pw")


@pytest.fixture
def other(db):
    return get_user_model().objects.create_user(username="qian", password="pw")


def picture(fmt="JPEG", size=(400, 200), color=(200, 30, 30), mode="RGB", exif=None, noise=False) -> bytes:
    image = Image.new(mode, size, color)
    if noise:
        image = Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3))
    out = io.BytesIO()
    kwargs = {"exif": exif.tobytes()} if exif is not None else {}
    image.save(out, format=fmt, **kwargs)
    return out.getvalue()


def phone_exif(orientation=None) -> Image.Exif:
    exif = Image.Exif()
    exif[MAKE] = "HUAWEI"
    exif[MODEL] = "Mate 60 Pro"
    exif[GPS_IFD] = {1: "N", 2: (39.0, 54.0, 27.0), 3: "E", 4: (116.0, 23.0, 29.0)}
    if orientation:
        exif[ORIENTATION] = orientation
    return exif


def upload(data: bytes, name="photo.jpg", content_type="image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def store(data, name="photo.jpg", content_type="image/jpeg", actor=None, owner=OWNER, kind="before"):
    return do_store_image(actor=actor, upload=upload(data, name, content_type), owner=owner, kind=kind)


def stored_image(attachment, variant="full") -> Image.Image:
    field = attachment.thumbnail if variant == "thumb" else attachment.file
    with field.storage.open(field.name, "rb") as fh:
        image = Image.open(io.BytesIO(fh.read()))
        image.load()
        return image


# --- storing ---------------------------------------------------------------------------------------------


def test_a_photo_is_stored_by_its_hash_under_the_month_with_a_thumbnail_and_an_audit_row(user, media_root):
    attachment = store(picture(size=(1200, 800)), actor=user)
    assert attachment.file.name.startswith(
        f"attachments/{attachment.created_at:%Y}/{attachment.created_at:%m}/"
    )
    assert attachment.file.name.endswith(f"/{attachment.sha256}.jpg")
    on_disk = media_root / attachment.file.name
    assert hashlib.sha256(on_disk.read_bytes()).hexdigest() == attachment.sha256
    assert (attachment.width, attachment.height, attachment.size) == (1200, 800, on_disk.stat().st_size)
    assert attachment.content_type == "image/jpeg" and attachment.uploaded_by == user
    assert attachment.original_name == "photo.jpg" and attachment.kind == "before"
    thumb = stored_image(attachment, "thumb")
    assert thumb.format == "JPEG" and max(thumb.size) == 320 and thumb.size == (320, 213)
    event = AuditEvent.objects.get(verb="attachment.stored")
    assert event.actor == user and event.target_id == str(attachment.pk)
    assert event.new_values["owner"] == "tests.report:7" and event.new_values["sha256"] == attachment.sha256


def test_gps_position_and_device_are_stripped_from_the_stored_copy_and_its_thumbnail(user, media_root):
    original = picture(exif=phone_exif())
    assert Image.open(io.BytesIO(original)).getexif()[MODEL] == "Mate 60 Pro"  # the test photo has them
    attachment = store(original, actor=user)
    for variant in ("full", "thumb"):
        image = stored_image(attachment, variant)
        exif = image.getexif()
        assert GPS_IFD not in exif and MODEL not in exif and MAKE not in exif and len(exif) == 0
        assert not exif.get_ifd(GPS_IFD)
        assert "exif" not in image.info and "xmp" not in image.info and "icc_profile" not in image.info
    raw = (media_root / attachment.file.name).read_bytes()
    assert b"Mate 60" not in raw and b"HUAWEI" not in raw and b"Exif" not in raw
    # The audit row names what was removed, never the values.
    event = AuditEvent.objects.get(verb="attachment.stored")
    assert event.new_values["metadata_removed"] == ["GPS", "Make", "Model"]
    assert "Mate" not in str(event.new_values) and "116" not in str(event.new_values)


def test_exif_orientation_is_applied_to_the_pixels_and_then_dropped(user):
    attachment = store(picture(size=(400, 200), exif=phone_exif(orientation=6)), actor=user)
    image = stored_image(attachment)
    assert image.size == (200, 400) == (attachment.width, attachment.height)
    assert ORIENTATION not in image.getexif()


def test_png_with_transparency_and_webp_are_accepted_and_stored_as_jpeg(user):
    png = store(picture("PNG", mode="RGBA", color=(0, 0, 0, 0)), name="screen.png", content_type="image/png")
    assert stored_image(png).getpixel((5, 5)) == (255, 255, 255)  # transparency laid on white
    webp = store(picture("WEBP"), name="pic.webp", content_type="image/webp")
    assert stored_image(webp).format == "JPEG" and webp.file.name.endswith(".jpg")


def test_a_large_photo_is_scaled_down_to_the_configured_long_side(settings, user):
    settings.JINGZHI_IMAGE_MAX_SIDE = 500
    attachment = store(picture(size=(2000, 1000)))
    assert (attachment.width, attachment.height) == (500, 250)


def test_the_same_picture_twice_makes_two_rows_sharing_one_file(user, media_root):
    data = picture()
    a, b = store(data, actor=user), store(data, actor=user, kind="after")
    assert a.pk != b.pk and a.file.name == b.file.name
    assert len(list((media_root / a.file.name).parent.glob("*.jpg"))) == 2  # one photo + one thumbnail


def test_a_rolled_back_upload_leaves_no_row_and_no_audit_row(user):
    with pytest.raises(RuntimeError), transaction.atomic():
        store(picture(), actor=user)
        raise RuntimeError("the case action failed after storing")
    assert (
        not Attachment.objects.exists() and not AuditEvent.objects.filter(verb="attachment.stored").exists()
    )


# --- refusing --------------------------------------------------------------------------------------------


def test_a_text_file_is_not_an_image(user):
    with pytest.raises(InvalidInput) as caught:
        store(b"just some notes\n", name="notes.txt", content_type="text/plain")
    assert caught.value.message.startswith("文件 notes.txt 不是有效的图片（仅支持 JPEG/PNG/WebP）")
    assert caught.value.fields == {"file": "notes.txt"}
    assert not Attachment.objects.exists()


def test_a_text_file_renamed_to_jpg_is_not_an_image(user):
    with pytest.raises(InvalidInput, match="文件 fake.jpg 不是有效的图片"):
        store(b"<?php system($_GET['c']); ?>", name="fake.jpg", content_type="image/jpeg")


def test_a_png_with_a_jpg_extension_is_refused_for_the_mismatch(user):
    with pytest.raises(InvalidInput) as caught:
        store(picture("PNG"), name="photo.jpg", content_type="application/octet-stream")
    assert (
        "不是有效的图片" in caught.value.message
        and "扩展名 .jpg 与文件内容（PNG）不符" in caught.value.message
    )


def test_a_declared_content_type_contradicting_the_content_is_refused(user):
    with pytest.raises(InvalidInput, match="声明的类型 image/png 与文件内容（JPEG）不符"):
        store(picture("JPEG"), name="photo", content_type="image/png")


def test_a_picture_with_no_extension_and_a_generic_type_is_judged_by_content(user):
    assert store(picture("PNG"), name="blob", content_type="application/octet-stream").width == 400


def test_formats_other_than_jpeg_png_webp_are_refused(user):
    for fmt, name in (("GIF", "a.gif"), ("BMP", "a.bmp"), ("TIFF", "a.tiff")):
        with pytest.raises(InvalidInput, match=f"文件 {name} 不是有效的图片"):
            store(picture(fmt), name=name, content_type="application/octet-stream")


def test_a_truncated_jpeg_is_refused_as_damaged(user):
    data = picture(size=(600, 400), noise=True)
    with pytest.raises(InvalidInput, match="文件已损坏或不完整"):
        store(data[: len(data) // 2])


def test_a_file_over_the_size_limit_is_refused_naming_its_size_and_the_limit(user):
    too_big = b"\xff\xd8" + b"\0" * (11 * 1024 * 1024 - 2)  # 11 MB; refused before its content is looked at
    with pytest.raises(InvalidInput) as caught:
        store(too_big, name="big.jpg")
    assert caught.value.message == "文件 big.jpg 过大（11 MB），上限为 10 MB"
    assert caught.value.code == "file_too_large"


def test_the_size_limit_is_a_setting_and_holds_for_streams_without_a_size(settings, user):
    settings.JINGZHI_MAX_UPLOAD_MB = 0.01
    data = picture(size=(300, 300), noise=True)
    assert len(data) > 0.01 * 1024 * 1024
    stream = io.BytesIO(data)
    stream.name = "noise.jpg"
    with pytest.raises(InvalidInput, match=r"文件 noise.jpg 过大（超过 0.0[1-9] MB），上限为 0.01 MB"):
        do_store_image(actor=user, upload=stream, owner=OWNER)


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG that declares `width`×`height` pixels in a few dozen bytes: a decompression bomb's shape."""

    def chunk(kind: bytes, payload: bytes) -> bytes:
        return (
            struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + chunk(b"IEND", b"")
    )


def test_a_decompression_bomb_is_refused_before_it_is_decoded(user):
    with pytest.raises(InvalidInput) as caught:
        store(_png_header_only(100_000, 100_000), name="bomb.png", content_type="image/png")
    assert "图片 bomb.png 像素过多" in caught.value.message and caught.value.code == "too_many_pixels"
    # Under Pillow's own limit but over ours: refused by our check, naming the dimensions.
    with pytest.raises(InvalidInput, match=r"像素过多（7000×7000），上限为 4000 万像素"):
        store(_png_header_only(7000, 7000), name="big.png", content_type="image/png")


def test_the_pixel_limit_is_a_setting(settings, user):
    settings.JINGZHI_MAX_IMAGE_PIXELS = 10_000
    with pytest.raises(InvalidInput, match=r"像素过多（200×200），上限为 1 万像素"):
        store(picture(size=(200, 200)))


def test_a_kind_must_be_a_simple_name(user):
    with pytest.raises(InvalidInput, match="图片用途“../x”无效"):
        store(picture(), kind="../x")


def test_an_owner_has_a_bounded_number_of_photos_per_kind(settings, user):
    settings.JINGZHI_MAX_ATTACHMENTS_PER_KIND = 2
    store(picture(color=(1, 1, 1)))
    store(picture(color=(2, 2, 2)))
    with pytest.raises(InvalidInput, match="已有 2 张，达到上限"):
        store(picture(color=(3, 3, 3)))
    assert store(picture(color=(4, 4, 4)), kind="after").kind == "after"


# --- reading and serving ---------------------------------------------------------------------------------


def test_attachments_for_lists_one_owners_photos_oldest_first_and_by_kind(user):
    a = store(picture(color=(1, 2, 3)))
    b = store(picture(color=(3, 2, 1)), kind="after")
    store(picture(), owner=("tests.report", "8"))
    assert list(attachments_for(OWNER)) == [a, b]
    assert list(attachments_for(OWNER, kind="after")) == [b]
    assert list(attachments_for(("tests.report", 7))) == [a, b]  # ids compared as text


def test_an_owner_type_nobody_registered_is_denied_to_everyone(user, client):
    attachment = store(picture(), actor=user)
    superuser = get_user_model().objects.create_superuser(username="root", password="pw")
    for who in (user, superuser):
        with pytest.raises(NotFound):
            access_attachment(who, attachment.pk)
        client.force_login(who)
        assert client.get(reverse("web:attachment", args=[attachment.pk, "full"])).status_code == 404


def test_the_owner_apps_rule_decides_who_sees_a_photo(user, other, client):
    attachment = store(picture(), actor=user)
    register_owner_access(
        "tests.report", lambda u, owner_id: getattr(u, "pk", None) == user.pk and owner_id == "7"
    )
    assert access_attachment(user, attachment.pk) == attachment
    with pytest.raises(NotFound):
        access_attachment(other, attachment.pk)
    client.force_login(other)
    assert client.get(attachment.full_url).status_code == 404
    client.force_login(user)
    response = client.get(attachment.full_url)
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert response["Cache-Control"].startswith("private") and response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == (Path(attachment.file.path)).read_bytes()
    thumb = client.get(attachment.thumb_url)
    assert Image.open(io.BytesIO(b"".join(thumb.streaming_content))).size == (320, 160)
    assert client.get(reverse("web:attachment", args=[attachment.pk, "original"])).status_code == 404
    again = client.get(attachment.full_url, HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304


def test_anonymous_visitors_see_a_photo_only_when_the_owner_makes_it_public(user, client):
    private = store(picture(color=(9, 9, 9)), owner=("tests.report", "1"))
    public = store(picture(color=(8, 8, 8)), owner=("tests.public", "1"))
    register_owner_access("tests.report", lambda u, owner_id: u.is_authenticated)
    register_owner_access("tests.public", lambda u, owner_id: True)
    assert client.get(private.full_url).status_code == 404
    assert client.get(public.thumb_url).status_code == 200


def test_a_failing_access_rule_denies(user):
    attachment = store(picture(), owner=("tests.broken", "1"))

    def broken(u, owner_id):
        raise RuntimeError("bug in the owner app")

    register_owner_access("tests.broken", broken)
    with pytest.raises(NotFound):
        access_attachment(user, attachment.pk)


def test_a_missing_and_a_forbidden_photo_answer_alike(user, client):
    client.force_login(user)
    assert client.get(reverse("web:attachment", args=[987654, "full"])).status_code == 404


# ---------------------------------------------------------------------------------------------------------
# Sweeping the files a rolled-back upload left behind


def _age(path: Path, hours: float) -> None:
    import os
    import time

    stamp = time.time() - hours * 3600
    os.utime(path, (stamp, stamp))


def test_the_sweep_deletes_only_old_files_no_row_names_and_audits_it(user, media_root):
    from datetime import timedelta

    from django.core.management import call_command
    from django.db import transaction

    from jingzhi.core import audit
    from jingzhi.core.models import AuditEvent

    kept = store(picture(color=(10, 200, 10)), actor=user)
    try:
        with transaction.atomic():
            store(picture(color=(10, 10, 200)), actor=user)
            raise RuntimeError("the action failed after the upload")
    except RuntimeError:
        pass
    files = sorted(p for p in media_root.rglob("*.jpg"))
    assert len(files) == 4  # two pictures, two thumbnails: the rolled-back pair is still on disk
    orphans = [p for p in files if kept.sha256 not in p.name]
    for path in files:
        _age(path, 48)
    young = media_root / "attachments" / "2000" / "01" / "young.jpg"
    young.parent.mkdir(parents=True)
    young.write_bytes(b"x")  # unreferenced but new: perhaps an upload about to commit
    assert attachments.do_sweep_orphan_files(dry_run=True) == sorted(
        str(p.relative_to(media_root)).replace("\\", "/") for p in orphans
    )
    assert all(p.exists() for p in orphans)  # a dry run deletes nothing
    out = io.StringIO()
    call_command("attachments", "sweep", stdout=out)
    assert "已删除 2 个" in out.getvalue()
    assert not any(p.exists() for p in orphans) and young.exists()
    assert Path(kept.file.path).exists() and Path(kept.thumbnail.path).exists()
    row = AuditEvent.objects.filter(verb=attachments.Verb.SWEPT).get()
    assert len(row.new_values["deleted"]) == 2 and audit.verify() is None
    assert attachments.do_sweep_orphan_files(older_than=timedelta(hours=1)) == []  # nothing left to do


def test_the_sweep_refuses_an_age_that_could_catch_an_upload_in_flight(db):
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="至少为 1"):
        call_command("attachments", "sweep", "--older-than-hours", "0.1")


# --- what one request may bring ---------------------------------------------------------------------------


def _upload(data: bytes, name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="image/png" if name.endswith(".png") else "image/jpeg")


def test_a_tiny_png_claiming_a_huge_canvas_is_refused_from_its_header(monkeypatch):
    bomb = _png_header_only(8000, 8000)  # 64 MP declared in a file of a few dozen bytes
    assert len(bomb) < 200
    decoded = []
    monkeypatch.setattr(attachments, "clean_image", lambda *a, **k: decoded.append(a) or {})
    with pytest.raises(InvalidInput) as caught:
        attachments.prepare_images([_upload(bomb, "井盖.png")])
    assert "井盖.png" in caught.value.message and "像素过多" in caught.value.message
    assert caught.value.fields == {"file": "井盖.png"}
    assert decoded == []


def test_the_pixels_of_one_request_are_capped_before_any_picture_is_decoded(settings, monkeypatch):
    settings.JINGZHI_MAX_REQUEST_IMAGE_PIXELS = 2 * 400 * 300
    decoded = []
    monkeypatch.setattr(attachments, "clean_image", lambda *a, **k: decoded.append(a) or {})
    files = [_upload(_png_header_only(400, 300), f"p{n}.png") for n in range(3)]
    with pytest.raises(InvalidInput) as caught:
        attachments.prepare_images(files)
    assert "本次上传的图片合计超过" in caught.value.message and "p2.png" in caught.value.message
    assert decoded == []  # refused on the headers alone


def test_the_bytes_of_one_request_are_capped(settings):
    one = picture(size=(300, 200))
    settings.JINGZHI_MAX_REQUEST_UPLOAD_MB = (2.5 * len(one)) / (1024 * 1024)
    with pytest.raises(InvalidInput) as caught:
        attachments.prepare_images([_upload(one, f"p{n}.jpg") for n in range(3)])
    assert "本次上传的文件合计超过" in caught.value.message and "p2.jpg" in caught.value.message
    assert len(attachments.prepare_images([_upload(one, f"p{n}.jpg") for n in range(2)])) == 2


def test_a_request_within_its_limits_is_prepared_as_before():
    prepared = attachments.prepare_images(
        [_upload(picture(), "a.jpg"), _upload(picture(color=(9, 9, 9)), "b.jpg")]
    )
    assert [p.name for p in prepared] == ["a.jpg", "b.jpg"]
    assert all(p.cleaned["full"].startswith(b"\xff\xd8") for p in prepared)
