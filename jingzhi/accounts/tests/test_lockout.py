"""Login throttling (django-axes underneath): counted failures lock a username (or a client address) for a
while, with a clear message; behind a trusted proxy the client address is the forwarded one; parallel
attempts never get past the limit."""

import threading
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import authenticate
from django.db import connection
from django.test import RequestFactory, override_settings

from jingzhi.accounts import actions, lockout
from jingzhi.accounts.forms import LoginForm
from jingzhi.accounts.models import User
from jingzhi.core import clock
from jingzhi.core.models import AuditEvent

pytestmark = pytest.mark.django_db

PASSWORD = "Right-Password-1"


@pytest.fixture
def user():
    return actions.do_create_user(actor=None, username="zhao", password=PASSWORD)


def failures(**filters):
    return sum(AccessAttempt.objects.filter(**filters).values_list("failures_since_start", flat=True))


def login(username, password, ip="10.0.0.1", **meta):
    request = RequestFactory().post("/login/", REMOTE_ADDR=ip, **meta)
    form = LoginForm(request, data={"username": username, "password": password})
    return form


def fail(times, username="zhao", ip="10.0.0.1"):
    for _ in range(times):
        assert not login(username, "wrong", ip).is_valid()


def test_a_right_password_logs_in_and_a_wrong_one_is_counted(user):
    assert login("zhao", PASSWORD).is_valid()
    form = login("zhao", "wrong")
    assert not form.is_valid()
    assert "用户名或密码不正确" in str(form.non_field_errors())
    assert failures(username="zhao", ip_address="10.0.0.1") == 1


def test_five_failures_lock_the_account_even_against_the_right_password(user):
    fail(4)
    assert lockout.locked_until("zhao") is None
    form = login("zhao", "wrong")
    assert not form.is_valid()
    # the failure that locks the account already says so
    assert "账户已锁定" in str(form.non_field_errors())
    form = login("zhao", PASSWORD)
    assert not form.is_valid()
    message = str(form.non_field_errors())
    assert "登录失败次数过多，账户已锁定，请 15 分钟后再试" in message
    assert form.get_user() is None
    assert AuditEvent.objects.filter(verb="account_locked").count() == 1


def test_locked_attempts_are_not_counted_again(user):
    fail(5)
    fail(3)
    assert failures(username="zhao") == 5


def test_the_lock_lifts_when_the_failures_age_out_of_the_window(user):
    start = clock.now()
    with clock.frozen(start):
        fail(5)
    with clock.frozen(start + timedelta(minutes=10)):
        form = login("zhao", PASSWORD)
        assert not form.is_valid()
        assert "请 5 分钟后再试" in str(form.non_field_errors())
    with clock.frozen(start + timedelta(minutes=15, seconds=1)):
        assert login("zhao", PASSWORD).is_valid()


def test_a_successful_login_clears_the_failures(user):
    fail(4)
    assert login("zhao", PASSWORD).is_valid()
    assert failures(username="zhao") == 0
    fail(4)
    assert login("zhao", PASSWORD).is_valid()


@override_settings(JINGZHI_LOCKOUT_FAILURES=2, JINGZHI_LOCKOUT_MINUTES=30)
def test_the_limits_come_from_settings(user):
    fail(2)
    form = login("zhao", PASSWORD)
    assert "请 30 分钟后再试" in str(form.non_field_errors())


@override_settings(JINGZHI_LOCKOUT_IP_FAILURES=6)
def test_one_address_spraying_many_usernames_is_locked(user):
    for i in range(6):
        fail(1, username=f"guess{i}", ip="10.9.9.9")
    form = login("zhao", PASSWORD, ip="10.9.9.9")
    assert "账户已锁定" in str(form.non_field_errors())
    # the same account from another address is fine: the username itself has no failures
    assert login("zhao", PASSWORD, ip="10.0.0.2").is_valid()


