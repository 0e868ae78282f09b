"""Pure rules of signing in by phone with a one-time code (手机验证码登录): what a phone number must look like,
how a code is made and hashed, how long it lives, how many guesses and how many codes a number gets. No ORM
here; `accounts.actions.do_request_login_code` and `do_sign_in_with_code` apply these rules and write the
rows, so the web page and any other door get the same answers.

Codes are six digits from `secrets`, stored only as an HMAC keyed with the site's SECRET_KEY (a leaked table
does not give the codes away without the key), and compared in constant time. The numbers come from settings
read when used (`JINGZHI_OTP_*`, listed in docs/security.md).
"""

from __future__ import annotations

import hmac
import re
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from jingzhi.core.errors import InvalidInput

CODE_LENGTH = 6
# A mainland mobile number: 1, then 3-9, then nine digits (GB/T and MIIT numbering; 11 digits in all).
MOBILE = re.compile(r"^1[3-9]\d{9}$")
_SEPARATORS = re.compile(r"[\s\-()（）]")
_SALT = "jingzhi.accounts.otp"

DEFAULTS = {
    "JINGZHI_OTP_TTL_MINUTES": 5,  # a code is good for this long
    "JINGZHI_OTP_MAX_ATTEMPTS": 5,  # wrong guesses before a code is spent
    "JINGZHI_OTP_RESEND_SECONDS": 60,  # a number waits this long before it may ask again
    "JINGZHI_OTP_PER_PHONE_PER_HOUR": 5,  # codes one number may be sent in an hour
    "JINGZHI_RATE_OTP_PER_IP": 10,  # codes one client address may ask for per minute (core.ratelimit)
}


def setting(name: str) -> int:
    return int(getattr(settings, name, DEFAULTS[name]))


def ttl() -> timedelta:
    return timedelta(minutes=max(1, setting("JINGZHI_OTP_TTL_MINUTES")))


def max_attempts() -> int:
    return max(1, setting("JINGZHI_OTP_MAX_ATTEMPTS"))


def resend_after() -> timedelta:
    return timedelta(seconds=max(0, setting("JINGZHI_OTP_RESEND_SECONDS")))


def per_phone_per_hour() -> int:
    return max(1, setting("JINGZHI_OTP_PER_PHONE_PER_HOUR"))


def normalize_phone(raw: str) -> str:
    """The 11-digit mainland mobile number in `raw` (spaces, dashes, brackets and a +86/86 prefix allowed);
    InvalidInput in Chinese naming the field otherwise."""
    text = _SEPARATORS.sub("", str(raw or "")).translate(_FULLWIDTH_DIGITS)
    if text.startswith("+86"):
        text = text[3:]
    elif text.startswith("0086"):
        text = text[4:]
    elif text.startswith("86") and len(text) == 13:
        text = text[2:]
    if not text:
        raise InvalidInput(_("请填写手机号"), code="phone_required", fields={"phone": [_("必填")]})
    if not MOBILE.match(text):
        raise InvalidInput(
            _("手机号“%(phone)s”格式不对：应为 11 位中国大陆手机号，以 1 开头，例如 13812345678")
            % {"phone": str(raw)[:20]},
            code="phone_invalid",
            fields={"phone": [_("应为 11 位手机号")]},
        )
    return text


_FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９＋", "0123456789+")


def normalize_code(raw: str) -> str:
    """The code as typed, without spaces; InvalidInput unless it is six digits."""
    text = re.sub(r"\s", "", str(raw or "")).translate(_FULLWIDTH_DIGITS)
    if not text:
        raise InvalidInput(_("请填写短信验证码"), code="code_required", fields={"code": [_("必填")]})
    if not re.fullmatch(rf"\d{{{CODE_LENGTH}}}", text):
        raise InvalidInput(
            _("验证码应为 %(n)d 位数字") % {"n": CODE_LENGTH},
            code="code_invalid",
            fields={"code": [_("应为 %(n)d 位数字") % {"n": CODE_LENGTH}]},
        )
    return text


def new_code() -> str:
    return f"{secrets.randbelow(10**CODE_LENGTH):0{CODE_LENGTH}d}"


def phone_digest(phone: str) -> str:
    """A keyed hash of the number: lets the code table find a number's codes without holding the number."""
    return salted_hmac(f"{_SALT}.phone", phone, algorithm="sha256").hexdigest()


def code_hash(phone: str, code: str) -> str:
    return salted_hmac(f"{_SALT}.code", f"{phone}:{code}", algorithm="sha256").hexdigest()


def code_matches(stored_hash: str, phone: str, code: str) -> bool:
    return hmac.compare_digest(stored_hash, code_hash(phone, code))


def attempts_left(attempts: int) -> int:
    return max(0, max_attempts() - attempts)


def wait_seconds(last_sent_at: datetime | None, now: datetime) -> int:
    """Seconds until a number that was last sent a code at `last_sent_at` may ask again (0: now)."""
    if last_sent_at is None:
        return 0
    left = (last_sent_at + resend_after() - now).total_seconds()
    return max(0, int(left + 0.999))
