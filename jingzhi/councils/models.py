"""The tables of 多元共治: councils and their members (with the dated history of joining, leaving and role
changes), declared unavailable days, monthly patrol rosters and their shifts, swap requests, patrol rounds
(check-in / check-out with location, a checklist) and their findings (each a case), meetings of a council,
joint meetings (联席会议) and community–property meetings with agenda, attendance, decisions and action
items, property companies as handling parties, and 在职党员回社区报到 (party members registered with a
community, the community's tasks, sign-ups with check-in/out and hours).

Only `jingzhi.councils.actions` writes these tables; the roster generator and the small rules are pure
functions in `jingzhi.councils.workflow`. Places are referred to by CODE (a street or a community), as in
十无一创建, so a new boundary generation never orphans a council. Findings and action items point at cases;
the cases themselves are written only through `cases.actions`.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from jingzhi.core import clock


# --------------------------------------------------------------------------------------------------- councils
class AreaKind(models.TextChoices):
    STREET = "street", _("街巷")
    COMMUNITY = "community", _("社区")


class HolidayPolicy(models.TextChoices):
    PATROL = "patrol", _("节假日照常巡查")
    SKIP = "skip", _("节假日不排班")


class OutsidePolicy(models.TextChoices):
    WARN = "warn", _("提示并记录")
    REFUSE = "refuse", _("拒绝签到")


class Council(models.Model):
    """A self-governance council (自治共建理事会 / 街巷理事会) of one street or one community."""

    name = models.CharField(_("名称"), max_length=100)
    area_kind = models.CharField(_("范围类型"), max_length=16, choices=AreaKind.choices)
    area_code = models.CharField(_("街巷或社区编码"), max_length=32, db_index=True)
    area_name = models.CharField(_("街巷或社区名称"), max_length=100)
    subdistrict_code = models.CharField(_("街道编码"), max_length=32, db_index=True)
    term_start = models.DateField(_("本届开始"))
    term_end = models.DateField(_("本届结束"), null=True, blank=True)
    holiday_policy = models.CharField(
        _("节假日"), max_length=8, choices=HolidayPolicy.choices, default=HolidayPolicy.PATROL
    )
    outside_policy = models.CharField(
        _("在范围外签到"), max_length=8, choices=OutsidePolicy.choices, default=OutsidePolicy.WARN
    )
    per_day = models.PositiveSmallIntegerField(
        _("每日巡查人数"), default=1, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    checklist = models.JSONField(_("巡查清单"), default=list, blank=True)
    is_active = models.BooleanField(_("在用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), default=clock.now)

    class Meta:
        ordering = ["subdistrict_code", "name", "id"]
        verbose_name = _("理事会")
        verbose_name_plural = _("理事会")

    def __str__(self) -> str:
        return self.name


class MemberRole(models.TextChoices):
    CHIEF = "chief", _("理事长")
    SECRETARY = "secretary", _("秘书长")
    MEMBER = "member", _("理事")


class MemberKind(models.TextChoices):
    BUILDING_HEAD = "building_head", _("楼门院长")
    RESIDENT = "resident", _("居民代表")
    VOLUNTEER = "volunteer", _("志愿者")
    UNIT = "unit", _("驻街单位或商户")
    STAFF = "staff", _("社区工作者")


class CouncilMember(models.Model):
    council = models.ForeignKey(Council, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="council_memberships"
    )
    role = models.CharField(_("职务"), max_length=16, choices=MemberRole.choices, default=MemberRole.MEMBER)
    kind = models.CharField(_("身份"), max_length=16, choices=MemberKind.choices, default=MemberKind.RESIDENT)
    position = models.PositiveSmallIntegerField(_("轮值顺序"), default=0)
    joined_on = models.DateField(_("加入日期"))
    left_on = models.DateField(_("退出日期"), null=True, blank=True)
    is_active = models.BooleanField(_("在任"), default=True)
    role_assignment = models.ForeignKey(
        "accounts.RoleAssignment", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["council", "position", "id"]
        verbose_name = _("理事会成员")
        verbose_name_plural = _("理事会成员")
        constraints = [
            models.UniqueConstraint(
                fields=["council", "user"], condition=Q(is_active=True), name="councils_one_active_membership"
            )
        ]

    def __str__(self) -> str:
        return f"{self.council_id}:{self.user_id}"


class MembershipChange(models.Model):
    """The dated history of a council's composition: joined, left, role changed."""

    class Kind(models.TextChoices):
        JOINED = "joined", _("加入")
        LEFT = "left", _("退出")
        ROLE = "role", _("职务变更")

    member = models.ForeignKey(CouncilMember, on_delete=models.CASCADE, related_name="changes")
    kind = models.CharField(_("变更"), max_length=8, choices=Kind.choices)
    on = models.DateField(_("日期"))
    old_role = models.CharField(_("原职务"), max_length=16, choices=MemberRole.choices, blank=True)
    new_role = models.CharField(_("新职务"), max_length=16, choices=MemberRole.choices, blank=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        ordering = ["on", "id"]
        verbose_name = _("成员变更记录")
        verbose_name_plural = _("成员变更记录")

    def __str__(self) -> str:
        return f"{self.member_id} {self.kind} {self.on}"


class Unavailability(models.Model):
    """A day a member declared they cannot patrol."""

    member = models.ForeignKey(CouncilMember, on_delete=models.CASCADE, related_name="unavailable_days")
    day = models.DateField(_("日期"))
    note = models.CharField(_("原因"), max_length=100, blank=True)

    class Meta:
        ordering = ["day"]
        verbose_name = _("不能巡查的日期")
        verbose_name_plural = _("不能巡查的日期")
        constraints = [models.UniqueConstraint(fields=["member", "day"], name="councils_one_unavailable_day")]

    def __str__(self) -> str:
        return f"{self.member_id} {self.day}"


# ---------------------------------------------------------------------------------------------------- rosters
class Roster(models.Model):
    council = models.ForeignKey(Council, on_delete=models.CASCADE, related_name="rosters")
    month = models.DateField(_("月份"), help_text=_("该月第一天"))
    holiday_policy = models.CharField(_("节假日"), max_length=8, choices=HolidayPolicy.choices)
    skipped_days = models.JSONField(_("不排班的节假日"), default=list, blank=True)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("生成时间"), default=clock.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["council", "-month"]
        verbose_name = _("巡查排班表")
        verbose_name_plural = _("巡查排班表")
        constraints = [
            models.UniqueConstraint(fields=["council", "month"], name="councils_one_roster_a_month")
        ]

    def __str__(self) -> str:
        return f"{self.council_id} {self.month:%Y-%m}"


class Shift(models.Model):
    roster = models.ForeignKey(Roster, on_delete=models.CASCADE, related_name="shifts")
    council = models.ForeignKey(Council, on_delete=models.CASCADE, related_name="shifts")
    day = models.DateField(_("日期"), db_index=True)
    member = models.ForeignKey(CouncilMember, on_delete=models.PROTECT, related_name="shifts")

    class Meta:
        ordering = ["day", "member__position", "id"]
        verbose_name = _("巡查班次")
        verbose_name_plural = _("巡查班次")
        constraints = [models.UniqueConstraint(fields=["roster", "day", "member"], name="councils_one_shift")]

    def __str__(self) -> str:
        return f"{self.day} {self.member_id}"


class Swap(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("待理事长审批")
        APPROVED = "approved", _("已同意")
        REJECTED = "rejected", _("未同意")

    shift = models.ForeignKey(Shift, on_delete=models.CASCADE, related_name="swaps")
    from_member = models.ForeignKey(CouncilMember, on_delete=models.PROTECT, related_name="+")
    to_member = models.ForeignKey(CouncilMember, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(_("原因"), max_length=200, blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.PENDING)
    requested_at = models.DateTimeField(_("申请时间"), default=clock.now)
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("换班申请")
        verbose_name_plural = _("换班申请")

    def __str__(self) -> str:
        return f"{self.shift_id} {self.status}"


class PatrolRound(models.Model):
    """One patrol on a shift: check-in and check-out with time and location, a checklist, findings."""

    shift = models.OneToOneField(Shift, on_delete=models.PROTECT, related_name="round")
    started_at = models.DateTimeField(_("签到时间"))
    start_lon = models.FloatField(null=True, blank=True)
    start_lat = models.FloatField(null=True, blank=True)
    start_outside_m = models.FloatField(_("签到点距范围（米）"), null=True, blank=True)
    finished_at = models.DateTimeField(_("签退时间"), null=True, blank=True)
    finish_lon = models.FloatField(null=True, blank=True)
    finish_lat = models.FloatField(null=True, blank=True)
    finish_outside_m = models.FloatField(_("签退点距范围（米）"), null=True, blank=True)
    checklist = models.JSONField(_("巡查清单结果"), default=dict, blank=True)
    note = models.CharField(_("巡查情况"), max_length=500, blank=True)

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("巡查记录")
        verbose_name_plural = _("巡查记录")

    def __str__(self) -> str:
        return f"{self.shift_id} {self.started_at:%Y-%m-%d %H:%M}"


class Finding(models.Model):
    patrol = models.ForeignKey(PatrolRound, on_delete=models.CASCADE, related_name="findings")
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="+")
    note = models.CharField(_("问题描述"), max_length=500)
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("巡查发现")
        verbose_name_plural = _("巡查发现")

    def __str__(self) -> str:
        return f"{self.patrol_id} → {self.case_id}"


# --------------------------------------------------------------------------------------------------- meetings
class MeetingKind(models.TextChoices):
    COUNCIL = "council", _("理事会会议")
    JOINT = "joint", _("联席会议")
    PROPERTY = "property", _("社区物业联席会")


class Meeting(models.Model):
    kind = models.CharField(_("会议类型"), max_length=16, choices=MeetingKind.choices)
    council = models.ForeignKey(
        Council, null=True, blank=True, on_delete=models.PROTECT, related_name="meetings"
    )
    # The place the meeting is about: the council's area, or the convening subdistrict (joint meetings),
    # or the community (property meetings). Scoping reads this code.
    area_code = models.CharField(_("范围编码"), max_length=32, db_index=True)
    title = models.CharField(_("议题"), max_length=200)
    held_at = models.DateTimeField(_("会议时间"))
    location = models.CharField(_("地点"), max_length=200, blank=True)
    minutes = models.TextField(_("会议纪要"), blank=True)
    invited_departments = models.ManyToManyField(
        "accounts.Department", blank=True, related_name="+", verbose_name=_("邀请部门")
    )
    property_company = models.ForeignKey(
        "PropertyCompany", null=True, blank=True, on_delete=models.PROTECT, related_name="meetings"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["-held_at", "-id"]
        verbose_name = _("会议")
        verbose_name_plural = _("会议")

    def __str__(self) -> str:
        return self.title


class Attendance(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendance")
    department = models.ForeignKey(
        "accounts.Department", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("参会人"), max_length=100)
    present = models.BooleanField(_("出席"), default=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("出席")
        verbose_name_plural = _("出席")

    def __str__(self) -> str:
        return self.name


class AgendaItem(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda")
    title = models.CharField(_("议程"), max_length=200)
    case = models.ForeignKey("cases.Case", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    whistle = models.ForeignKey(
        "cases.Whistle", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["meeting", "position", "id"]
        verbose_name = _("议程")
        verbose_name_plural = _("议程")

    def __str__(self) -> str:
        return self.title


class Decision(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="decisions")
    text = models.CharField(_("决定事项"), max_length=500)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["meeting", "position", "id"]
        verbose_name = _("决定事项")
        verbose_name_plural = _("决定事项")

    def __str__(self) -> str:
        return self.text[:50]


class ActionItem(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("办理中")
        DONE = "done", _("已办结")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="action_items")
    decision = models.ForeignKey(
        Decision, null=True, blank=True, on_delete=models.SET_NULL, related_name="action_items"
    )
    title = models.CharField(_("任务"), max_length=300)
    owner_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    owner_department = models.ForeignKey(
        "accounts.Department", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    due_on = models.DateField(_("完成时限"))
    status = models.CharField(_("状态"), max_length=8, choices=Status.choices, default=Status.OPEN)
    case = models.ForeignKey("cases.Case", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    done_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    done_note = models.CharField(_("办结说明"), max_length=300, blank=True)
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["due_on", "id"]
        verbose_name = _("会议任务")
        verbose_name_plural = _("会议任务")
        constraints = [
            models.CheckConstraint(
                condition=Q(owner_user__isnull=False) | Q(owner_department__isnull=False),
                name="councils_action_item_has_owner",
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def owner_label(self) -> str:
        if self.owner_department_id:
            return self.owner_department.name
        if self.owner_user_id:
            return self.owner_user.display_name or self.owner_user.username
        return ""


# ------------------------------------------------------------------------------------------ property companies
class PropertyCompany(models.Model):
    """A property company (物业服务企业) registered as a handling party: it is backed by a department row,
    so cases are dispatched to it, timed and rated exactly as for a functional department."""

    name = models.CharField(_("名称"), max_length=100)
    department = models.OneToOneField(
        "accounts.Department", on_delete=models.PROTECT, related_name="property_company"
    )
    subdistrict_code = models.CharField(_("街道编码"), max_length=32, db_index=True)
    places = models.JSONField(_("管理的社区或街巷编码"), default=list)
    contact = models.CharField(_("联系人"), max_length=50, blank=True)
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["name"]
        verbose_name = _("物业公司")
        verbose_name_plural = _("物业公司")

    def __str__(self) -> str:
        return self.name


# --------------------------------------------------------------------------------- 在职党员回社区报到
class PartyOrganisation(models.Model):
    """A local unit's party organisation (在职党员所在单位党组织)."""

    name = models.CharField(_("单位党组织"), max_length=100, unique=True)
    unit_name = models.CharField(_("单位"), max_length=100)

    class Meta:
        ordering = ["name"]
        verbose_name = _("单位党组织")
        verbose_name_plural = _("单位党组织")

    def __str__(self) -> str:
        return self.name


class PartyMember(models.Model):
    """A party member registered with their home community (回社区报到)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="party_records")
    organisation = models.ForeignKey(PartyOrganisation, on_delete=models.PROTECT, related_name="members")
    community_code = models.CharField(_("报到社区"), max_length=32, db_index=True)
    registered_on = models.DateField(_("报到日期"))

    class Meta:
        ordering = ["community_code", "id"]
        verbose_name = _("报到党员")
        verbose_name_plural = _("报到党员")
        constraints = [
            models.UniqueConstraint(fields=["user", "community_code"], name="councils_one_registration")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} @ {self.community_code}"


class TaskKind(models.TextChoices):
    PATROL = "patrol", _("巡查值守")
    STEWARD = "steward", _("小巷管家值守")
    PROJECT = "project", _("项目志愿服务")
    EVENT = "event", _("社区活动")


class CommunityTask(models.Model):
    community_code = models.CharField(_("社区编码"), max_length=32, db_index=True)
    kind = models.CharField(_("类型"), max_length=16, choices=TaskKind.choices)
    title = models.CharField(_("任务"), max_length=200)
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    slots = models.PositiveSmallIntegerField(_("名额"), default=5, validators=[MinValueValidator(1)])
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["starts_at", "id"]
        verbose_name = _("社区任务")
        verbose_name_plural = _("社区任务")

    def __str__(self) -> str:
        return self.title


class TaskSignup(models.Model):
    task = models.ForeignKey(CommunityTask, on_delete=models.CASCADE, related_name="signups")
    member = models.ForeignKey(PartyMember, on_delete=models.PROTECT, related_name="signups")
    signed_up_at = models.DateTimeField(default=clock.now)
    checked_in_at = models.DateTimeField(_("签到"), null=True, blank=True)
    checked_out_at = models.DateTimeField(_("签退"), null=True, blank=True)
    hours = models.DecimalField(_("服务时长（小时）"), max_digits=6, decimal_places=2, default=0)

    class Meta:
        ordering = ["task", "id"]
        verbose_name = _("任务报名")
        verbose_name_plural = _("任务报名")
        constraints = [models.UniqueConstraint(fields=["task", "member"], name="councils_one_signup")]

    def __str__(self) -> str:
        return f"{self.task_id}:{self.member_id}"
