"""Photos attached to any row of any app: checked, cleaned, stored and served only to those allowed.

`do_store_image(actor=, upload=, owner=(type, id), kind=)` is the one write path. It decides what a file is
by its content (Pillow, restricted to JPEG/PNG/WebP), never by its name; refuses files that are too large,
that claim to be something else, or whose pixel count would exhaust memory when decoded (decompression
bombs); applies the EXIF orientation and re-encodes the picture as a plain JPEG, so the stored copy carries
no GPS position, device make/model, serial numbers, XMP or any other metadata; makes a thumbnail; stores
both under ``MEDIA_ROOT/attachments/YYYY/MM/<sha256>.jpg``; and audits the upload — all in the caller's
transaction. The upload itself is never written anywhere.

Core knows nothing about cases or streets, so who may look at a photo is the owner app's rule:
`register_owner_access("cases.case", fn)` with ``fn(user, owner_id) -> bool``, called by
`access_attachment`. An owner type nobody registered is denied to everyone; a public page can show a photo
only when the owner's rule says so for an anonymous user.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import logging
import os
import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import models, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from jingzhi.core import audit, clock
from jingzhi.core.audit_verbs import AuditVerb
from jingzhi.core.errors import InvalidInput, NotFound
from jingzhi.core.models import Attachment

logger = logging.getLogger(__name__)


class Verb(AuditVerb):
    """Audit verbs of this module; stored in rows, so never rename a value."""

    STORED = "attachment.stored"
    SWEPT = "attachment.swept"


DEFAULT_MAX_UPLOAD_MB = 10
# 40 MP covers a phone's ordinary photos (12-24 MP; 48/50 MP sensors bin to 12 MP unless asked) and stops a
# small PNG that declares a huge canvas: nine 62 KB PNGs of 64 MP once took 11.5 s and 555 MB to decode.
DEFAULT_MAX_PIXELS = 40_000_000
# What one request may bring in all: its files' bytes and their decoded pixels (about three full-size photos),
# so a request with many large pictures is refused before any of them is decoded.
DEFAULT_MAX_REQUEST_MB = 30
DEFAULT_MAX_REQUEST_PIXELS = 120_000_000
# Evidence photos are read on screens; 2 560 px on the long side keeps a street sign legible at a tenth
# of the bytes of a phone's original.
DEFAULT_MAX_SIDE = 2560
DEFAULT_THUMB_SIDE = 320
DEFAULT_MAX_PER_OWNER_KIND = 30  # a guard against runaway clients, not a user-facing quota
JPEG_QUALITY = 85
THUMB_QUALITY = 80

VARIANTS = ("full", "thumb")

# Pillow's format name → content types a client may honestly declare, and file extensions that fit.
# MPO is what Pillow calls the multi-picture JPEG that many phones write; it is a JPEG to everyone else.
_FORMATS = {
    "JPEG": ({"image/jpeg", "image/jpg", "image/pjpeg"}, {".jpg", ".jpeg", ".jpe", ".jfif"}),
    "MPO": ({"image/jpeg", "image/jpg", "image/pjpeg"}, {".jpg", ".jpeg", ".jpe", ".jfif"}),
    "PNG": ({"image/png", "image/x-png"}, {".png"}),
    "WEBP": ({"image/webp"}, {".webp"}),
}
_FORMAT_LABELS = {"JPEG": "JPEG", "MPO": "JPEG", "PNG": "PNG", "WEBP": "WebP"}
# Declared types that say nothing (browsers and curl send these for unknown files): judged by content alone.
_GENERIC_TYPES = {"", "application/octet-stream", "binary/octet-stream", "application/unknown"}
_KIND_RE = re.compile(r"^[a-z][a-z0-9_]{0,31}$")

# EXIF tags whose presence is worth naming in the audit row (values are never recorded).
_SENSITIVE_TAGS = {
    0x8825: "GPS",
    0x010F: "Make",
    0x0110: "Model",
    0xA431: "BodySerialNumber",
    0xA434: "LensModel",
    0x013B: "Artist",
    0x0131: "Software",
    0x9003: "DateTimeOriginal",
}


# ---------------------------------------------------------------------------------------------------------
# Settings, read when used (never at import time)


def max_upload_bytes() -> int:
    return int(float(getattr(settings, "JINGZHI_MAX_UPLOAD_MB", DEFAULT_MAX_UPLOAD_MB)) * 1024 * 1024)


def max_pixels() -> int:
    return int(getattr(settings, "JINGZHI_MAX_IMAGE_PIXELS", DEFAULT_MAX_PIXELS))


def max_request_bytes() -> int:
    return int(
        float(getattr(settings, "JINGZHI_MAX_REQUEST_UPLOAD_MB", DEFAULT_MAX_REQUEST_MB)) * 1024 * 1024
    )


def max_request_pixels() -> int:
    return int(getattr(settings, "JINGZHI_MAX_REQUEST_IMAGE_PIXELS", DEFAULT_MAX_REQUEST_PIXELS))


def max_side() -> int:
    return int(getattr(settings, "JINGZHI_IMAGE_MAX_SIDE", DEFAULT_MAX_SIDE))


def thumb_side() -> int:
    return int(getattr(settings, "JINGZHI_THUMBNAIL_SIDE", DEFAULT_THUMB_SIDE))


def max_per_owner_kind() -> int:
    return int(getattr(settings, "JINGZHI_MAX_ATTACHMENTS_PER_KIND", DEFAULT_MAX_PER_OWNER_KIND))


# ---------------------------------------------------------------------------------------------------------
# Owner access registry

_owner_access: dict[str, Callable[[Any, str], bool]] = {}


def register_owner_access(owner_type: str, fn: Callable[[Any, str], bool]) -> Callable[[Any, str], bool]:
    """Let the app that owns `owner_type` rows decide who may see their photos: ``fn(user, owner_id)``
    returns True to allow. `user` may be anonymous; return True for one only for photos meant to be public.
    Call it from the owner app's `AppConfig.ready()`; a later registration replaces an earlier one."""
    _owner_access[str(owner_type)] = fn
    return fn


