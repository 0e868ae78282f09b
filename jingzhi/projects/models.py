"""民意立项's tables: the catalogue of project kinds, the household register, projects with their scope,
co-applicants and evidence, vote rounds with their frozen register and ballots, deliberation meetings,
objections, milestones and ratings. Written only by `jingzhi.projects.actions`.

Places are referred to by code (as `accounts` does), so a project keeps its scope across boundary
generations. Personal data (a household's representative, phone, members) stays in `Household` and
`HouseholdMember`; ballots of a secret round hold a keyed digest of the voting unit, not the unit, so what
was voted is stored apart from who may vote (`RegisterEntry` records that and how a unit voted, never what).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from jingzhi.core import clock
from jingzhi.projects import workflow


class Domain(models.TextChoices):
    PUBLIC_SAFETY = "public_safety", _("公共安全")
    PUBLIC_SERVICE = "public_service", _("公共服务")
    URBAN_MANAGEMENT = "urban_management", _("城市管理")
    SOCIAL_BUILDING = "social_building", _("社会建设")
    PARTY_MASS = "party_mass", _("党群工作")


class ProjectType(models.TextChoices):
    SOLICIT = workflow.SOLICIT, workflow.TYPE_LABELS[workflow.SOLICIT]
    DECLARE = workflow.DECLARE, workflow.TYPE_LABELS[workflow.DECLARE]
    DRIVEN = workflow.DRIVEN, workflow.TYPE_LABELS[workflow.DRIVEN]


class ScopeLevel(models.TextChoices):
    BUILDING = "building", _("楼栋/院落")
    COMMUNITY = "community", _("社区")
    SUBDISTRICT = "subdistrict", _("街道")


class VotingUnit(models.TextChoices):
    HOUSEHOLD = workflow.UNIT_HOUSEHOLD, workflow.UNIT_LABELS[workflow.UNIT_HOUSEHOLD]
    PERSON = workflow.UNIT_PERSON, workflow.UNIT_LABELS[workflow.UNIT_PERSON]
    OWNER = workflow.UNIT_OWNER, workflow.UNIT_LABELS[workflow.UNIT_OWNER]


class State(models.TextChoices):
    DRAFT = workflow.DRAFT, workflow.STATE_LABELS[workflow.DRAFT]
    DECLARED = workflow.DECLARED, workflow.STATE_LABELS[workflow.DECLARED]
    PENDING_ACCEPTANCE = workflow.PENDING_ACCEPTANCE, workflow.STATE_LABELS[workflow.PENDING_ACCEPTANCE]
    PROPOSED = workflow.PROPOSED, workflow.STATE_LABELS[workflow.PROPOSED]
    DISMISSED = workflow.DISMISSED, workflow.STATE_LABELS[workflow.DISMISSED]
    DELIBERATION = workflow.DELIBERATION, workflow.STATE_LABELS[workflow.DELIBERATION]
    VOTING = workflow.VOTING, workflow.STATE_LABELS[workflow.VOTING]
    PUBLICITY = workflow.PUBLICITY, workflow.STATE_LABELS[workflow.PUBLICITY]
    APPROVED = workflow.APPROVED, workflow.STATE_LABELS[workflow.APPROVED]
    REJECTED = workflow.REJECTED, workflow.STATE_LABELS[workflow.REJECTED]
    DELIVERING = workflow.DELIVERING, workflow.STATE_LABELS[workflow.DELIVERING]
    ACCEPTED = workflow.ACCEPTED, workflow.STATE_LABELS[workflow.ACCEPTED]
    CLOSED = workflow.CLOSED, workflow.STATE_LABELS[workflow.CLOSED]


class Choice(models.TextChoices):
    FULL = workflow.FULL, workflow.CHOICE_LABELS[workflow.FULL]
    PARTIAL = workflow.PARTIAL, workflow.CHOICE_LABELS[workflow.PARTIAL]
    OPPOSE = workflow.OPPOSE, workflow.CHOICE_LABELS[workflow.OPPOSE]
    ABSTAIN = workflow.ABSTAIN, workflow.CHOICE_LABELS[workflow.ABSTAIN]


class Channel(models.TextChoices):
    ONLINE = workflow.ONLINE, workflow.CHANNEL_LABELS[workflow.ONLINE]
    MEETING = workflow.MEETING, workflow.CHANNEL_LABELS[workflow.MEETING]
    PAPER = workflow.PAPER, workflow.CHANNEL_LABELS[workflow.PAPER]


class ProjectKind(models.Model):
    """A kind of livelihood project in the catalogue, with the defaults a new project of it starts from."""

    code = models.CharField(_("编码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    domain = models.CharField(_("领域"), max_length=32, choices=Domain.choices)
    default_type = models.CharField(_("默认类型"), max_length=16, choices=ProjectType.choices)
    scope_level = models.CharField(_("征求范围"), max_length=16, choices=ScopeLevel.choices)
    voting_unit = models.CharField(_("表决单位"), max_length=16, choices=VotingUnit.choices)
    weight_by_area = models.BooleanField(_("按面积加权"), default=False)
    group_weights = models.JSONField(_("利益相关群体权重"), default=dict, blank=True)
    support_threshold = models.CharField(_("赞同比例"), max_length=16, default="2/3")
    turnout_threshold = models.CharField(_("参与率"), max_length=16, default="1/2")
    cosign_threshold = models.CharField(_("联署比例（民需申报型）"), max_length=16, default="3/10")
    partial_allowed = models.BooleanField(_("允许部分赞同路径"), default=True)
    secret = models.BooleanField(_("无记名投票"), default=True)
    publicity_days = models.PositiveSmallIntegerField(_("公示天数"), default=5)
    revote_on_objection = models.BooleanField(_("异议成立须重新表决"), default=False)
    delivery_template = models.TextField(_("实施模板"), blank=True)
    # The official 58-item list is not public: shipped kinds are examples, marked as such everywhere.
    is_example = models.BooleanField(_("示例条目"), default=False)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["domain", "code"]
        verbose_name = _("项目类别")
        verbose_name_plural = _("项目类别")

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"

    def rules_data(self) -> dict:
        return {
            "unit": self.voting_unit,
            "support": self.support_threshold,
            "turnout": self.turnout_threshold,
            "partial_allowed": self.partial_allowed,
            "weight_by_area": self.weight_by_area,
            "group_weights": self.group_weights or {},
            "secret": self.secret,
            "publicity_days": self.publicity_days,
            "revote_on_objection": self.revote_on_objection,
        }


class Household(models.Model):
    """One household (户) of the register: personal data, for staff of its subdistrict only."""

    community_code = models.CharField(_("社区编码"), max_length=32, db_index=True)
    building = models.CharField(_("楼栋/院落"), max_length=64)
    address = models.CharField(_("地址"), max_length=200)
    representative = models.CharField(_("户代表"), max_length=64)
    phone = models.CharField(_("联系电话"), max_length=32, blank=True)
    members = models.PositiveSmallIntegerField(_("人数"), default=1)
    floor_area = models.DecimalField(
        _("建筑面积（㎡）"), max_digits=9, decimal_places=2, null=True, blank=True
    )
    is_owner = models.BooleanField(_("产权户"), default=True)
    group = models.CharField(_("利益相关群体"), max_length=32, blank=True)
    is_active = models.BooleanField(_("有效"), default=True)
    created_at = models.DateTimeField(_("登记时间"), default=clock.now)

    class Meta:
        ordering = ["community_code", "building", "address"]
        verbose_name = _("住户")
        verbose_name_plural = _("住户登记")
        constraints = [
            models.UniqueConstraint(fields=["community_code", "address"], name="projects_household_address")
        ]

    def __str__(self) -> str:
        return self.address


class HouseholdMember(models.Model):
    """A person of a household with an account: how an online ballot is matched to the register."""

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="people")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="households")
    is_representative = models.BooleanField(_("户代表"), default=False)

    class Meta:
        verbose_name = _("住户成员")
        verbose_name_plural = _("住户成员")
        constraints = [
            models.UniqueConstraint(fields=["household", "user"], name="projects_member_once"),
        ]

    def __str__(self) -> str:
        return f"{self.household_id}:{self.user_id}"


class Project(models.Model):
    kind = models.ForeignKey(ProjectKind, on_delete=models.PROTECT, related_name="projects")
    type = models.CharField(_("类型"), max_length=16, choices=ProjectType.choices)
    state = models.CharField(_("状态"), max_length=24, choices=State.choices)
    title = models.CharField(_("项目名称"), max_length=120)
    description = models.TextField(_("做什么"))
    reason = models.TextField(_("为什么"), blank=True)
    # The scope: a subdistrict or community code, optionally narrowed to buildings/courtyards of a community.
    scope_code = models.CharField(_("范围编码"), max_length=32, db_index=True)
    scope_buildings = models.JSONField(_("范围内楼栋/院落"), default=list, blank=True)
    subdistrict_code = models.CharField(_("街道编码"), max_length=32, db_index=True)
    rules = models.JSONField(_("表决规则"), default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), default=clock.now)
    decision_note = models.TextField(_("决定说明"), blank=True)
    outcome = models.CharField(_("表决结果"), max_length=24, blank=True)
    publicity_starts = models.DateTimeField(_("公示开始"), null=True, blank=True)
    publicity_ends = models.DateTimeField(_("公示结束"), null=True, blank=True)
    department = models.ForeignKey(
        "accounts.Department",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("责任部门"),
    )
    vendor = models.CharField(_("实施单位/运营方"), max_length=120, blank=True)
    budget = models.DecimalField(_("预算（元）"), max_digits=14, decimal_places=2, null=True, blank=True)
    accepted_at = models.DateTimeField(_("验收时间"), null=True, blank=True)
    acceptance_note = models.TextField(_("验收意见"), blank=True)
    acceptance_representatives = models.PositiveSmallIntegerField(_("参加验收的居民代表人数"), default=0)
    operator_flagged = models.BooleanField(_("运营方待更换"), default=False)
    evidence_cases = models.ManyToManyField(
        "cases.Case", blank=True, related_name="+", verbose_name=_("关联案件")
    )
    changed_at = models.DateTimeField(_("更新时间"), default=clock.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("民意立项项目")
        verbose_name_plural = _("民意立项项目")
        indexes = [models.Index(fields=["state", "subdistrict_code"], name="projects_state_sub")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_public(self) -> bool:
        return self.state not in workflow.UNPUBLISHED


class ProjectEvent(models.Model):
    """The project's public timeline: one row per transition, without personal data."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("动作"), max_length=32)
    from_state = models.CharField(max_length=24, blank=True)
    to_state = models.CharField(max_length=24)
    note = models.TextField(_("说明"), blank=True)
    created_at = models.DateTimeField(_("时间"), default=clock.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.project_id} {self.action}"

    @property
    def label(self) -> str:
        if self.action == "create":
            return workflow.state_label(self.to_state)
        return workflow.action_label(self.action)


