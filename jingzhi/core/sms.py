"""Text messages: one small interface, a backend chosen by setting, and a phone number never logged whole.

`jingzhi.core.notifications` sends through `get_sms_backend().send(phone, text)`. Deployments plug in their
carrier's gateway by subclassing `SmsBackend` and naming it in ``JINGZHI_SMS_BACKEND`` (a dotted path); the
default `ConsoleSmsBackend` writes the message to standard output and the log, as Django's console e-mail
backend does, so the embedded profile needs no gateway. `LocmemSmsBackend` keeps messages in `outbox`
for tests. Phone numbers are personal data (ARCHITECTURE.md): logs only ever carry `mask_phone(phone)`.
"""

from __future__ import annotations

import logging
import re
import sys
import threading
from typing import TextIO

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

DEFAULT_BACKEND = "jingzhi.core.sms.ConsoleSmsBackend"


def mask_phone(phone: str) -> str:
    """138****1234 for a mainland mobile; for anything else keep at most the first 3 and last 4 digits."""
    digits = re.sub(r"\D", "", str(phone or ""))
    if digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    if len(digits) >= 8:
        return f"{digits[:3]}****{digits[-4:]}"
    if len(digits) >= 4:
        return f"****{digits[-2:]}"
    return "****"


class SmsError(Exception):
    """A gateway refused or failed to take a message."""


class SmsBackend:
    """Send one text message. Subclasses implement `send`; raise SmsError when the gateway refuses."""

    def __init__(self, **options) -> None:
        self.options = options

    def send(self, phone: str, text: str) -> None:  # pragma: no cover - interface
        raise NotImplementedError


class ConsoleSmsBackend(SmsBackend):
    """Writes each message to a stream (stdout by default) and the log, with the number masked."""

    def __init__(self, stream: TextIO | None = None, **options) -> None:
        super().__init__(**options)
        self.stream = stream
        self._lock = threading.Lock()

    def send(self, phone: str, text: str) -> None:
        masked = mask_phone(phone)
        with self._lock:
            stream = self.stream or sys.stdout
            stream.write(f"[短信] 发送至 {masked}：{text}\n")
            stream.flush()
        logger.info("sms to %s: %s", masked, text)


outbox: list[dict] = []


class LocmemSmsBackend(SmsBackend):
    """Keeps messages in `jingzhi.core.sms.outbox` (tests); the number is kept whole there, in memory only."""

    def send(self, phone: str, text: str) -> None:
        outbox.append({"phone": phone, "text": text})
        logger.info("sms to %s: %s", mask_phone(phone), text)


def get_sms_backend(path: str | None = None, **options) -> SmsBackend:
    """An instance of the configured backend (``JINGZHI_SMS_BACKEND``, default the console one)."""
    path = path or getattr(settings, "JINGZHI_SMS_BACKEND", "") or DEFAULT_BACKEND
    try:
        cls = import_string(path)
    except ImportError as exc:
        raise ImproperlyConfigured(f"JINGZHI_SMS_BACKEND={path!r} 无法导入：{exc}") from exc
    if not (isinstance(cls, type) and issubclass(cls, SmsBackend)):
        raise ImproperlyConfigured(f"JINGZHI_SMS_BACKEND={path!r} 不是 jingzhi.core.sms.SmsBackend 的子类")
    return cls(**options)