def unregister_owner_access(owner_type: str) -> None:
    _owner_access.pop(str(owner_type), None)


def owner_access_rule(owner_type: str) -> Callable[[Any, str], bool] | None:
    return _owner_access.get(str(owner_type))


def can_view_attachment(user, attachment: Attachment) -> bool:
    """Deny by default: only the owner type's registered rule can allow, and a rule that fails denies."""
    rule = _owner_access.get(attachment.owner_type)
    if rule is None:
        return False
    try:
        return bool(rule(user, attachment.owner_id))
    except Exception:  # noqa: BLE001 - a broken rule must fail closed, not leak a resident's photo
        logger.exception("attachment access rule for %s failed", attachment.owner_type)
        return False


def access_attachment(user, pk: int) -> Attachment:
    """The attachment, if `user` may see it; the same NotFound whether it is missing or forbidden."""
    attachment = Attachment.objects.filter(pk=pk).first()
    if attachment is None or not can_view_attachment(user, attachment):
        raise NotFound(_("未找到图片 #%(pk)s，或您无权查看。") % {"pk": pk})
    return attachment


# ---------------------------------------------------------------------------------------------------------
# Reads


def _owner_key(owner: Any) -> tuple[str, str]:
    if owner is None:
        raise InvalidInput(_("附件必须属于某个对象（owner）。"), fields={"owner": "required"})
    owner_type, owner_id = audit.target_label(owner)
    if not owner_type or not owner_id or owner_id == "None":
        raise InvalidInput(_("附件所属对象无效：%(owner)r。") % {"owner": owner}, fields={"owner": "invalid"})
    return owner_type, owner_id


def attachments_for(owner: Any, kind: str | None = None) -> QuerySet[Attachment]:
    """Photos of `owner` (a model instance or an (owner_type, owner_id) pair), oldest first; optionally of
    one kind. Unchecked: views must still pass each through `access_attachment` / `can_view_attachment`."""
    owner_type, owner_id = _owner_key(owner)
    rows = Attachment.objects.filter(owner_type=owner_type, owner_id=owner_id)
    if kind:
        rows = rows.filter(kind=kind)
    return rows.order_by("created_at", "id")


