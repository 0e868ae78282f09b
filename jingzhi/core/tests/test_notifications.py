"""Notifications: inbox rows with the change, e-mail and SMS only after commit, phone numbers masked in logs,
and an inbox page that shows each person only their own messages."""

from __future__ import annotations

import io
import logging

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.urls import reverse

from jingzhi.core import sms
from jingzhi.core.errors import InvalidInput, NotFound
from jingzhi.core.models import AuditEvent, Notification
from jingzhi.core.notifications import (
    access_notification,
    do_mark_all_read,
    do_mark_read,
    notifications_for,
    notify,
    sms_text,
    unread_count,
)
from jingzhi.core.sms import ConsoleSmsBackend, get_sms_backend, mask_phone

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def channels(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.JINGZHI_SMS_BACKEND = "jingzhi.core.sms.LocmemSmsBackend"
    mail.outbox = []
    sms.outbox.clear()
    yield
    sms.outbox.clear()


def _user(username, email="", phone="", **extra):
    user = get_user_model().objects.create_user(username=username, password="pw", email=email, **extra)
    if phone:
        user.phone = phone
        user.save(update_fields=["phone"])
    return user


@pytest.fixture
def wang(db):
    return _user("wang", email="wang@example.org", phone="13812341234")


@pytest.fixture
def li(db):
    return _user("li", email="", phone="")


def _notify(recipients, **kw):
    args = {
        "verb": "case.closed",
        "title": "您反映的问题已办结",
        "body": "井盖已补齐，请评价。",
        "link": "/cases/7/",
        "target": ("cases.case", 7),
        **kw,
    }
    return notify(recipients=recipients, **args)


# --- after commit ----------------------------------------------------------------------------------------


def test_inbox_rows_are_written_at_once_and_email_and_sms_leave_only_after_commit(
    wang, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        rows = _notify([wang])
        assert Notification.objects.filter(recipient=wang).count() == 1
        assert mail.outbox == [] and sms.outbox == []
    assert [r.title for r in rows] == ["您反映的问题已办结"]
    row = Notification.objects.get()
    assert (row.verb, row.link, row.target_type, row.target_id, row.read_at) == (
        "case.closed",
        "/cases/7/",
        "cases.case",
        "7",
        None,
    )
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["wang@example.org"] and message.subject == "【精治】您反映的问题已办结"
    assert "井盖已补齐，请评价。" in message.body and "/cases/7/" in message.body
    assert sms.outbox == [
        {"phone": "13812341234", "text": "【精治】您反映的问题已办结：井盖已补齐，请评价。"}
    ]


def test_a_rolled_back_change_leaves_no_inbox_row_and_messages_nobody(
    wang, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        _notify([wang])
        raise RuntimeError("the case action failed after notifying")
    assert callbacks == []
    assert not Notification.objects.exists() and mail.outbox == [] and sms.outbox == []


def test_email_goes_only_to_users_with_an_address_and_sms_only_to_users_with_a_phone(
    wang, li, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _notify([wang, li])
    assert Notification.objects.filter(recipient__in=[wang, li]).count() == 2
    assert [m.to for m in mail.outbox] == [["wang@example.org"]]
    assert [m["phone"] for m in sms.outbox] == ["13812341234"]


def test_repeated_and_inactive_recipients_are_skipped(wang, django_capture_on_commit_callbacks):
    gone = _user("gone", email="gone@example.org", is_active=False)
    with django_capture_on_commit_callbacks(execute=True):
        rows = _notify([wang, wang.pk, gone, None])
    assert [r.recipient_id for r in rows] == [wang.pk]
    assert len(mail.outbox) == 1


def test_channels_can_be_chosen_per_call_and_switched_off_per_deployment(
    settings, wang, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _notify([wang], channels=("inbox",))
    assert Notification.objects.count() == 1 and mail.outbox == [] and sms.outbox == []
    settings.JINGZHI_NOTIFICATION_CHANNELS = ["inbox", "email"]
    with django_capture_on_commit_callbacks(execute=True):
        _notify([wang])
    assert len(mail.outbox) == 1 and sms.outbox == []


def test_the_email_link_is_absolute_when_the_site_url_is_set(
    settings, wang, django_capture_on_commit_callbacks
):
    settings.JINGZHI_SITE_URL = "https://jingzhi.example.gov.cn/"
    with django_capture_on_commit_callbacks(execute=True):
        _notify([wang], channels=("email",))
    assert "https://jingzhi.example.gov.cn/cases/7/" in mail.outbox[0].body


def test_a_link_off_this_site_or_an_unknown_channel_is_refused(wang):
    for link in ("javascript:alert(1)", "https://evil.example/", "//evil.example/x"):
        with pytest.raises(InvalidInput, match="只能是本站路径"):
            _notify([wang], link=link)
    with pytest.raises(InvalidInput, match="未知的通知渠道：wechat"):
        _notify([wang], channels=("inbox", "wechat"))
    assert not Notification.objects.exists()


def test_a_long_sms_is_cut_to_the_configured_length(settings):
    settings.JINGZHI_SMS_MAX_CHARS = 20
    text = sms_text("标题", "很长的内容" * 10)
    assert len(text) == 20 and text.startswith("【精治】标题：") and text.endswith("…")


# --- the SMS adapter -------------------------------------------------------------------------------------


def test_phone_numbers_are_masked():
    assert mask_phone("13812341234") == "138****1234"
    assert mask_phone("+86 138-1234-1234") == "138****1234"
    assert mask_phone("010-6601234") == "010****1234"
    assert mask_phone("12") == "****"


def test_the_console_backend_prints_and_logs_the_message_with_the_number_masked(caplog):
    stream = io.StringIO()
    with caplog.at_level(logging.INFO, logger="jingzhi.core.sms"):
        ConsoleSmsBackend(stream=stream).send("13812341234", "【精治】您的诉求已受理")
    assert stream.getvalue() == "[短信] 发送至 138****1234：【精治】您的诉求已受理\n"
    assert "138****1234" in caplog.text
    assert "13812341234" not in caplog.text and "13812341234" not in stream.getvalue()


def test_notify_uses_the_console_backend_by_default(
    settings, wang, capsys, caplog, django_capture_on_commit_callbacks
):
    del settings.JINGZHI_SMS_BACKEND
    assert isinstance(get_sms_backend(), ConsoleSmsBackend)
    with caplog.at_level(logging.INFO), django_capture_on_commit_callbacks(execute=True):
        _notify([wang], channels=("sms",))
    out = capsys.readouterr().out
    assert "发送至 138****1234：【精治】您反映的问题已办结" in out
    assert "13812341234" not in out and "13812341234" not in caplog.text


def test_a_failing_gateway_is_logged_masked_and_does_not_stop_the_others(
    settings, wang, caplog, django_capture_on_commit_callbacks
):
    settings.JINGZHI_SMS_BACKEND = "jingzhi.core.tests.test_notifications.RefusingBackend"
    zhang = _user("zhang", phone="13900001111")
    with caplog.at_level(logging.ERROR), django_capture_on_commit_callbacks(execute=True):
        _notify([wang, zhang], channels=("sms",))
    assert [m["phone"] for m in sms.outbox] == ["13900001111"]
    assert "138****1234" in caplog.text and "13812341234" not in caplog.text


class RefusingBackend(sms.LocmemSmsBackend):
    def send(self, phone, text):
        if phone.startswith("138"):
            raise sms.SmsError("gateway refused")
        super().send(phone, text)


def test_a_misconfigured_sms_backend_is_reported():
    with pytest.raises(ImproperlyConfigured, match="无法导入"):
        get_sms_backend("jingzhi.core.sms.NoSuchBackend")
    with pytest.raises(ImproperlyConfigured, match="不是 jingzhi.core.sms.SmsBackend 的子类"):
        get_sms_backend("jingzhi.core.sms.mask_phone")


# --- reading and marking read ----------------------------------------------------------------------------


def test_unread_count_and_marking_read_are_per_recipient_and_audited(wang, li):
    first, second = _notify([wang])[0], _notify([wang], title="第二条")[0]
    foreign = _notify([li])[0]
    assert unread_count(wang) == 2 and unread_count(li) == 1
    assert do_mark_read(actor=wang, notification_ids=[first.pk]) == 1
    assert unread_count(wang) == 1
    assert do_mark_read(actor=wang, notification_ids=[first.pk]) == 0  # already read: no change, no audit
    assert AuditEvent.objects.filter(verb="notification.read").count() == 1
    with pytest.raises(NotFound) as caught:
        do_mark_read(actor=wang, notification_ids=[second.pk, foreign.pk])
    assert caught.value.fields == {"notification_ids": [foreign.pk]}
    assert unread_count(wang) == 1 and unread_count(li) == 1  # all or nothing
    assert do_mark_all_read(actor=wang) == 1 and unread_count(wang) == 0
    assert do_mark_all_read(actor=wang) == 0
    assert AuditEvent.objects.filter(verb="notification.all_read").count() == 1


def test_the_list_shows_unread_first_then_newest(wang):
    old, new = _notify([wang], title="旧")[0], _notify([wang], title="新")[0]
    read = _notify([wang], title="已读")[0]
    do_mark_read(actor=wang, notification_ids=[read.pk])
    assert [n.title for n in notifications_for(wang)] == ["新", "旧", "已读"]
    assert [n.pk for n in notifications_for(wang, unread_only=True)] == [new.pk, old.pk]


def test_another_persons_notification_is_not_found(wang, li):
    row = _notify([wang])[0]
    assert access_notification(wang, row.pk) == row
    with pytest.raises(NotFound):
        access_notification(li, row.pk)


# --- the inbox page --------------------------------------------------------------------------------------


def test_the_inbox_needs_a_login(client):
    response = client.get(reverse("web:inbox"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("web:login"))


def test_the_inbox_lists_only_the_recipients_own_notifications_unread_first(client, wang, li):
    _notify([wang], title="王的旧通知")
    read = _notify([wang], title="王的已读通知")[0]
    _notify([wang], title="王的新通知")
    _notify([li], title="李的通知")
    do_mark_read(actor=wang, notification_ids=[read.pk])
    client.force_login(wang)
    body = client.get(reverse("web:inbox")).content.decode()
    assert "李的通知" not in body
    assert body.index("王的新通知") < body.index("王的旧通知") < body.index("王的已读通知")
    assert "2 条未读" in body and "全部标为已读" in body


def test_marking_read_through_htmx_returns_the_row_and_the_new_badge(client, wang):
    row = _notify([wang])[0]
    _notify([wang], title="另一条")
    client.force_login(wang)
    response = client.post(reverse("web:inbox_read", args=[row.pk]), HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200
    assert f'id="notification-{row.pk}" class="read"' in body and "标为已读" not in body
    assert 'id="inbox-badge"' in body and 'hx-swap-oob="true"' in body and "1 条未读" in body
    assert "<html" not in body
    assert Notification.objects.get(pk=row.pk).read_at is not None


def test_marking_read_without_htmx_redirects_to_the_inbox(client, wang):
    row = _notify([wang])[0]
    client.force_login(wang)
    response = client.post(reverse("web:inbox_read", args=[row.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("web:inbox")
    assert unread_count(wang) == 0


def test_another_users_notification_is_404_for_read_and_open(client, wang, li):
    row = _notify([wang])[0]
    client.force_login(li)
    assert client.post(reverse("web:inbox_read", args=[row.pk])).status_code == 404
    assert client.get(reverse("web:inbox_go", args=[row.pk])).status_code == 404
    assert client.post(reverse("web:inbox_read", args=[999999])).status_code == 404
    assert Notification.objects.get(pk=row.pk).read_at is None


def test_opening_a_notification_marks_it_read_and_follows_its_link(client, wang):
    row = _notify([wang])[0]
    bare = _notify([wang], link="")[0]
    client.force_login(wang)
    response = client.get(reverse("web:inbox_go", args=[row.pk]))
    assert response.status_code == 302 and response["Location"] == "/cases/7/"
    assert client.get(reverse("web:inbox_go", args=[bare.pk]))["Location"] == reverse("web:inbox")
    assert unread_count(wang) == 0


def test_mark_all_read_from_the_page(client, wang):
    _notify([wang])
    _notify([wang])
    client.force_login(wang)
    response = client.post(reverse("web:inbox_read_all"), follow=True)
    assert "已将 2 条通知标为已读。" in response.content.decode()
    assert unread_count(wang) == 0
    assert client.get(reverse("web:inbox_read_all")).status_code == 405


class FlakyEmailBackend:
    """Refuses mail to addresses listed in `down` (a class attribute the test sets), delivers the rest."""

    down: set[str] = set()

    def __init__(self, *args, **kwargs):
        from django.core.mail.backends.locmem import EmailBackend

        self.inner = EmailBackend(*args, **kwargs)

    def send_messages(self, messages):
        for message in messages:
            if set(message.to) & self.down:
                raise OSError("SMTP server refused the recipient")
        return self.inner.send_messages(messages)


def test_a_failed_email_is_retried_with_backoff_for_that_recipient_alone(settings, wang, li):
    from datetime import timedelta

    from django.utils import timezone

    from jingzhi.core import clock, jobs
    from jingzhi.core.models import OutboxJob

    settings.TASKS = {"default": {"BACKEND": "jingzhi.core.jobs.OutboxBackend", "OPTIONS": {"inline": False}}}
    settings.EMAIL_BACKEND = "jingzhi.core.tests.test_notifications.FlakyEmailBackend"
    zhao = _user("zhao", email="zhao@example.org")
    FlakyEmailBackend.down = {"zhao@example.org"}
    t0 = timezone.make_aware(timezone.datetime(2026, 5, 6, 10, 0))
    with clock.frozen(t0):
        _notify([wang, zhao], channels=("email",))
        jobs.run_due()
    assert [m.to for m in mail.outbox] == [["wang@example.org"]]
    job = OutboxJob.objects.get()
    assert job.state == OutboxJob.PENDING and job.attempts == 1
    assert job.kwargs["email_ids"] == [zhao.pk]  # only the one that failed is left to send
    FlakyEmailBackend.down = set()
    with clock.frozen(t0 + timedelta(seconds=30)):
        jobs.run_due()
    assert sorted(m.to[0] for m in mail.outbox) == ["wang@example.org", "zhao@example.org"]
    job.refresh_from_db()
    assert job.state == OutboxJob.DONE
