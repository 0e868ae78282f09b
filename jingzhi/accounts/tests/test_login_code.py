"""Signing in by phone with a one-time code (issue 11 §2): the rules of accounts.otp as the actions apply them
— phone validation in Chinese, expiry, wrong codes and their limit, resend and hourly limits, hashed codes,
staff refused, audit rows with the number masked."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core.cache import cache

from jingzhi.accounts import actions, otp
from jingzhi.accounts.models import LoginCode, Role, ScopeKind, User
from jingzhi.core import audit, clock, sms
from jingzhi.core.errors import InvalidInput, PermissionDenied, RateLimited
from jingzhi.core.models import AuditEvent

pytestmark = pytest.mark.django_db
PHONE = "13812345678"


@pytest.fixture(autouse=True)
def outbox(settings):
    settings.JINGZHI_SMS_BACKEND = "jingzhi.core.sms.LocmemSmsBackend"
    sms.outbox.clear()
    cache.clear()
    yield sms.outbox
    sms.outbox.clear()
    cache.clear()


def sent_code(outbox) -> str:
    return re.search(r"\d{6}", outbox[-1]["text"]).group(0)


def later(seconds):
    return clock.frozen(clock.now() + timedelta(seconds=seconds))


@pytest.mark.parametrize(
    "raw",
    [
        "13812345678",
        "138 1234 5678",
        "138-1234-5678",
        "+86 138 1234 5678",
        "8613812345678",
        "１３８１２３４５６７８",
    ],
)
def test_a_mainland_mobile_number_is_accepted_in_the_usual_spellings(raw):
    assert otp.normalize_phone(raw) == PHONE


@pytest.mark.parametrize("raw", ["12812345678", "1381234567", "138123456789", "010-12345678", "abc"])
def test_a_wrong_phone_number_is_refused_in_chinese_naming_the_field(raw):
    with pytest.raises(InvalidInput) as err:
        actions.do_request_login_code(phone=raw)
    assert "手机号" in err.value.message and "11 位" in err.value.message
    assert "phone" in err.value.fields
    assert not LoginCode.objects.exists()


def test_an_empty_phone_number_asks_for_one():
    with pytest.raises(InvalidInput) as err:
        actions.do_request_login_code(phone="  ")
    assert err.value.message == "请填写手机号"


def test_a_code_is_sent_by_text_and_stored_only_as_hashes(outbox):
    issued = actions.do_request_login_code(phone="138 1234 5678")
    assert outbox[-1]["phone"] == PHONE
    code = sent_code(outbox)
    assert issued.code == code and issued.phone_masked == "138****5678"
    row = LoginCode.objects.get()
    assert code not in row.code_hash and PHONE not in row.phone_digest
    assert row.expires_at - row.created_at == timedelta(minutes=5)
    event = AuditEvent.objects.get(verb="login_code_sent")
    assert event.new_values["phone"] == "138****5678"
    assert PHONE not in str(event.new_values) and code not in str(event.new_values)


def test_the_right_code_creates_a_resident_account_without_roles_or_password(outbox):
    actions.do_request_login_code(phone=PHONE)
    result = actions.do_sign_in_with_code(phone=PHONE, code=sent_code(outbox))
    assert result.created
    user = result.user
    assert user.phone == PHONE and not user.has_usable_password()
    assert not user.role_assignments.exists() and not user.is_staff
    assert PHONE not in user.username and user.display_name == "居民5678"
    assert {"user_created", "login_by_code"} <= set(AuditEvent.objects.values_list("verb", flat=True))
    assert audit.verify() is None


def test_the_second_sign_in_finds_the_same_account(outbox):
    actions.do_request_login_code(phone=PHONE)
    first = actions.do_sign_in_with_code(phone=PHONE, code=sent_code(outbox)).user
    with later(61):
        actions.do_request_login_code(phone=PHONE)
        again = actions.do_sign_in_with_code(phone="+86 13812345678", code=sent_code(outbox))
    assert again.user.pk == first.pk and not again.created


def test_a_code_works_once(outbox):
    actions.do_request_login_code(phone=PHONE)
    code = sent_code(outbox)
    actions.do_sign_in_with_code(phone=PHONE, code=code)
    with pytest.raises(InvalidInput) as err:
        actions.do_sign_in_with_code(phone=PHONE, code=code)
    assert err.value.code == "code_expired"


def test_an_expired_code_is_refused(outbox):
    actions.do_request_login_code(phone=PHONE)
    code = sent_code(outbox)
    with later(5 * 60 + 1), pytest.raises(InvalidInput) as err:
        actions.do_sign_in_with_code(phone=PHONE, code=code)
    assert err.value.code == "code_expired" and "重新获取" in err.value.message


def test_a_code_is_good_until_just_before_it_expires(outbox):
    actions.do_request_login_code(phone=PHONE)
    code = sent_code(outbox)
    with later(5 * 60 - 1):
        assert actions.do_sign_in_with_code(phone=PHONE, code=code).user.phone == PHONE


def test_a_wrong_code_says_how_many_tries_are_left_and_is_counted_and_audited(outbox):
    actions.do_request_login_code(phone=PHONE)
    wrong = "000000" if sent_code(outbox) != "000000" else "111111"
    with pytest.raises(InvalidInput) as err:
        actions.do_sign_in_with_code(phone=PHONE, code=wrong)
    assert err.value.message == "验证码不正确，还可再试 4 次" and "code" in err.value.fields
    assert LoginCode.objects.get().attempts == 1
    assert AuditEvent.objects.filter(verb="login_code_failed").count() == 1


def test_after_five_wrong_codes_even_the_right_one_is_refused(outbox):
    actions.do_request_login_code(phone=PHONE)
    code = sent_code(outbox)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(4):
        with pytest.raises(InvalidInput):
            actions.do_sign_in_with_code(phone=PHONE, code=wrong)
    with pytest.raises(InvalidInput) as err:
        actions.do_sign_in_with_code(phone=PHONE, code=wrong)
    assert "错误次数过多" in err.value.message
    with pytest.raises(InvalidInput) as err:
        actions.do_sign_in_with_code(phone=PHONE, code=code)
    assert err.value.code == "code_expired"
    assert not User.objects.filter(phone=PHONE).exists()


def test_a_code_of_the_wrong_shape_does_not_count_as_a_try(outbox):
    actions.do_request_login_code(phone=PHONE)
    with pytest.raises(InvalidInput) as err:
        actions.do_sign_in_with_code(phone=PHONE, code="12ab")
    assert err.value.message == "验证码应为 6 位数字"
    assert LoginCode.objects.get().attempts == 0


def test_a_number_waits_a_minute_before_asking_again(outbox):
    actions.do_request_login_code(phone=PHONE)
    with later(30), pytest.raises(RateLimited) as err:
        actions.do_request_login_code(phone=PHONE)
    assert 29 <= err.value.retry_after <= 31 and "秒后" in err.value.message
    with later(61):
        actions.do_request_login_code(phone=PHONE)
    assert len(outbox) == 2


def test_a_new_code_spends_the_old_one(outbox):
    actions.do_request_login_code(phone=PHONE)
    old = sent_code(outbox)
    with later(61):
        actions.do_request_login_code(phone=PHONE)
        new = sent_code(outbox)
        if old != new:
            with pytest.raises(InvalidInput):
                actions.do_sign_in_with_code(phone=PHONE, code=old)
        assert actions.do_sign_in_with_code(phone=PHONE, code=new).user


def test_a_number_gets_at_most_five_codes_an_hour(outbox):
    start = clock.now()
    for i in range(5):
        with clock.frozen(start + timedelta(seconds=61 * i)):
            actions.do_request_login_code(phone=PHONE)
    with clock.frozen(start + timedelta(seconds=61 * 5)), pytest.raises(RateLimited) as err:
        actions.do_request_login_code(phone=PHONE)
    assert "一小时内" in err.value.message
    with clock.frozen(start + timedelta(hours=1, seconds=1)):
        actions.do_request_login_code(phone=PHONE)
    assert len(outbox) == 6


def test_one_client_address_is_limited_across_numbers(settings, outbox):
    settings.JINGZHI_RATE_OTP_PER_IP = 3
    for i in range(3):
        actions.do_request_login_code(phone=f"1391234000{i}", client_ip="203.0.113.9")
    with pytest.raises(RateLimited) as err:
        actions.do_request_login_code(phone="13912340009", client_ip="203.0.113.9")
    assert "获取验证码过于频繁" in err.value.message
    actions.do_request_login_code(phone="13912340009", client_ip="203.0.113.10")


def test_a_staff_account_cannot_sign_in_by_text_message(outbox):
    staff = actions.do_create_user(actor=None, username="op", password="x", phone=PHONE)
    actions.do_assign_role(
        actor=None, user=staff, role=Role.OPERATOR, scope_kind=ScopeKind.DISTRICT, scope_code="110199"
    )
    actions.do_request_login_code(phone=PHONE)
    with pytest.raises(PermissionDenied) as err:
        actions.do_sign_in_with_code(phone=PHONE, code=sent_code(outbox))
    assert "工作人员" in err.value.message
    assert User.objects.filter(phone=PHONE).count() == 1


def test_an_existing_resident_account_with_the_number_is_the_one_signed_in(outbox):
    wang = actions.do_create_user(actor=None, username="wang", password="x", phone=PHONE)
    actions.do_request_login_code(phone=PHONE)
    result = actions.do_sign_in_with_code(phone=PHONE, code=sent_code(outbox))
    assert result.user.pk == wang.pk and not result.created


def test_a_deactivated_account_stays_out(outbox):
    wang = actions.do_create_user(actor=None, username="wang", password="x", phone=PHONE)
    actions.do_set_user_active(actor=None, user=wang, is_active=False)
    actions.do_request_login_code(phone=PHONE)
    with pytest.raises(PermissionDenied) as err:
        actions.do_sign_in_with_code(phone=PHONE, code=sent_code(outbox))
    assert "停用" in err.value.message


def test_a_gateway_failure_is_a_clear_error_and_spends_the_code(settings):
    settings.JINGZHI_SMS_BACKEND = "jingzhi.accounts.tests.test_login_code.BrokenSms"
    with pytest.raises(actions.SmsNotSent) as err:
        actions.do_request_login_code(phone=PHONE)
    assert err.value.message == "短信发送失败，请稍后再试"
    assert LoginCode.objects.get().spent_at is not None


class BrokenSms(sms.SmsBackend):
    def send(self, phone, text):
        raise sms.SmsError("gateway down")


# ---------------------------------------------------------------------------------------------------- pure rules
def test_a_code_is_six_digits_and_its_hash_depends_on_the_number():
    code = otp.new_code()
    assert re.fullmatch(r"\d{6}", code)
    stored = otp.code_hash(PHONE, code)
    assert otp.code_matches(stored, PHONE, code)
    assert not otp.code_matches(stored, "13900000000", code)
    assert code not in stored


def test_the_wait_before_asking_again_counts_down_to_zero():
    start = clock.now()
    assert otp.wait_seconds(None, start) == 0
    assert otp.wait_seconds(start, start + timedelta(seconds=15)) == 45
    assert otp.wait_seconds(start, start + timedelta(seconds=60)) == 0


def test_the_limits_come_from_settings(settings):
    settings.JINGZHI_OTP_TTL_MINUTES = 10
    settings.JINGZHI_OTP_MAX_ATTEMPTS = 3
    assert otp.ttl() == timedelta(minutes=10)
    assert otp.attempts_left(1) == 2 and otp.attempts_left(5) == 0