# ---------------------------------------------------------------------------------------------------------
# Checking and cleaning a picture (pure: bytes in, bytes out; no database, no storage)


def _human_mb(n: int) -> str:
    """Megabytes for people: 10, 12.35, 0.01 — no trailing zeros."""
    return f"{n / (1024 * 1024):.2f}".rstrip("0").rstrip(".")


def _not_an_image(name: str, reason: str = "") -> InvalidInput:
    message = _("文件 %(name)s 不是有效的图片（仅支持 JPEG/PNG/WebP）") % {"name": name}
    if reason:
        message = f"{message}：{reason}"
    return InvalidInput(message, code="not_an_image", fields={"file": name})


def read_upload(upload: Any, name: str) -> bytes:
    """The upload's bytes, refusing anything over the size limit without reading much past it."""
    limit = max_upload_bytes()
    declared = getattr(upload, "size", None)
    if isinstance(declared, int) and declared > limit:
        raise _too_large(name, declared, limit)
    if isinstance(upload, bytes | bytearray):
        data = bytes(upload)
    else:
        if hasattr(upload, "seek"):
            with contextlib.suppress(OSError, ValueError):
                upload.seek(0)
        chunks, total = [], 0
        if hasattr(upload, "chunks"):
            source = upload.chunks()
        else:
            source = iter(lambda: upload.read(64 * 1024), b"")
        for chunk in source:
            total += len(chunk)
            if total > limit:
                raise _too_large(name, total, limit, at_least=True)
            chunks.append(chunk)
        data = b"".join(chunks)
    if len(data) > limit:
        raise _too_large(name, len(data), limit)
    return data


def _too_large(name: str, size: int, limit: int, *, at_least: bool = False) -> InvalidInput:
    template = (
        _("文件 %(name)s 过大（超过 %(size)s MB），上限为 %(limit)s MB")
        if at_least
        else _("文件 %(name)s 过大（%(size)s MB），上限为 %(limit)s MB")
    )
    return InvalidInput(
        template % {"name": name, "size": _human_mb(size), "limit": _human_mb(limit)},
        code="file_too_large",
        fields={"file": name},
    )


def _check_claims(name: str, fmt: str, declared_type: str | None) -> None:
    """The name's extension and the declared content type must not contradict the content."""
    types, extensions = _FORMATS[fmt]
    label = _FORMAT_LABELS[fmt]
    ext = os.path.splitext(name)[1].lower()
    if ext and ext not in extensions:
        raise _not_an_image(name, _("扩展名 %(ext)s 与文件内容（%(fmt)s）不符") % {"ext": ext, "fmt": label})
    declared = (declared_type or "").split(";")[0].strip().lower()
    if declared not in _GENERIC_TYPES and declared not in types:
        raise _not_an_image(
            name, _("声明的类型 %(type)s 与文件内容（%(fmt)s）不符") % {"type": declared, "fmt": label}
        )


def sensitive_tags(image) -> list[str]:
    """Names (never values) of the personal EXIF tags present, for the audit row."""
    try:
        exif = image.getexif()
    except Exception:  # noqa: BLE001 - unreadable EXIF is dropped all the same
        return []
    tags = set(exif.keys())
    # The Exif sub-IFD holds serial numbers and the lens model; an unreadable one is dropped all the same.
    with contextlib.suppress(Exception):
        tags |= set(exif.get_ifd(0x8769).keys())
    found = [label for tag, label in _SENSITIVE_TAGS.items() if tag in tags]
    if image.info.get("xmp") or image.info.get("XML:com.adobe.xmp"):
        found.append("XMP")
    return sorted(found)


def _to_srgb(image):
    """Convert a picture with an embedded colour profile (phones write Display P3) to sRGB, so dropping the
    profile with the rest of the metadata does not wash its colours out."""
    icc = image.info.get("icc_profile")
    if not icc:
        return image
    try:
        from PIL import ImageCms

        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        target = ImageCms.createProfile("sRGB")
        mode = "RGBA" if image.mode == "RGBA" else "RGB"
        return ImageCms.profileToProfile(image, source, target, outputMode=mode) or image
    except Exception:  # noqa: BLE001 - a broken profile: keep the pixels as they are
        return image


