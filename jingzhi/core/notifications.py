"""Telling people: the in-app inbox, e-mail and SMS, all decided inside an action and sent only after commit.

An action that changes something people must hear about calls `notify(recipients=..., verb=..., title=...,
body=..., link=..., target=case)` inside its transaction. The inbox rows are written there and then, so they
commit or roll back with the change; e-mail and SMS copies become one job per batch of recipients in the job
outbox (`jingzhi.core.tasks.enqueue_after_commit` → `jingzhi.core.jobs`), written in the same transaction
and sent only after commit, so a rolled-back change never messages anyone and a committed one is never
forgotten; a failed send is retried for that recipient alone. Jobs carry user ids, never addresses or phone
numbers: the worker reads them at send time (personal data stays out of the queue).

`notify` writes no audit row of its own: the action that called it has already audited the change being
reported. Marking notifications read (`do_mark_read`, `do_mark_all_read`) is audited, because a resident's
having opened an official notice can matter later.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import BooleanField, Count, ExpressionWrapper, Q, QuerySet
from django.utils import translation
from django.utils.translation import gettext as _
from django_tasks import task

from jingzhi.core import audit, clock, prepared
from jingzhi.core.audit_verbs import AuditVerb
from jingzhi.core.errors import InvalidInput, NotFound
from jingzhi.core.jobs import RetryLater
from jingzhi.core.models import Notification
from jingzhi.core.sms import get_sms_backend, mask_phone
from jingzhi.core.tasks import enqueue_after_commit
from jingzhi.core.text import listing

logger = logging.getLogger(__name__)

INBOX, EMAIL, SMS = "inbox", "email", "sms"
CHANNELS = (INBOX, EMAIL, SMS)
TITLE_MAX = 200
DEFAULT_SMS_MAX_CHARS = 140  # two concatenated 70-character segments: long enough, and a bounded cost
_TASK_BATCH = 200  # recipients per queued send, so one notice to a whole community is not one huge job


class Verb(AuditVerb):
    """Audit verbs of this module; stored in rows, so never rename a value."""

    READ = "notification.read"
    ALL_READ = "notification.all_read"


def enabled_channels() -> tuple[str, ...]:
    """Channels this deployment sends on (``JINGZHI_NOTIFICATION_CHANNELS``, default all three)."""
    configured = getattr(settings, "JINGZHI_NOTIFICATION_CHANNELS", CHANNELS)
    return tuple(c for c in CHANNELS if c in configured)


def _recipients(recipients: Iterable[Any]) -> list[tuple[int, bool, bool]]:
    """(id, has an e-mail address, has a phone) of the active users among `recipients` (users or ids), each
    once, in the order given: one read, which also keeps a copies job from being queued for nobody."""
    wanted: list[int] = []
    for r in recipients or ():
        pk = getattr(r, "pk", r)
        if pk is None:
            continue
        pk = int(pk)
        if pk not in wanted:
            wanted.append(pk)
    if not wanted:
        return []
    found = {
        pk: (bool(email), bool(str(phone or "").strip()))
        for pk, email, phone in get_user_model()
        .objects.filter(pk__in=wanted, is_active=True)
        .values_list("pk", "email", "phone")
    }
    return [(pk, *found[pk]) for pk in wanted if pk in found]


def _recipient_ids(recipients: Iterable[Any]) -> list[int]:
    """Active users among `recipients` (users or ids), each once, in the order given."""
    return [pk for pk, _email, _phone in _recipients(recipients)]


# Copies of several notices written by one piece of work (`copies_in_one_job`), per thread.
_gathering = threading.local()


@contextlib.contextmanager
def copies_in_one_job():
    """Inside this block the e-mail and SMS copies of every `notify` become one job, written when the block
    ends (still inside the caller's transaction), instead of one job per notice: a background job that tells
    the reporter and the staff of a new case queues one send, not two. Nested blocks join the outer one.
    Only around work that succeeds or fails as a whole: the copies of a notice written inside a savepoint
    that then rolls back (while the block goes on) would still be queued."""
    if getattr(_gathering, "messages", None) is not None:
        yield
        return
    _gathering.messages = []
    try:
        yield
        messages = _gathering.messages
    finally:
        _gathering.messages = None
    for start in range(0, len(messages), _TASK_BATCH):
        enqueue_after_commit(send_notices_copies, messages[start : start + _TASK_BATCH])


def _check_link(link: str) -> str:
    link = (link or "").strip()
    # Only paths on this site: an inbox must never carry a javascript: or off-site link.
    if link and (not link.startswith("/") or link.startswith("//") or "\\" in link):
        raise InvalidInput(
            _("通知链接“%(link)s”无效：只能是本站路径（以 / 开头）。") % {"link": link}, fields={"link": link}
        )
    return link


def _short_title(title: str) -> str:
    title = " ".join(str(title or "").split())
    if not title:
        raise InvalidInput(_("通知标题不能为空。"), fields={"title": "required"})
    return title if len(title) <= TITLE_MAX else title[: TITLE_MAX - 1] + "…"


def _render(text) -> str:
    return str((text() if callable(text) else text) or "")


def notify(
    *,
    recipients: Iterable[Any],
    verb: str,
    title: str | Callable[[], str],
    body: str | Callable[[], str] = "",
    link: str = "",
    target: Any = None,
    channels: Iterable[str] = CHANNELS,
) -> list[Notification]:
    """Tell `recipients` (users or user ids; inactive users and repeats are skipped) about something.

    Writes one inbox row per recipient now, in the caller's transaction, and queues e-mail (to those with an
    address) and SMS (to those with a phone) for after commit. `link` is a path on this site; `target` a
    model instance or an (type, id) pair the message is about. `title` and `body` may be zero-argument
    callables (`lambda: _("…") % {…}`): they are then rendered once in each interface language and the inbox
    shows each reader their own (e-mail and SMS go in the sender's active language). Returns the inbox rows
    written."""
    channels = tuple(channels)
    unknown = [c for c in channels if c not in CHANNELS]
    if unknown:
        raise InvalidInput(
            _("未知的通知渠道：%(c)s（可用：inbox、email、sms）。") % {"c": listing(unknown)},
            fields={"channels": unknown},
        )
    channels = tuple(c for c in channels if c in enabled_channels())
    texts = {}
    if callable(title) or callable(body):
        for code, _name in settings.LANGUAGES:
            with translation.override(code):
                texts[code] = {"title": _short_title(_render(title)), "body": _render(body)}
    title = _short_title(_render(title))
    body = _render(body)
    link = _check_link(link)
    target_type, target_id = audit.target_label(target) if target is not None else ("", "")
    people = _recipients(recipients)
    ids = [pk for pk, _email, _phone in people]
    if not ids or not channels:
        return []
    rows: list[Notification] = []
    if INBOX in channels:
        now = clock.now()
        rows = Notification.objects.bulk_create(
            Notification(
                recipient_id=pk,
                verb=verb[:64],
                title=title,
                body=body,
                texts=texts,
                link=link,
                target_type=target_type,
                target_id=target_id,
                created_at=now,
            )
            for pk in ids
        )
    # Copies only to those who can get one: a notice to residents without an address queues no job.
    email_ids = [pk for pk, email, _phone in people if email] if EMAIL in channels else []
    sms_ids = [pk for pk, _email, phone in people if phone] if SMS in channels else []
    gathering = getattr(_gathering, "messages", None)
    for start in range(0, max(len(email_ids), len(sms_ids)), _TASK_BATCH):
        part = {
            "title": title,
            "body": body,
            "link": link,
            "email_ids": email_ids[start : start + _TASK_BATCH],
            "sms_ids": sms_ids[start : start + _TASK_BATCH],
        }
        if gathering is not None:
            gathering.append(part)
        else:
            enqueue_after_commit(
                send_notification_copies,
                title,
                body,
                link,
                **{"email_ids": part["email_ids"], "sms_ids": part["sms_ids"]},
            )
    return rows


# ---------------------------------------------------------------------------------------------------------
# Adapters, run by the Tasks API after commit


def absolute_link(link: str) -> str:
    """`link` prefixed with ``JINGZHI_SITE_URL`` (e.g. https://jingzhi.example.gov.cn) when that is set."""
    base = str(getattr(settings, "JINGZHI_SITE_URL", "") or "").rstrip("/")
    return f"{base}{link}" if link and base else link


def email_text(title: str, body: str, link: str) -> tuple[str, str]:
    subject = _("【精治】%(title)s") % {"title": title}
    parts = [body.strip()] if body.strip() else [title]
    if link:
        parts.append(_("查看详情：%(url)s") % {"url": absolute_link(link)})
    parts.append(_("—— 本邮件由精治平台自动发送，请勿直接回复。"))
    return subject, "\n\n".join(parts)


def sms_text(title: str, body: str) -> str:
    signature = str(getattr(settings, "JINGZHI_SMS_SIGNATURE", "精治"))
    limit = int(getattr(settings, "JINGZHI_SMS_MAX_CHARS", DEFAULT_SMS_MAX_CHARS))
    text = f"【{signature}】{title}"
    body = " ".join(str(body or "").split())
    if body:
        text = f"{text}：{body}"
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _contacts(user_ids: Iterable[int]) -> dict[int, tuple[str, str]]:
    """(e-mail, phone) of the active ones among `user_ids`, read at send time (never carried in a job)."""
    ids = sorted({int(pk) for pk in user_ids})
    if not ids:
        return {}
    rows = get_user_model().objects.filter(pk__in=ids, is_active=True).values_list("pk", "email", "phone")
    return {pk: (email or "", str(phone or "").strip()) for pk, email, phone in rows}


def _send_emails(
    user_ids: list[int], title: str, body: str, link: str, contacts: dict | None = None
) -> tuple[int, int, list[int]]:
    """(sent, skipped for want of an address, ids whose send failed)."""
    subject, message = email_text(title, body, link)
    contacts = _contacts(user_ids) if contacts is None else contacts
    sent = skipped = 0
    failed: list[int] = []
    for pk in user_ids:
        if pk not in contacts:
            continue
        email = contacts[pk][0]
        if not email:
            skipped += 1
            continue
        try:
            send_mail(subject, message, None, [email], fail_silently=False)
            sent += 1
        except Exception:  # noqa: BLE001 - one bad address must not stop the others; it is retried alone
            failed.append(pk)
            logger.exception("notification e-mail to user %s failed", pk)
    return sent, skipped, failed


def _send_sms(
    user_ids: list[int], title: str, body: str, contacts: dict | None = None
) -> tuple[int, int, list[int]]:
    text = sms_text(title, body)
    contacts = _contacts(user_ids) if contacts is None else contacts
    backend = get_sms_backend() if any(contacts.get(pk, ("", ""))[1] for pk in user_ids) else None
    sent = skipped = 0
    failed: list[int] = []
    for pk in user_ids:
        if pk not in contacts:
            continue
        phone = contacts[pk][1]
        if not phone or backend is None:
            skipped += 1
            continue
        try:
            backend.send(phone, text)
            sent += 1
        except Exception:  # noqa: BLE001 - the gateway failing for one number must not stop the others
            failed.append(pk)
            logger.exception("notification SMS to user %s (%s) failed", pk, mask_phone(phone))
    return sent, skipped, failed


@task()
def send_notification_copies(
    title: str,
    body: str,
    link: str = "",
    email_ids: list[int] | None = None,
    sms_ids: list[int] | None = None,
) -> dict:
    """One notice's e-mail and SMS copies for a batch of recipients: one job, not one per channel. Those
    whose send failed are retried later by the job outbox (`RetryLater` with only them); those already
    reached are not sent again."""
    email_ids, sms_ids = list(email_ids or ()), list(sms_ids or ())
    contacts = _contacts(email_ids + sms_ids)  # one read for both channels
    e_sent, e_skipped, e_failed = _send_emails(email_ids, title, body, link, contacts)
    s_sent, s_skipped, s_failed = _send_sms(sms_ids, title, body, contacts)
    if e_failed or s_failed:
        raise RetryLater(
            f"e-mail failed for users {e_failed}, SMS failed for users {s_failed}",
            args=[],
            kwargs={"title": title, "body": body, "link": link, "email_ids": e_failed, "sms_ids": s_failed},
        )
    return {"sent": e_sent + s_sent, "skipped": e_skipped + s_skipped, "failed": 0}


@task()
def send_notices_copies(messages: list[dict]) -> dict:
    """The e-mail and SMS copies of several notices (`copies_in_one_job`): one job, one read of the
    recipients' contacts. Those whose send failed are retried later with only their part left."""
    ids: list[int] = []
    for m in messages:
        ids += list(m.get("email_ids") or ()) + list(m.get("sms_ids") or ())
    contacts = _contacts(ids)
    sent = skipped = 0
    left: list[dict] = []
    for m in messages:
        title, body, link = m["title"], m["body"], m.get("link", "")
        e_sent, e_skipped, e_failed = _send_emails(
            list(m.get("email_ids") or ()), title, body, link, contacts
        )
        s_sent, s_skipped, s_failed = _send_sms(list(m.get("sms_ids") or ()), title, body, contacts)
        sent, skipped = sent + e_sent + s_sent, skipped + e_skipped + s_skipped
        if e_failed or s_failed:
            left.append(
                {"title": title, "body": body, "link": link, "email_ids": e_failed, "sms_ids": s_failed}
            )
    if left:
        raise RetryLater(f"{len(left)} notices could not be sent to everyone", args=[left], kwargs={})
    return {"sent": sent, "skipped": skipped, "failed": 0}


@task()
def send_email_notifications(user_ids: list[int], title: str, body: str, link: str = "") -> dict:
    """E-mail one notification to those of `user_ids` who are active and have an address."""
    sent, skipped, failed = _send_emails(user_ids, title, body, link)
    return {"sent": sent, "skipped": skipped, "failed": len(failed)}


@task()
def send_sms_notifications(user_ids: list[int], title: str, body: str) -> dict:
    """Text one notification to those of `user_ids` who are active and have a phone number."""
    sent, skipped, failed = _send_sms(user_ids, title, body)
    return {"sent": sent, "skipped": skipped, "failed": len(failed)}


# ---------------------------------------------------------------------------------------------------------
# Reads


def notifications_for(user, *, unread_only: bool = False) -> QuerySet[Notification]:
    """`user`'s own notifications, unread first, newest first within each."""
    if not getattr(user, "is_authenticated", False):
        return Notification.objects.none()
    rows = Notification.objects.filter(recipient=user)
    if unread_only:
        return rows.filter(read_at__isnull=True).order_by("-created_at", "-id")
    unread = ExpressionWrapper(Q(read_at__isnull=True), output_field=BooleanField())
    return rows.order_by(unread.desc(), "-created_at", "-id")


def unread_count(user) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    # The header's badge on every signed-in page: the statement is compiled once per process.
    rows = prepared.fetch(("unread_count",), _unread, user.pk)
    return rows[0][0] if rows else 0


def _unread(user_pk):
    return (
        Notification.objects.filter(recipient_id=user_pk, read_at__isnull=True)
        .values("recipient_id")
        .annotate(n=Count("pk"))
        .values_list("n")
    )


def access_notification(user, pk: int) -> Notification:
    """`user`'s notification `pk`; the same NotFound whether it is missing or someone else's."""
    row = (
        Notification.objects.filter(pk=pk, recipient=user).first()
        if getattr(user, "is_authenticated", False)
        else None
    )
    if row is None:
        raise NotFound(_("未找到通知 #%(pk)s，或您无权查看。") % {"pk": pk})
    return row


# ---------------------------------------------------------------------------------------------------------
# Writes


def do_mark_read(*, actor, notification_ids: Iterable[int]) -> int:
    """Mark the actor's own notifications read; the number newly marked. Any id that is not the actor's
    raises NotFound naming it and marks nothing; already-read ones are left as they were."""
    try:
        ids = sorted({int(i) for i in notification_ids})
    except (TypeError, ValueError) as exc:
        raise InvalidInput(_("通知编号必须是整数。"), fields={"notification_ids": "invalid"}) from exc
    if not ids:
        return 0
    if not getattr(actor, "is_authenticated", False):
        raise NotFound(_("未找到通知 #%(pk)s，或您无权查看。") % {"pk": ids[0]})
    with transaction.atomic():
        own = dict(
            Notification.objects.select_for_update()
            .filter(pk__in=ids, recipient=actor)
            .values_list("pk", "read_at")
        )
        missing = [pk for pk in ids if pk not in own]
        if missing:
            raise NotFound(
                _("未找到通知 #%(pk)s，或您无权查看。") % {"pk": "、#".join(map(str, missing))},
                fields={"notification_ids": missing},
            )
        unread = [pk for pk, read_at in own.items() if read_at is None]
        if not unread:
            return 0
        now = clock.now()
        Notification.objects.filter(pk__in=unread).update(read_at=now)
        audit.record(
            actor=actor,
            verb=Verb.READ,
            target=("core.inbox", actor.pk),
            old={"unread": unread},
            new={"read": unread, "read_at": now},
        )
    return len(unread)


def do_mark_all_read(*, actor) -> int:
    """Mark every unread notification of the actor read; the number marked."""
    if not getattr(actor, "is_authenticated", False):
        return 0
    with transaction.atomic():
        unread = list(
            Notification.objects.select_for_update()
            .filter(recipient=actor, read_at__isnull=True)
            .values_list("pk", flat=True)
        )
        if not unread:
            return 0
        now = clock.now()
        Notification.objects.filter(pk__in=unread).update(read_at=now)
        audit.record(
            actor=actor,
            verb=Verb.ALL_READ,
            target=("core.inbox", actor.pk),
            new={"count": len(unread), "read_at": now},
        )
    return len(unread)
