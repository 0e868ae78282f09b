"""The in-app inbox (站内通知) for staff and residents, and the unread count for the header.

Every row is fetched through `core.notifications` (`notifications_for`, `access_notification`), so a person
sees only their own notifications and another's answers 404 exactly like a missing one. Marking read goes
through the audited actions; an htmx request gets back just the row (and the header badge, out of band),
a plain form post a redirect to the list.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from jingzhi.core import notifications
from jingzhi.core.errors import NotFound

PAGE_SIZE = 30


def inbox_context(request) -> dict:
    """Context processor: `unread_count` for the header badge (0 for anonymous visitors, no query)."""
    user = getattr(request, "user", None)
    if not getattr(user, "is_authenticated", False):
        return {"unread_count": 0}
    return {"unread_count": notifications.unread_count(user)}


def _access(user, pk):
    try:
        return notifications.access_notification(user, pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc


@login_required
@require_GET
def inbox(request):
    only_unread = request.GET.get("unread") == "1"
    rows = notifications.notifications_for(request.user, unread_only=only_unread)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "rows": page.object_list, "only_unread": only_unread, **inbox_context(request)}
    return render(request, "web/inbox.html", context)


@login_required
@require_POST
def mark_read(request, pk: int):
    row = _access(request.user, pk)
    try:
        notifications.do_mark_read(actor=request.user, notification_ids=[row.pk])
    except NotFound as exc:
        raise Http404(exc.message) from exc
    if getattr(request, "htmx", False):
        row.refresh_from_db(fields=["read_at"])
        return render(request, "web/inbox.html#row", {"n": row, "oob_badge": True, **inbox_context(request)})
    return redirect("web:inbox")


@login_required
@require_POST
def mark_all_read(request):
    count = notifications.do_mark_all_read(actor=request.user)
    if count:
        messages.success(request, _("已将 %(n)d 条通知标为已读。") % {"n": count})
    return redirect("web:inbox")


@login_required
@require_GET
def go(request, pk: int):
    """Open what a notification is about: marks it read (only the recipient can) and follows its link.
    A notification without a link opens the inbox."""
    row = _access(request.user, pk)
    if row.read_at is None:
        notifications.do_mark_read(actor=request.user, notification_ids=[row.pk])
    # The link was checked to be a path on this site when the notification was written.
    if row.link.startswith("/") and not row.link.startswith("//"):
        return redirect(row.link)
    return redirect("web:inbox")
