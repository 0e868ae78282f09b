"""The only code that writes users, departments, role assignments and API tokens.

Each `do_*` runs in one transaction and leaves an audit row (passwords and keys never appear in it).
`actor` is the person acting, or None for the system (the demo builder, a management command run by the
operator). When an actor is given, the action checks they may do it (`accounts.access`); interfaces should
check first anyway, to show a friendly page rather than an error.

Login-failure bookkeeping (`record_login_failure`, `clear_login_failures`) and token use stamps
(`touch_api_token`) are not domain changes and write no audit row: the failure table is its own log, and
a lockout it causes is audited once.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from jingzhi.accounts import access, otp, rules
from jingzhi.accounts.models import ApiToken, Department, LoginCode, Role, RoleAssignment, ScopeKind, User
from jingzhi.accounts.verbs import AuditVerb
from jingzhi.core import audit, clock
from jingzhi.core.errors import ApplicationError, Conflict, InvalidInput, NotFound, PermissionDenied
from jingzhi.core.ids import is_code
from jingzhi.core.text import listing
from jingzhi.core.types import Actor

TOKEN_PREFIX = "jz_"
TOKEN_TOUCH_SECONDS = 60


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise PermissionDenied(message)


def _password_problems(password: str, user: User | None) -> list[str]:
    try:
        validate_password(password, user=user)
    except ValidationError as exc:
        return [str(m) for m in exc.messages]
    return []


# --- users -------------------------------------------------------------------------------------------------


def do_create_user(
    *,
    actor: Actor,
    username: str,
    password: str | None,
    display_name: str = "",
    phone: str = "",
    is_staff: bool = False,
    check_password_strength: bool = False,
) -> User:
    """Create an account. `password` None makes it unusable (the person must be given one later).
    Strength rules (AUTH_PASSWORD_VALIDATORS) apply when `check_password_strength` is set — forms for
    people do; the demo builder and tests do not."""
    if actor is not None:
        _require(access.can_manage_users(actor), _("只有区管理员或超级管理员可以创建用户"))
    username = User.normalize_username((username or "").strip())
    problems: dict[str, list[str]] = {}
    if not username:
        problems["username"] = [_("用户名不能为空")]
    elif len(username) > 150:
        problems["username"] = [_("用户名最长 150 个字符")]
    if check_password_strength and password is not None:
        found = _password_problems(password, User(username=username, display_name=display_name))
        if found:
            problems["password"] = found
    if problems:
        raise InvalidInput(
            _("无法创建用户：%(fields)s 有误") % {"fields": listing(problems)}, fields=problems
        )
    with transaction.atomic():
        if User.objects.filter(username=username).exists():
            raise Conflict(
                _("用户名“%(name)s”已被占用") % {"name": username},
                code="duplicate",
                fields={"username": [_("已被占用")]},
            )
        user = User(username=username, display_name=display_name, phone=phone, is_staff=is_staff)
        if password is None:
            user.set_unusable_password()
        else:
            user.set_password(password)
        user.save()
        audit.record(
            actor=actor,
            verb=AuditVerb.USER_CREATED,
            target=user,
            new={
                "username": username,
                "display_name": display_name,
                "is_staff": is_staff,
                "has_phone": bool(phone),
            },
        )
    return user


def do_set_password(*, actor: Actor, user: User, password: str, check_password_strength: bool = True) -> User:
    if actor is not None and actor.pk != user.pk:
        _require(access.can_manage_users(actor), _("只能修改自己的密码"))
    if check_password_strength:
        found = _password_problems(password, user)
        if found:
            raise InvalidInput(
                _("密码不符合要求：%(why)s") % {"why": "；".join(found)}, fields={"password": found}
            )
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        audit.record(actor=actor, verb=AuditVerb.PASSWORD_SET, target=user, note=_("密码已修改"))
    return user


def do_set_user_active(*, actor: Actor, user: User, is_active: bool) -> User:
    """Deactivate (or reactivate) an account: a deactivated person cannot log in and their tokens stop."""
    if actor is not None:
        _require(access.can_manage_users(actor), _("只有区管理员或超级管理员可以停用用户"))
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        if locked.is_active == is_active:
            return locked
        locked.is_active = is_active
        locked.save(update_fields=["is_active"])
        audit.record(
            actor=actor,
            verb=AuditVerb.USER_ACTIVE_SET,
            target=locked,
            old={"is_active": not is_active},
            new={"is_active": is_active},
        )
    user.is_active = is_active
    access.forget(user)
    return locked


# --- departments -------------------------------------------------------------------------------------------


def do_create_department(
    *,
    actor: Actor,
    code: str,
    name: str,
    short_name: str = "",
    district_code: str = "",
    is_fallback: bool = False,
    phone: str = "",
) -> Department:
    if actor is not None:
        _require(access.can_manage_users(actor), _("只有区管理员或超级管理员可以创建部门"))
    code = (code or "").strip()
    name = (name or "").strip()
    problems: dict[str, list[str]] = {}
    if not code:
        problems["code"] = [_("部门编码不能为空")]
    elif len(code) > 32:
        problems["code"] = [_("部门编码最长 32 个字符")]
    if not name:
        problems["name"] = [_("部门名称不能为空")]
    if district_code and not is_code(district_code, 6):
        problems["district_code"] = [_("所属区编码应为 6 位数字，“%(code)s”不符合") % {"code": district_code}]
    if problems:
        raise InvalidInput(
            _("无法创建部门：%(fields)s 有误") % {"fields": listing(problems)}, fields=problems
        )
    with transaction.atomic():
        if Department.objects.filter(code=code).exists():
            raise Conflict(
                _("部门编码“%(code)s”已存在") % {"code": code},
                code="duplicate",
                fields={"code": [_("已存在")]},
            )
        department = Department.objects.create(
            code=code,
            name=name,
            short_name=short_name,
            district_code=district_code,
            is_fallback=is_fallback,
            phone=phone,
        )
        audit.record(
            actor=actor,
            verb=AuditVerb.DEPARTMENT_CREATED,
            target=department,
            new={
                "code": code,
                "name": name,
                "short_name": short_name,
                "district_code": district_code,
                "is_fallback": is_fallback,
            },
        )
    return department


# --- role assignments --------------------------------------------------------------------------------------


def do_assign_role(
    *,
    actor: Actor,
    user: User,
    role: str,
    scope_kind: str,
    scope_code: str = "",
    department: Department | None = None,
) -> RoleAssignment:
    """Give `user` the `role` within a scope (see `accounts.rules.ALLOWED_SCOPES`). Assigning what the user
    already holds returns the existing assignment unchanged; a revoked identical one is reactivated."""
    scope_code = (scope_code or "").strip()
    problems = rules.assignment_problems(
        role=role, scope_kind=scope_kind, scope_code=scope_code, has_department=department is not None
    )
    if problems:
        role_label = Role(role).label if role in Role.values else role
        raise InvalidInput(
            _("无法为“%(user)s”任命“%(role)s”：%(why)s")
            % {"user": user, "role": role_label, "why": "；".join(m for ms in problems.values() for m in ms)},
            fields=problems,
        )
    if actor is not None:
        _require(
            access.can_assign_role(
                actor,
                scope_kind=scope_kind,
                scope_code=scope_code,
                department_district_code=department.district_code if department else "",
            ),
            _("您无权在该范围内任命角色"),
        )
    with transaction.atomic():
        assignment, created = RoleAssignment.objects.select_for_update().get_or_create(
            user=user,
            role=role,
            scope_kind=scope_kind,
            scope_code=scope_code,
            department=department,
            defaults={"is_active": True},
        )
        if created:
            audit.record(
                actor=actor,
                verb=AuditVerb.ROLE_ASSIGNED,
                target=assignment,
                new=_assignment_values(assignment),
            )
        elif not assignment.is_active:
            assignment.is_active = True
            assignment.save(update_fields=["is_active"])
            audit.record(
                actor=actor,
                verb=AuditVerb.ROLE_ASSIGNED,
                target=assignment,
                old={"is_active": False},
                new=_assignment_values(assignment),
                note=_("重新启用已撤销的任命"),
            )
    access.forget(user)
    return assignment


def do_revoke_role(*, actor: Actor, assignment: RoleAssignment) -> RoleAssignment:
    if actor is not None:
        _require(
            access.can_assign_role(
                actor,
                scope_kind=assignment.scope_kind,
                scope_code=assignment.scope_code,
                department_district_code=assignment.department.district_code
                if assignment.department_id
                else "",
            ),
            _("您无权撤销该范围内的任命"),
        )
    with transaction.atomic():
        try:
            locked = RoleAssignment.objects.select_for_update().get(pk=assignment.pk)
        except RoleAssignment.DoesNotExist:
            raise NotFound(_("该角色任命不存在")) from None
        if not locked.is_active:
            return locked
        locked.is_active = False
        locked.save(update_fields=["is_active"])
        audit.record(
            actor=actor,
            verb=AuditVerb.ROLE_REVOKED,
            target=locked,
            old=_assignment_values(locked) | {"is_active": True},
            new={"is_active": False},
        )
    assignment.is_active = False
    access.forget(assignment.user)
    return locked


def _require_may_assign(actor, *, scope_kind: str, scope_code: str, department, message: str) -> None:
    if actor is not None:
        _require(
            access.can_assign_role(
                actor,
                scope_kind=scope_kind,
                scope_code=scope_code,
                department_district_code=department.district_code if department else "",
            ),
            message,
        )


def do_change_role_assignment(
    *,
    actor: Actor,
    assignment: RoleAssignment,
    role: str,
    scope_kind: str,
    scope_code: str = "",
    department: Department | None = None,
    is_active: bool = True,
) -> RoleAssignment:
    """Change an assignment in place (the admin's inline rows): the same rules as assigning, checked for the
    scope it leaves and the scope it enters, one audit row with the old and new values."""
    scope_code = (scope_code or "").strip()
    problems = rules.assignment_problems(
        role=role, scope_kind=scope_kind, scope_code=scope_code, has_department=department is not None
    )
    if problems:
        raise InvalidInput("；".join(m for ms in problems.values() for m in ms), fields=problems)
    with transaction.atomic():
        try:
            locked = (
                RoleAssignment.objects.select_for_update().select_related("department").get(pk=assignment.pk)
            )
        except RoleAssignment.DoesNotExist:
            raise NotFound(_("该角色任命不存在")) from None
        _require_may_assign(
            actor,
            scope_kind=locked.scope_kind,
            scope_code=locked.scope_code,
            department=locked.department,
            message=_("您无权修改该范围内的任命"),
        )
        _require_may_assign(
            actor,
            scope_kind=scope_kind,
            scope_code=scope_code,
            department=department,
            message=_("您无权在该范围内任命角色"),
        )
        old = _assignment_values(locked)
        locked.role, locked.scope_kind, locked.scope_code = role, scope_kind, scope_code
        locked.department, locked.is_active = department, is_active
        new = _assignment_values(locked)
        if new == old:
            return locked
        locked.save(update_fields=["role", "scope_kind", "scope_code", "department", "is_active"])
        audit.record(actor=actor, verb=AuditVerb.ROLE_ASSIGNMENT_CHANGED, target=locked, old=old, new=new)
    access.forget(locked.user)
    return locked


def _assignment_values(a: RoleAssignment) -> dict:
    return {
        "user": a.user_id,
        "role": a.role,
        "scope_kind": a.scope_kind,
        "scope_code": a.scope_code,
        "department": a.department_id,
        "is_active": a.is_active,
    }


# --- API tokens --------------------------------------------------------------------------------------------


def hash_key(raw_key: str) -> str:
    return hashlib.sha256(raw_key.encode("utf-8")).hexdigest()


def do_create_api_token(
    *, actor: Actor, user: User, name: str, expires_at: datetime | None = None
) -> tuple[ApiToken, str]:
    """Create a token and return it with the raw key — the only time the key exists outside the client."""
    if actor is not None and actor.pk != user.pk:
        _require(access.can_manage_users(actor), _("只能为自己创建 API 令牌"))
    name = (name or "").strip()
    if not name:
        raise InvalidInput(
            _("令牌名称不能为空，请写明用途（如“12345 工单同步”）"), fields={"name": [_("不能为空")]}
        )
    if len(name) > 100:
        raise InvalidInput(_("令牌名称最长 100 个字符"), fields={"name": [_("最长 100 个字符")]})
    raw_key = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user,
            name=name,
            key_prefix=raw_key[: len(TOKEN_PREFIX) + 6],
            key_hash=hash_key(raw_key),
            created_at=clock.now(),
            expires_at=expires_at,
        )
        audit.record(
            actor=actor,
            verb=AuditVerb.API_TOKEN_CREATED,
            target=token,
            new={
                "user": user.pk,
                "name": name,
                "key_prefix": token.key_prefix,
                **({"expires_at": expires_at.isoformat()} if expires_at else {}),
            },
        )
    return token, raw_key


def do_revoke_api_token(*, actor: Actor, token: ApiToken) -> ApiToken:
    if actor is not None and actor.pk != token.user_id:
        _require(access.can_manage_users(actor), _("只能吊销自己的 API 令牌"))
    with transaction.atomic():
        locked = ApiToken.objects.select_for_update().get(pk=token.pk)
        if locked.revoked_at is not None:
            return locked
        locked.revoked_at = clock.now()
        locked.save(update_fields=["revoked_at"])
        audit.record(
            actor=actor,
            verb=AuditVerb.API_TOKEN_REVOKED,
            target=locked,
            old={"revoked_at": None},
            new={"revoked_at": locked.revoked_at},
        )
    token.revoked_at = locked.revoked_at
    return locked


def touch_api_token(token: ApiToken) -> None:
    """Stamp last use, at most once a minute per token (a busy integration must not write every request)."""
    now = clock.now()
    if token.last_used_at is not None and now - token.last_used_at < timedelta(seconds=TOKEN_TOUCH_SECONDS):
        return
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    token.last_used_at = now


# --- login failures ----------------------------------------------------------------------------------------


def record_login_failure(*, request, username: str) -> None:
    """Count one failed login (in axes' table, under the backend's lock); when it locks the account, leave
    one audit row saying so."""
    from jingzhi.accounts import lockout  # lockout reads axes' table; kept apart to stay a pure read module

    with transaction.atomic():
        lockout.LockoutHandler().count_failure(request, username)
        if lockout.failures_for_username(username) == lockout.failure_limit():
            audit.record(
                actor=None,
                verb=AuditVerb.ACCOUNT_LOCKED,
                target=("accounts.user", username[:64]),
                new={"ip_address": request.axes_ip_address, "minutes": lockout.window_minutes()},
                note=_("连续登录失败 %(n)d 次，账户锁定") % {"n": lockout.failure_limit()},
            )


def clear_login_failures(*, username: str) -> None:
    from axes.models import AccessAttempt

    AccessAttempt.objects.filter(username=username).delete()


# --- signing in by phone with a one-time code ----------------------------------------------------------------


class SmsNotSent(ApplicationError):
    """The text-message gateway refused or failed: the person may ask for a new code."""

    code = "sms_failed"
    status = 502


@dataclass(frozen=True)
class IssuedCode:
    """What `do_request_login_code` tells its caller. `code` is the plain code, for the console SMS backend's
    demo notice only (`web` shows it when JINGZHI_DEMO is on and the console backend is in use); it is never
    stored, logged or audited."""

    phone_masked: str
    expires_at: object
    resend_seconds: int
    code: str


@dataclass(frozen=True)
class CodeSignIn:
    user: User
    created: bool


KEEP_LOGIN_CODES = timedelta(days=1)


def _otp_serialize(digest: str) -> None:
    from jingzhi.accounts import lockout

    lockout.serialize(f"otp:{digest}")


def do_request_login_code(*, phone: str, client_ip: str | None = None) -> IssuedCode:
    """Send a six-digit sign-in code to `phone` by text message (`core.sms`). The rules (accounts.otp) are
    checked here, for every door: a valid mainland mobile number; one code per number per
    JINGZHI_OTP_RESEND_SECONDS and at most JINGZHI_OTP_PER_PHONE_PER_HOUR an hour (counted from the code
    table, so they hold across processes); per client address JINGZHI_RATE_OTP_PER_IP a minute when the
    interface passes `client_ip`. A new code spends the number's older ones. Audited with the number masked.
    """
    from jingzhi.core import ratelimit
    from jingzhi.core.errors import RateLimited
    from jingzhi.core.sms import SmsError, get_sms_backend, mask_phone

    phone = otp.normalize_phone(phone)
    if client_ip is not None:
        ratelimit.check("login_code", {"JINGZHI_RATE_OTP_PER_IP": client_ip or None}, _("获取验证码"))
    digest = otp.phone_digest(phone)
    now = clock.now()
    code = otp.new_code()
    with transaction.atomic():
        _otp_serialize(digest)
        mine = LoginCode.objects.filter(phone_digest=digest)
        latest = mine.order_by("-created_at", "-id").first()
        wait = otp.wait_seconds(latest.created_at if latest else None, now)
        if wait:
            raise RateLimited(
                _("验证码已发送，请 %(s)d 秒后再重新获取") % {"s": wait},
                retry_after=wait,
                fields={"phone": [_("请稍后再试")]},
            )
        hour = list(mine.filter(created_at__gt=now - timedelta(hours=1)).values_list("created_at", flat=True))
        if len(hour) >= otp.per_phone_per_hour():
            retry = max(1, int((min(hour) + timedelta(hours=1) - now).total_seconds()) + 1)
            raise RateLimited(
                _("这个手机号一小时内已获取 %(n)d 次验证码，请 %(m)d 分钟后再试")
                % {"n": len(hour), "m": max(1, (retry + 59) // 60)},
                retry_after=retry,
                fields={"phone": [_("获取次数过多")]},
            )
        mine.filter(spent_at__isnull=True).update(spent_at=now)
        # Housekeeping, not a domain change: codes are worthless after a day (the hourly limit looks back
        # one hour), so the table keeps no longer trail of who asked when than that.
        LoginCode.objects.filter(created_at__lt=now - KEEP_LOGIN_CODES).delete()
        row = LoginCode.objects.create(
            phone_digest=digest,
            code_hash=otp.code_hash(phone, code),
            created_at=now,
            expires_at=now + otp.ttl(),
        )
        audit.record(
            actor=None,
            verb=AuditVerb.LOGIN_CODE_SENT,
            target=row,
            new={"phone": mask_phone(phone), "expires_at": row.expires_at.isoformat()},
        )
    minutes = int(otp.ttl().total_seconds() // 60)
    text = _("【精治】您的登录验证码是 %(code)s，%(m)d 分钟内有效。如非本人操作，请忽略。") % {
        "code": code,
        "m": minutes,
    }
    try:
        get_sms_backend().send(phone, text)
    except SmsError as exc:
        LoginCode.objects.filter(pk=row.pk).update(spent_at=clock.now())
        raise SmsNotSent(_("短信发送失败，请稍后再试")) from exc
    return IssuedCode(
        phone_masked=mask_phone(phone),
        expires_at=row.expires_at,
        resend_seconds=int(otp.resend_after().total_seconds()),
        code=code,
    )


def do_sign_in_with_code(*, phone: str, code: str) -> CodeSignIn:
    """The account of `phone` when `code` is its latest live code, creating a resident account (no roles,
    no password) for a number we do not know yet. A wrong code counts against the code, which is spent after
    JINGZHI_OTP_MAX_ATTEMPTS wrong guesses; an expired, used or replaced code is refused. Staff accounts
    (any role but resident, Django staff, superusers) never sign in this way: a text message is not enough
    to open a workbench. Every outcome is audited with the number masked; the caller logs the user in."""
    from jingzhi.core.sms import mask_phone

    phone = otp.normalize_phone(phone)
    code = otp.normalize_code(code)
    digest = otp.phone_digest(phone)
    now = clock.now()
    failure: ApplicationError | None = None
    with transaction.atomic():
        _otp_serialize(digest)
        row = (
            LoginCode.objects.select_for_update()
            .filter(phone_digest=digest, spent_at__isnull=True, expires_at__gt=now)
            .order_by("-created_at", "-id")
            .first()
        )
        if row is None:
            raise InvalidInput(
                _("验证码已失效（已过期、已使用或已重新获取），请重新获取"),
                code="code_expired",
                fields={"code": [_("请重新获取")]},
            )
        if not otp.code_matches(row.code_hash, phone, code):
            row.attempts += 1
            left = otp.attempts_left(row.attempts)
            fields = ["attempts"]
            if not left:
                row.spent_at = now
                fields.append("spent_at")
            row.save(update_fields=fields)
            audit.record(
                actor=None,
                verb=AuditVerb.LOGIN_CODE_FAILED,
                target=row,
                new={"phone": mask_phone(phone), "attempts": row.attempts, "spent": not left},
            )
            message = (
                _("验证码不正确，还可再试 %(n)d 次") % {"n": left}
                if left
                else _("验证码错误次数过多，已作废，请重新获取")
            )
            failure = InvalidInput(message, code="code_wrong", fields={"code": [message]})
        else:
            row.spent_at = now
            row.save(update_fields=["spent_at"])
            user, created, failure = _account_for_phone(phone, row)
    if failure is not None:
        # Raised after the block: the counted attempt (or the spent code) must be kept.
        raise failure
    return CodeSignIn(user=user, created=created)


PHONE_TOKEN_DAYS = 30


def phone_token_days() -> int:
    return max(1, int(getattr(settings, "JINGZHI_PHONE_TOKEN_DAYS", PHONE_TOKEN_DAYS)))


@dataclass(frozen=True)
class PhoneToken:
    user: User
    created: bool
    token: ApiToken
    key: str


def do_issue_phone_token(*, phone: str, code: str, device: str = "") -> PhoneToken:
    """A phone app's sign-in: the same code check as the web page (`do_sign_in_with_code`: residents only,
    wrong guesses counted, expiry), then an API token for the resident that expires after
    JINGZHI_PHONE_TOKEN_DAYS days. The key is returned once; only its digest is stored."""
    signed_in = do_sign_in_with_code(phone=phone, code=code)
    device = " ".join((device or "").split())[:40]
    name = _("手机验证码登录") + (f"（{device}）" if device else "")
    token, key = do_create_api_token(
        actor=signed_in.user,
        user=signed_in.user,
        name=name,
        expires_at=clock.now() + timedelta(days=phone_token_days()),
    )
    return PhoneToken(user=signed_in.user, created=signed_in.created, token=token, key=key)


def _account_for_phone(phone: str, row: LoginCode):
    """(user, created, failure) for a verified number, inside the sign-in's transaction."""
    from jingzhi.core.sms import mask_phone

    known = list(User.objects.filter(phone=phone).order_by("id"))
    if any(u.is_active and access.can_view_staff_pages(u) for u in known):
        audit.record(
            actor=None,
            verb=AuditVerb.LOGIN_CODE_FAILED,
            target=row,
            new={"phone": mask_phone(phone), "refused": "staff_account"},
        )
        return (
            None,
            False,
            PermissionDenied(_("这个手机号属于工作人员账号，请用用户名和密码登录"), code="staff_account"),
        )
    live = [u for u in known if u.is_active]
    if known and not live:
        return None, False, PermissionDenied(_("这个手机号的账号已停用，请联系社区或街道"), code="inactive")
    created = not live
    if live:
        user = live[0]
    else:
        user = User(
            username=f"m{secrets.token_hex(6)}",
            display_name=_("居民%(tail)s") % {"tail": phone[-4:]},
            phone=phone,
        )
        user.set_unusable_password()
        user.save()
        audit.record(
            actor=None,
            verb=AuditVerb.USER_CREATED,
            target=user,
            new={
                "username": user.username,
                "display_name": user.display_name,
                "has_phone": True,
                "via": "login_code",
            },
        )
    audit.record(
        actor=user,
        verb=AuditVerb.LOGIN_BY_CODE,
        target=user,
        new={"phone": mask_phone(phone), "code": row.pk, "new_account": created},
    )
    return user, created, None


__all__ = [
    "CodeSignIn",
    "IssuedCode",
    "ScopeKind",
    "SmsNotSent",
    "clear_login_failures",
    "do_request_login_code",
    "do_sign_in_with_code",
    "do_assign_role",
    "do_create_api_token",
    "do_create_department",
    "do_create_user",
    "do_revoke_api_token",
    "do_revoke_role",
    "do_set_password",
    "do_set_user_active",
    "hash_key",
    "record_login_failure",
    "touch_api_token",
]
