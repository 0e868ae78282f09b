"""导入热线工单 (/cases/hotline/import/): the 12345 centre uploads an Excel/CSV file; a background job
imports it (all or nothing, `actions.do_import_hotline_orders`) and the page shows a progress bar, polled
with htmx, then the counts or every bad row. Who may import is `permissions.can_import_hotline`."""

from __future__ import annotations

import secrets

from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.files.storage import default_storage
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from jingzhi.cases import permissions
from jingzhi.cases.tasks import import_hotline_file, import_progress_key
from jingzhi.core.tasks import enqueue_after_commit

MAX_BYTES = 50 * 1024 * 1024


def _allowed(user) -> None:
    if not permissions.can_import_hotline(user):
        raise DjangoPermissionDenied(_("只有受理员、值班长或区管理员可以导入热线工单"))


@login_required
@require_http_methods(["GET", "POST"])
def hotline_import(request):
    _allowed(request.user)
    error = ""
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            error = _("请选择要导入的工单文件（Excel 或 CSV）")
        elif upload.size > MAX_BYTES:
            error = _("文件超过 %(n)d MB，请分成几个文件导入") % {"n": MAX_BYTES // (1024 * 1024)}
        else:
            token = secrets.token_urlsafe(16)
            path = default_storage.save(f"imports/hotline/{token}", upload)
            # The page is the uploader's: the token is remembered in their session.
            request.session.setdefault("hotline_imports", [])
            request.session["hotline_imports"] = [*request.session["hotline_imports"][-9:], token]
            cache.set(
                import_progress_key(token), {"stage": "queued", "done": 0, "total": 0, "finished": False}
            )
            enqueue_after_commit(import_hotline_file, path, request.user.pk, token)
            return redirect("web:hotline_import_status", token=token)
    return render(request, "web/cases/hotline_import.html", {"error": error})


@login_required
@require_GET
def hotline_import_status(request, token: str):
    _allowed(request.user)
    if token not in request.session.get("hotline_imports", []):
        raise Http404(_("没有这次导入"))
    state = cache.get(import_progress_key(token)) or {"stage": "gone", "finished": True}
    total = state.get("total") or 0
    context = {
        "token": token,
        "s": state,
        "percent": int(100 * state.get("done", 0) / total) if total else 0,
    }
    if getattr(request, "htmx", False):
        return render(request, "web/cases/hotline_import.html#progress", context)
    return render(request, "web/cases/hotline_import.html", context)
