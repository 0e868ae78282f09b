"""Serving stored photos, only to those the owner app allows.

Nothing under MEDIA_ROOT is served directly (there is no /media/ route, and deployments must not add one
for attachments/): every picture goes through `attachment_file`, which asks
`core.attachments.access_attachment` — the owner app's registered rule, deny by default — and answers 404
alike for a missing and a forbidden photo. Responses are private to the browser and carry the content hash
as ETag, so a repeated view costs a 304.
"""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpResponseNotModified
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from jingzhi.core import attachments
from jingzhi.core.errors import NotFound


@require_GET
def attachment_file(request, pk: int, variant: str):
    try:
        attachment = attachments.access_attachment(request.user, pk)
        if variant not in attachments.VARIANTS:
            raise NotFound(_("图片规格“%(variant)s”不存在") % {"variant": variant})
        etag = f'"{attachment.sha256}-{variant}"'
        if etag in [t.strip() for t in request.headers.get("If-None-Match", "").split(",")]:
            response = HttpResponseNotModified()
        else:
            handle = attachments.open_variant(attachment, variant)
            response = FileResponse(handle, content_type=attachment.content_type)
            stem = (attachment.original_name.rsplit(".", 1)[0] or "photo") + (
                ".thumb" if variant == "thumb" else ""
            )
            response["Content-Disposition"] = content_disposition_header(False, f"{stem}.jpg")
    except NotFound as exc:
        raise Http404(exc.message) from exc
    response["ETag"] = etag
    # Personal data may be in the picture itself: no shared cache may keep it.
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    response["Vary"] = "Cookie"
    return response