class CoApplicant(models.Model):
    """A household co-signing a declared need (民需申报型)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="co_applicants")
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "household"], name="projects_cosign_once"),
        ]

    def __str__(self) -> str:
        return f"{self.project_id}:{self.household_id}"


class DriveRule(models.Model):
    """民情推动型 as data: ≥ `min_cases` cases of `category` in one community within `days` proposes a
    project of `kind`."""

    category = models.ForeignKey("taxonomy.Category", on_delete=models.CASCADE, related_name="+")
    kind = models.ForeignKey(ProjectKind, on_delete=models.CASCADE, related_name="drive_rules")
    min_cases = models.PositiveSmallIntegerField(_("案件数"), default=5)
    days = models.PositiveSmallIntegerField(_("天数"), default=90)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("民情推动规则")
        verbose_name_plural = _("民情推动规则")

    def __str__(self) -> str:
        return f"{self.category_id}≥{self.min_cases}/{self.days}d"


class Round(models.Model):
    """One vote of a project under rules frozen when it opened. A change of rules opens a new round; the
    old one is superseded and its ballots stay on record."""

    class Status(models.TextChoices):
        OPEN = "open", _("进行中")
        CLOSED = "closed", _("已结束")
        SUPERSEDED = "superseded", _("已被新一轮取代")

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="rounds")
    number = models.PositiveSmallIntegerField(_("轮次"))
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.OPEN)
    rules = models.JSONField(_("冻结的规则"))
    question = models.CharField(_("表决事项"), max_length=200)
    reason = models.CharField(_("新一轮的原因"), max_length=300, blank=True)
    opened_at = models.DateTimeField(_("开启时间"), default=clock.now)
    closes_at = models.DateTimeField(_("截止时间"))
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    # The frozen register's size, kept when the round opens (the register never changes after).
    eligible_units = models.PositiveIntegerField(_("合格单位数"), default=0)
    result = models.JSONField(_("结果"), default=dict, blank=True)

    class Meta:
        ordering = ["project", "number"]
        constraints = [
            models.UniqueConstraint(fields=["project", "number"], name="projects_round_number"),
            models.UniqueConstraint(
                fields=["project"], condition=Q(status="open"), name="projects_one_open_round"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project_id}#{self.number}"


class RegisterEntry(models.Model):
    """A voting unit on a round's frozen register: who may vote, with the weight frozen at opening, and
    whether and how it voted (never what)."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="register")
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="+")
    member = models.ForeignKey(
        HouseholdMember, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    unit = models.CharField(max_length=32)  # "h<household id>" or "p<member id>"
    weight = models.CharField(max_length=40)  # a Fraction as text: exact
    group = models.CharField(max_length=32, blank=True)
    voted_channel = models.CharField(max_length=16, choices=Channel.choices, blank=True)
    voted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["round", "unit"], name="projects_register_unit")]

    def __str__(self) -> str:
        return f"{self.round_id}:{self.unit}"