def _flatten(image):
    """RGB pixels only: transparency is laid on white (a photo viewer shows white, a JPEG has no alpha)."""
    from PIL import Image

    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        canvas = Image.new("RGB", rgba.size, (255, 255, 255))
        canvas.paste(rgba, mask=rgba.getchannel("A"))
        return canvas
    if image.mode != "RGB":
        return image.convert("RGB")
    return image


def _encode_jpeg(image, quality: int) -> bytes:
    from PIL import Image

    # A fresh image carries no `info` (EXIF, XMP, ICC, comments): nothing from the upload can ride along.
    clean = Image.new("RGB", image.size)
    clean.paste(image)
    out = io.BytesIO()
    clean.save(out, format="JPEG", quality=quality, optimize=True, progressive=True)
    return out.getvalue()


def open_header(data: bytes, name: str):
    """The picture opened lazily: format and size read from its header, no pixel decoded yet. Refuses (naming
    the file) anything that is not a JPEG/PNG/WebP or declares more pixels than JINGZHI_MAX_IMAGE_PIXELS."""
    from PIL import Image, UnidentifiedImageError

    if not data:
        raise _not_an_image(name, _("文件为空"))
    limit = max_pixels()
    # Pillow's own bomb check (at open, from the header) follows our limit as a backstop: it raises beyond
    # four times the limit (no dimensions to name then) and only warns below that, where the check below
    # refuses naming the picture's dimensions. Every caller sets the same value for the same settings, so
    # the module-level setting does not flip between threads.
    Image.MAX_IMAGE_PIXELS = 2 * limit
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=["JPEG", "PNG", "WEBP"])
    except Image.DecompressionBombError:
        raise _too_many_pixels(name, None, limit) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise _not_an_image(name) from exc
    fmt = (image.format or "").upper()
    if fmt not in _FORMATS:
        raise _not_an_image(name)
    width, height = image.size
    if width <= 0 or height <= 0 or width * height > limit:
        raise _too_many_pixels(name, (width, height), limit)
    return image


def clean_image(data: bytes, name: str, declared_type: str | None = None) -> dict:
    """Check `data` by content and return the cleaned copy and facts about it:
    ``{"full": bytes, "thumb": bytes, "width", "height", "format", "stripped": [tag names]}``.
    Raises InvalidInput for anything that is not a JPEG/PNG/WebP picture we are willing to decode."""
    from PIL import Image, ImageOps

    image = open_header(data, name)
    fmt = (image.format or "").upper()
    _check_claims(name, fmt, declared_type)
    width, height = image.size
    limit = max_pixels()
    stripped = sensitive_tags(image)
    bound = max_side()
    try:
        if fmt in ("JPEG", "MPO"):
            # Let the JPEG decoder scale down by 1/2…1/8 while decoding: a 50 MP photo never sits in memory.
            image.draft("RGB", (bound, bound))
        if getattr(image, "n_frames", 1) > 1:
            image.seek(0)  # an animated WebP/PNG is stored as its first frame
        image.load()
        upright = ImageOps.exif_transpose(image)  # orientation applied, then dropped with the rest
        upright = _flatten(_to_srgb(upright))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_many_pixels(name, (width, height), limit) from None
    except (OSError, SyntaxError, ValueError, EOFError) as exc:  # truncated or corrupt data
        raise _not_an_image(name, _("文件已损坏或不完整")) from exc
    if max(upright.size) > bound:
        upright.thumbnail((bound, bound), Image.Resampling.LANCZOS)
    thumb = upright.copy()
    side = thumb_side()
    thumb.thumbnail((side, side), Image.Resampling.LANCZOS)
    return {
        "full": _encode_jpeg(upright, JPEG_QUALITY),
        "thumb": _encode_jpeg(thumb, THUMB_QUALITY),
        "width": upright.size[0],
        "height": upright.size[1],
        "format": _FORMAT_LABELS[fmt],
        "stripped": stripped,
    }


