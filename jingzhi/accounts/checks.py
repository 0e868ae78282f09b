"""System checks for accounts: login throttling must be in the authentication path, with sane limits."""

from django.conf import settings
from django.core import checks

BACKEND = "jingzhi.accounts.backends.LockoutModelBackend"


@checks.register(checks.Tags.security)
def check_login_throttling(app_configs=None, **kwargs):
    problems = []
    backends = list(getattr(settings, "AUTHENTICATION_BACKENDS", []))
    if BACKEND not in backends:
        problems.append(
            checks.Warning(
                "AUTHENTICATION_BACKENDS 中没有登录限流后端，连续输错密码不会锁定账户。",
                hint=f"把 {BACKEND!r} 加入 AUTHENTICATION_BACKENDS（替换 ModelBackend）。",
                id="jingzhi.accounts.W001",
            )
        )
    for name in ("JINGZHI_LOCKOUT_FAILURES", "JINGZHI_LOCKOUT_MINUTES", "JINGZHI_LOCKOUT_IP_FAILURES"):
        value = getattr(settings, name, None)
        if value is not None and (not isinstance(value, int) or value < 1):
            problems.append(
                checks.Error(
                    f"{name} 应为正整数，当前为 {value!r}。",
                    hint="登录失败次数和锁定分钟数都至少为 1。",
                    id="jingzhi.accounts.E001",
                )
            )
    return problems