class Ballot(models.Model):
    """A ballot as given. `unit_digest` names the voting unit by a keyed digest (the unit itself only in a
    signed round, through `entry`); exactly one ballot per unit and round is counted — the database
    refuses a second (the conditional unique constraint), whatever the channel or the race."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="ballots")
    unit_digest = models.CharField(max_length=64)
    entry = models.ForeignKey(
        RegisterEntry, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    choice = models.CharField(_("选择"), max_length=16, choices=Choice.choices)
    channel = models.CharField(_("渠道"), max_length=16, choices=Channel.choices)
    weight = models.CharField(max_length=40)
    counted = models.BooleanField(default=True)
    signed_name = models.CharField(_("签字"), max_length=64, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=clock.now)
    superseded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["round", "unit_digest"], condition=Q(counted=True), name="projects_one_counted_ballot"
            )
        ]
        indexes = [
            models.Index(fields=["round", "counted", "choice", "weight"], name="projects_ballot_tally")
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.channel}"


class Meeting(models.Model):
    """议事协商会: notice, invited groups, named sign-in against a quorum, agenda items with counted show of
    hands, minutes confirmed by attendees."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="meetings")
    title = models.CharField(_("会议名称"), max_length=120)
    held_at = models.DateTimeField(_("召开时间"))
    place = models.CharField(_("地点"), max_length=120)
    notice = models.TextField(_("会议通知"), blank=True)
    invited_groups = models.JSONField(_("邀请对象"), default=list)
    quorum = models.PositiveSmallIntegerField(_("法定人数"), default=1)
    minutes = models.TextField(_("会议纪要"), blank=True)
    minutes_confirmed_at = models.DateTimeField(_("纪要确认时间"), null=True, blank=True)
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["held_at", "id"]

    def __str__(self) -> str:
        return self.title