def _too_many_pixels(name: str, size: tuple[int, int] | None, limit: int) -> InvalidInput:
    if size:
        message = _("图片 %(name)s 像素过多（%(w)d×%(h)d），上限为 %(limit)d 万像素") % {
            "name": name,
            "w": size[0],
            "h": size[1],
            "limit": limit // 10_000,
        }
    else:
        message = _("图片 %(name)s 像素过多，上限为 %(limit)d 万像素") % {
            "name": name,
            "limit": limit // 10_000,
        }
    return InvalidInput(message, code="too_many_pixels", fields={"file": name})


# ---------------------------------------------------------------------------------------------------------
# The write path


def _upload_name(upload: Any) -> str:
    raw = str(getattr(upload, "name", "") or "")
    # Browsers on Windows once sent full paths; keep the last part only, and never a path into storage.
    base = raw.replace("\\", "/").rsplit("/", 1)[-1].strip()
    return base[:255] or _("未命名图片")


def _store_bytes(name: str, data: bytes) -> str:
    """Write `data` at `name` unless that content-addressed file is already there; the stored name."""
    if default_storage.exists(name):
        return name
    return default_storage.save(name, ContentFile(data))


@dataclass(frozen=True)
class PreparedImage:
    """An upload already read, checked and cleaned (`prepare_image`): storing it is only file writes and
    rows, so a caller can do the slow part before it opens its transaction."""

    name: str
    original_bytes: int
    cleaned: dict


def prepare_image(upload: Any) -> PreparedImage:
    """Read, check and clean one upload (pure: no database, no storage); InvalidInput naming the file."""
    if isinstance(upload, PreparedImage):
        return upload
    name = _upload_name(upload)
    data = read_upload(upload, name)
    cleaned = clean_image(data, name, getattr(upload, "content_type", None))
    return PreparedImage(name=name, original_bytes=len(data), cleaned=cleaned)