def test_unknown_usernames_are_counted_too():
    fail(5, username="ghost")
    assert lockout.locked_until("ghost") is not None


def test_the_backend_refuses_a_locked_account_on_every_login_path(user):
    fail(5)
    request = RequestFactory().post("/admin/login/", REMOTE_ADDR="10.0.0.7")
    assert authenticate(request, username="zhao", password=PASSWORD) is None


def test_the_admin_login_is_throttled_too(client, user):
    user.is_staff = True
    user.save()
    for _ in range(5):
        client.post("/admin/login/", {"username": "zhao", "password": "wrong"})
    response = client.post("/admin/login/?next=/admin/", {"username": "zhao", "password": PASSWORD})
    assert response.status_code == 200  # the form again, not the redirect into the admin
    assert "_auth_user_id" not in client.session


def test_the_password_never_reaches_axes_tables(user):
    fail(1)
    attempt = AccessAttempt.objects.get(username="zhao")
    assert "wrong" not in attempt.post_data


@override_settings(JINGZHI_TRUSTED_PROXIES=1, JINGZHI_LOCKOUT_IP_FAILURES=6)
def test_behind_one_proxy_one_client_spraying_does_not_lock_out_the_others(user):
    proxy = "127.0.0.1"  # every request comes from the proxy; the client is in X-Forwarded-For
    for i in range(6):
        fail_form = login(f"guess{i}", "wrong", ip=proxy, HTTP_X_FORWARDED_FOR="203.0.113.5")
        assert not fail_form.is_valid()
    # client A is now locked out, whatever account it tries ...
    assert "账户已锁定" in str(login("zhao", PASSWORD, ip=proxy, HTTP_X_FORWARDED_FOR="203.0.113.5").errors)
    # ... and a forged X-Forwarded-For does not help it: the proxy appends the real address last
    forged = login("zhao", PASSWORD, ip=proxy, HTTP_X_FORWARDED_FOR="198.51.100.9, 203.0.113.5")
    assert not forged.is_valid()
    # client B behind the same proxy, and the account itself, are not locked
    assert login("zhao", PASSWORD, ip=proxy, HTTP_X_FORWARDED_FOR="198.51.100.7").is_valid()
    assert failures(ip_address=proxy) == 0
    assert failures(ip_address="203.0.113.5") == 6


@override_settings(JINGZHI_TRUSTED_PROXIES=1)
def test_behind_one_proxy_five_failures_of_one_account_lock_only_that_account(user):
    other = actions.do_create_user(actor=None, username="qian", password=PASSWORD)
    for _ in range(5):
        assert not login("zhao", "wrong", ip="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.5").is_valid()
    assert not login("zhao", PASSWORD, ip="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.7").is_valid()
    assert login(other.username, PASSWORD, ip="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.5").is_valid()


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_thirty_parallel_wrong_passwords_are_checked_at_most_the_limit(monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL advisory locks and real concurrency")
    actions.do_create_user(actor=None, username="zhao", password=PASSWORD)
    checked = []
    original = User.check_password

    def counting(self, raw_password):
        checked.append(raw_password)
        return original(self, raw_password)

    monkeypatch.setattr(User, "check_password", counting)
    barrier = threading.Barrier(30)
    outcomes = []

    def attempt(i):
        try:
            barrier.wait(timeout=20)
            request = RequestFactory().post("/login/", REMOTE_ADDR=f"10.1.0.{i + 1}")
            outcomes.append(authenticate(request, username="zhao", password=f"wrong-{i}"))
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(30)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert outcomes == [None] * 30
    assert len(checked) == lockout.failure_limit()
    assert lockout.failures_for_username("zhao") == lockout.failure_limit()


def test_authenticate_without_a_request_is_throttled_by_username(user):
    for _ in range(5):
        assert authenticate(None, username="zhao", password="wrong") is None
    assert authenticate(None, username="zhao", password=PASSWORD) is None
    assert lockout.locked_until("zhao") is not None