class Attendee(models.Model):
    class Group(models.TextChoices):
        REPRESENTATIVE = "representative", _("居民代表")
        BUILDING_CHIEF = "building_chief", _("楼门长")
        PROPERTY = "property", _("物业公司")
        EXPERT = "expert", _("专家")
        PARTY = "party", _("党员")
        OFFICIAL = "official", _("街道/社区工作人员")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendees")
    name = models.CharField(_("姓名"), max_length=64)
    group = models.CharField(_("身份"), max_length=24, choices=Group.choices)
    signed_in_at = models.DateTimeField(default=clock.now)
    confirmed_minutes = models.BooleanField(_("确认纪要"), default=False)

    class Meta:
        ordering = ["signed_in_at", "id"]
        constraints = [models.UniqueConstraint(fields=["meeting", "name"], name="projects_attendee_once")]

    def __str__(self) -> str:
        return self.name


class AgendaItem(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="items")
    order = models.PositiveSmallIntegerField(default=1)
    title = models.CharField(_("议题"), max_length=200)
    notes = models.TextField(_("讨论记录"), blank=True)
    votes_for = models.PositiveSmallIntegerField(_("赞成"), default=0)
    votes_against = models.PositiveSmallIntegerField(_("反对"), default=0)
    votes_abstain = models.PositiveSmallIntegerField(_("弃权"), default=0)
    carried = models.BooleanField(_("通过"), default=False)

    class Meta:
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.title


class Objection(models.Model):
    """An objection during publicity, with identity (staff only) and grounds; answered publicly."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="objections")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    household = models.ForeignKey(Household, null=True, on_delete=models.SET_NULL, related_name="+")
    name = models.CharField(_("提出人"), max_length=64)
    grounds = models.TextField(_("理由"))
    created_at = models.DateTimeField(default=clock.now)
    answer = models.TextField(_("答复"), blank=True)
    upheld = models.BooleanField(_("异议成立"), default=False)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"#{self.pk}"


class Milestone(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(_("节点"), max_length=120)
    progress = models.PositiveSmallIntegerField(_("进度（%）"), default=0)
    note = models.TextField(_("说明"), blank=True)
    case = models.ForeignKey("cases.Case", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.title


class Rating(models.Model):
    """Satisfaction (1–5) of one eligible household with the delivered project and its operator."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="ratings")
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="+")
    score = models.PositiveSmallIntegerField(_("评分"))
    comment = models.CharField(_("意见"), max_length=300, blank=True)
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["project", "household"], name="projects_rate_once")]

    def __str__(self) -> str:
        return f"{self.project_id}:{self.score}"