def prepare_images(uploads) -> list[PreparedImage]:
    """`prepare_image` for all the uploads of one request, with the request's own limits checked first:
    every file is read (bytes capped per file and in all, JINGZHI_MAX_REQUEST_UPLOAD_MB) and every header
    looked at (pixels capped per picture and in all, JINGZHI_MAX_REQUEST_IMAGE_PIXELS) before any picture is
    decoded, so nine huge canvases cost nine header reads, not nine decodes."""
    uploads = list(uploads or ())
    byte_limit, pixel_limit = max_request_bytes(), max_request_pixels()
    read: list[tuple[Any, str, bytes]] = []
    total_bytes = total_pixels = 0
    for upload in uploads:
        if isinstance(upload, PreparedImage):
            read.append((upload, upload.name, b""))
            continue
        name = _upload_name(upload)
        data = read_upload(upload, name)
        total_bytes += len(data)
        if total_bytes > byte_limit:
            raise InvalidInput(
                _("本次上传的文件合计超过 %(limit)s MB（到 %(name)s 为止），请分次上传或压缩后再试")
                % {"limit": _human_mb(byte_limit), "name": name},
                code="files_too_large",
                fields={"file": name},
            )
        width, height = open_header(data, name).size
        total_pixels += width * height
        if total_pixels > pixel_limit:
            raise InvalidInput(
                _("本次上传的图片合计超过 %(limit)d 万像素（到 %(name)s 为止），请分次上传或缩小后再试")
                % {"limit": pixel_limit // 10_000, "name": name},
                code="too_many_pixels",
                fields={"file": name},
            )
        read.append((upload, name, data))
    prepared = []
    for upload, name, data in read:
        if isinstance(upload, PreparedImage):
            prepared.append(upload)
            continue
        cleaned = clean_image(data, name, getattr(upload, "content_type", None))
        prepared.append(PreparedImage(name=name, original_bytes=len(data), cleaned=cleaned))
    return prepared


def do_store_image(*, actor, upload: Any, owner: Any, kind: str = "before") -> Attachment:
    """Check, clean and store one uploaded picture for `owner` ((type, id) or a model instance).

    `upload` is a Django UploadedFile (or any file-like with `name`, or raw bytes), or a PreparedImage
    when the caller checked and cleaned it before opening its transaction. Raises InvalidInput
    naming the file for: not a JPEG/PNG/WebP picture, a name or declared type contradicting the content,
    more bytes than ``JINGZHI_MAX_UPLOAD_MB``, more pixels than ``JINGZHI_MAX_IMAGE_PIXELS``, or too many
    photos of this kind on this owner. Runs inside the caller's transaction and leaves an audit row."""
    owner_type, owner_id = _owner_key(owner)
    kind = (kind or "").strip()
    if not _KIND_RE.match(kind):
        raise InvalidInput(
            _("图片用途“%(kind)s”无效：应为小写英文字母、数字或下划线，例如 before、after。")
            % {"kind": kind},
            fields={"kind": kind},
        )
    prepared = prepare_image(upload)
    name, cleaned = prepared.name, prepared.cleaned
    digest = hashlib.sha256(cleaned["full"]).hexdigest()
    stamp = timezone.localtime(clock.now())
    folder = f"attachments/{stamp:%Y}/{stamp:%m}"
    user = actor if getattr(actor, "is_authenticated", False) and getattr(actor, "pk", None) else None
    with transaction.atomic():
        count = Attachment.objects.filter(owner_type=owner_type, owner_id=owner_id, kind=kind).count()
        if count >= max_per_owner_kind():
            raise InvalidInput(
                _("同一对象的“%(kind)s”图片已有 %(n)d 张，达到上限。") % {"kind": kind, "n": count},
                code="too_many_files",
                fields={"file": name},
            )
        # Files are written inside the transaction: a rollback leaves an unreferenced, content-addressed
        # file (harmless, reused by the next identical upload), never a row pointing at nothing.
        full_name = _store_bytes(f"{folder}/{digest}.jpg", cleaned["full"])
        thumb_name = _store_bytes(f"{folder}/{digest}.thumb.jpg", cleaned["thumb"])
        attachment = Attachment.objects.create(
            owner_type=owner_type,
            owner_id=owner_id,
            kind=kind,
            file=full_name,
            thumbnail=thumb_name,
            content_type="image/jpeg",
            size=len(cleaned["full"]),
            width=cleaned["width"],
            height=cleaned["height"],
            original_name=name,
            sha256=digest,
            uploaded_by=user,
            created_at=stamp,
        )
        audit.record(
            actor=actor,
            verb=Verb.STORED,
            target=attachment,
            new={
                "owner": f"{owner_type}:{owner_id}",
                "kind": kind,
                "sha256": digest,
                "size": attachment.size,
                "width": attachment.width,
                "height": attachment.height,
                "original_name": name,
                "original_format": cleaned["format"],
                "original_bytes": prepared.original_bytes,
                "metadata_removed": cleaned["stripped"],
            },
        )
    return attachment


# ---------------------------------------------------------------------------------------------------------
# Files left behind by rolled-back uploads

ROOT_FOLDER = "attachments"
DEFAULT_SWEEP_AGE = timedelta(hours=24)


def _walk(folder: str):
    """Every file name under `folder` in the default storage (storage-relative, "/"-separated)."""
    try:
        folders, files = default_storage.listdir(folder)
    except (FileNotFoundError, NotADirectoryError):
        return
    for name in files:
        yield f"{folder}/{name}"
    for sub in folders:
        yield from _walk(f"{folder}/{sub}")


def orphan_files(*, older_than: timedelta = DEFAULT_SWEEP_AGE) -> list[str]:
    """Stored files no Attachment row names (as file or thumbnail) and untouched for `older_than`: what an
    upload leaves when its transaction rolls back after the file was written. Younger files are left alone,
    since their transaction may still be about to commit."""
    cutoff = clock.now() - older_than
    by_folder: dict[str, list[str]] = {}
    for name in _walk(ROOT_FOLDER):
        by_folder.setdefault(name.rsplit("/", 1)[0], []).append(name)
    orphans = []
    for folder, names in sorted(by_folder.items()):
        rows = Attachment.objects.filter(
            models.Q(file__startswith=f"{folder}/") | models.Q(thumbnail__startswith=f"{folder}/")
        )
        used = {n for pair in rows.values_list("file", "thumbnail") for n in pair if n}
        for name in sorted(names):
            if name not in used and default_storage.get_modified_time(name) < cutoff:
                orphans.append(name)
    return orphans


def do_sweep_orphan_files(
    *, actor=None, older_than: timedelta = DEFAULT_SWEEP_AGE, dry_run: bool = False
) -> list[str]:
    """Delete `orphan_files(older_than=…)` and leave one audit row naming them (content hashes only, no
    personal data). A name that an upload re-used between the listing and the delete is kept."""
    orphans = orphan_files(older_than=older_than)
    if dry_run or not orphans:
        return orphans
    deleted = []
    with transaction.atomic():
        for name in orphans:
            if Attachment.objects.filter(models.Q(file=name) | models.Q(thumbnail=name)).exists():
                continue
            default_storage.delete(name)
            deleted.append(name)
        if deleted:
            audit.record(
                actor=actor,
                verb=Verb.SWEPT,
                target=("core.attachment", "files"),
                new={"deleted": deleted, "older_than_hours": older_than.total_seconds() / 3600},
            )
    return deleted


def open_variant(attachment: Attachment, variant: str):
    """The stored file of `variant` ("full" or "thumb") opened for reading; NotFound when absent."""
    if variant not in VARIANTS:
        raise NotFound(_("图片规格“%(v)s”不存在，可用：full、thumb。") % {"v": variant})
    field = attachment.thumbnail if variant == "thumb" else attachment.file
    if not field or not field.name:
        field = attachment.file
    try:
        return field.storage.open(field.name, "rb")
    except (FileNotFoundError, OSError) as exc:
        logger.error("attachment %s: stored file %s is missing", attachment.pk, field.name)
        raise NotFound(_("图片 #%(pk)s 的文件缺失。") % {"pk": attachment.pk}) from exc


# ---------------------------------------------------------------------------------------------------------
# Draft photos: pictures a person chose for a form that has not gone through yet
#
# A resident's report may fail (no location, outside every grid, a rate limit) after the photos were sent.
# Rather than make them pick the photos again, the interface keeps each upload as a draft attachment owned
# by the person ("core.draft", user id), shows it again, and hands the draft ids to the action that finally
# takes them (`do_claim_drafts` moves them to their real owner inside that action's transaction). Drafts
# pass the same checks as every upload, only their uploader may see them, and those older than
# JINGZHI_DRAFT_PHOTO_HOURS (default 24) are ignored and removed by `do_sweep_drafts`
# (`jingzhi attachments sweep-drafts`, daily from cron, before the orphan-file sweep).

DRAFT_OWNER = "core.draft"
DEFAULT_DRAFT_HOURS = 24


class DraftVerb(AuditVerb):
    """Audit verbs of draft photos; stored in rows, so never rename a value."""

    CLAIMED = "attachment.draft_claimed"
    DISCARDED = "attachment.draft_discarded"
    EXPIRED = "attachment.draft_expired"


def draft_lifetime() -> timedelta:
    return timedelta(hours=float(getattr(settings, "JINGZHI_DRAFT_PHOTO_HOURS", DEFAULT_DRAFT_HOURS)))


def _draft_owner_id(actor) -> str:
    if not getattr(actor, "is_authenticated", False) or not getattr(actor, "pk", None):
        raise InvalidInput(_("请先登录再上传照片"), code="login_required", fields={"file": "login"})
    return str(actor.pk)


def can_view_draft(user, owner_id: str) -> bool:
    """Only the person who uploaded a draft sees it (registered for DRAFT_OWNER in CoreConfig.ready)."""
    return bool(getattr(user, "is_authenticated", False)) and str(getattr(user, "pk", "")) == str(owner_id)


def drafts_for(actor, ids=None) -> QuerySet[Attachment]:
    """The person's live draft photos (not yet expired), oldest first; only `ids` among them when given."""
    if not getattr(actor, "is_authenticated", False):
        return Attachment.objects.none()
    rows = Attachment.objects.filter(
        owner_type=DRAFT_OWNER, owner_id=str(actor.pk), created_at__gt=clock.now() - draft_lifetime()
    )
    if ids is not None:
        rows = rows.filter(pk__in=[int(i) for i in ids if str(i).isdigit()])
    return rows.order_by("created_at", "id")


def do_store_drafts(*, actor, uploads, kind: str = "draft") -> list[Attachment]:
    """Check (the request's limits and each file's, as for any upload) and keep `uploads` as the actor's
    drafts; InvalidInput naming the file stores none of them."""
    owner = (DRAFT_OWNER, _draft_owner_id(actor))
    prepared = prepare_images(uploads)
    with transaction.atomic():
        return [do_store_image(actor=actor, upload=p, owner=owner, kind=kind) for p in prepared]


def do_claim_drafts(*, actor, ids, owner: Any, kind: str) -> list[int]:
    """Move the actor's drafts `ids` to `owner` as `kind` photos, inside the caller's transaction. A draft
    that is not the actor's, has expired or was already used is refused by number (InvalidInput), so the
    caller's whole action rolls back rather than file without a photo the person saw."""
    ids = [int(i) for i in ids or () if str(i).strip()]
    if not ids:
        return []
    owner_id_of_actor = _draft_owner_id(actor)
    owner_type, owner_id = _owner_key(owner)
    with transaction.atomic():
        rows = list(drafts_for(actor, ids).select_for_update())
        found = {r.pk for r in rows}
        missing = [i for i in ids if i not in found]
        if missing:
            raise InvalidInput(
                _("照片 #%(ids)s 已过期或已使用，请重新选择照片")
                % {"ids": "、#".join(str(i) for i in missing)},
                code="draft_gone",
                fields={"draft_photos": missing},
            )
        present = Attachment.objects.filter(owner_type=owner_type, owner_id=owner_id, kind=kind).count()
        if present + len(rows) > max_per_owner_kind():
            raise InvalidInput(
                _("同一对象的“%(kind)s”图片最多 %(n)d 张。") % {"kind": kind, "n": max_per_owner_kind()},
                code="too_many_files",
                fields={"draft_photos": ids},
            )
        for row in rows:
            row.owner_type, row.owner_id, row.kind = owner_type, owner_id, kind
            row.save(update_fields=["owner_type", "owner_id", "kind"])
        audit.record(
            actor=actor,
            verb=DraftVerb.CLAIMED,
            target=(owner_type, owner_id),
            new={"attachments": [r.pk for r in rows], "kind": kind, "draft_of": owner_id_of_actor},
        )
    return [r.pk for r in rows]


def do_discard_drafts(*, actor, ids) -> int:
    """Delete the actor's drafts `ids` (a photo removed from the form). Files stay until the orphan sweep,
    since another row may hold the same content-addressed file."""
    rows = drafts_for(actor, ids)
    with transaction.atomic():
        gone = [r.pk for r in rows]
        if not gone:
            return 0
        Attachment.objects.filter(pk__in=gone).delete()
        audit.record(
            actor=actor,
            verb=DraftVerb.DISCARDED,
            target=(DRAFT_OWNER, str(actor.pk)),
            new={"attachments": gone},
        )
    return len(gone)


def do_sweep_drafts(*, actor=None, older_than: timedelta | None = None) -> int:
    """Delete every draft older than the draft lifetime (or `older_than`), with one audit row."""
    cutoff = clock.now() - (older_than if older_than is not None else draft_lifetime())
    with transaction.atomic():
        gone = list(
            Attachment.objects.filter(owner_type=DRAFT_OWNER, created_at__lte=cutoff).values_list(
                "pk", flat=True
            )
        )
        if not gone:
            return 0
        Attachment.objects.filter(pk__in=gone).delete()
        audit.record(
            actor=actor, verb=DraftVerb.EXPIRED, target=(DRAFT_OWNER, "expired"), new={"attachments": gone}
        )
    return len(gone)
