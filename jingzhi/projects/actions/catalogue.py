"""The catalogue of project kinds: saved one by one (the admin), imported and exported as Excel, and the
clearly marked example list shipped with the platform (the official 58-item list is not public)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from jingzhi.core import audit, tabular
from jingzhi.core.errors import InvalidInput, PermissionDenied
from jingzhi.projects import permissions, workflow
from jingzhi.projects.models import Domain, ProjectKind, ProjectType, ScopeLevel, VotingUnit
from jingzhi.projects.verbs import AuditVerb

from ._common import _user

FIELDS = (
    "name",
    "domain",
    "default_type",
    "scope_level",
    "voting_unit",
    "weight_by_area",
    "group_weights",
    "support_threshold",
    "turnout_threshold",
    "cosign_threshold",
    "partial_allowed",
    "secret",
    "publicity_days",
    "revote_on_objection",
    "delivery_template",
    "is_example",
    "is_active",
)

# (code, name, domain, type, scope, unit, support, turnout, secret, template)
EXAMPLES = [
    (
        "EX-PS-01",
        "楼门禁系统安装",
        Domain.PUBLIC_SAFETY,
        "declare",
        "building",
        "household",
        "2/3",
        "1/2",
        True,
        "方案设计→招标采购→安装调试→居民代表验收",
    ),
    (
        "EX-PS-02",
        "老旧小区消防通道整治",
        Domain.PUBLIC_SAFETY,
        "driven",
        "community",
        "household",
        "1/2",
        "1/2",
        True,
        "现场勘察→清理→划线→验收",
    ),
    (
        "EX-SV-01",
        "便民菜站设置",
        Domain.PUBLIC_SERVICE,
        "solicit",
        "community",
        "household",
        "1/2",
        "1/2",
        True,
        "选址（腾退空间）→运营方遴选→开业→季度满意度评价",
    ),
    (
        "EX-SV-02",
        "社区养老驿站服务项目",
        Domain.PUBLIC_SERVICE,
        "solicit",
        "community",
        "person",
        "1/2",
        "1/3",
        False,
        "需求调查→服务商遴选→试运行→评价",
    ),
    (
        "EX-UM-01",
        "老楼加装电梯",
        Domain.URBAN_MANAGEMENT,
        "declare",
        "building",
        "owner",
        "2/3",
        "2/3",
        False,
        "设计→审批→施工→特种设备验收→居民验收",
    ),
    (
        "EX-UM-02",
        "背街小巷停车自治管理",
        Domain.URBAN_MANAGEMENT,
        "driven",
        "community",
        "household",
        "2/3",
        "1/2",
        True,
        "议事协商→规划车位→自治管理→评价",
    ),
    (
        "EX-SB-01",
        "院落公共空间改造",
        Domain.SOCIAL_BUILDING,
        "solicit",
        "building",
        "household",
        "2/3",
        "1/2",
        True,
        "设计方案比选→施工→验收",
    ),
    (
        "EX-PM-01",
        "党群服务站点位调整",
        Domain.PARTY_MASS,
        "solicit",
        "community",
        "household",
        "1/2",
        "1/3",
        True,
        "征求意见→选址→启用",
    ),
]


def _choice(value, choices, field: str, label: str) -> str:
    value = str(value or "").strip()
    by_label = {str(lbl): v for v, lbl in choices}
    value = by_label.get(value, value)
    if value not in dict(choices):
        raise InvalidInput(
            _("%(label)s无效：“%(v)s”") % {"label": label, "v": value}, fields={field: "invalid"}
        )
    return value


def kind_problems(data: dict) -> dict[str, str]:
    problems = {}
    if not str(data.get("name") or "").strip():
        problems["name"] = _("请填写类别名称")
    for field, choices, label in (
        ("domain", Domain.choices, _("领域")),
        ("default_type", ProjectType.choices, _("默认类型")),
        ("scope_level", ScopeLevel.choices, _("征求范围")),
        ("voting_unit", VotingUnit.choices, _("表决单位")),
    ):
        try:
            data[field] = _choice(data.get(field), choices, field, label)
        except InvalidInput as exc:
            problems[field] = exc.message
    for field, label in (
        ("support_threshold", _("赞同比例")),
        ("turnout_threshold", _("参与率")),
        ("cosign_threshold", _("联署比例")),
    ):
        try:
            workflow.parse_proportion(data.get(field, "1/2"))
        except ValueError:
            problems[field] = _("%(label)s应为 0 到 1 之间的比例，如 2/3 或 50%%") % {"label": label}
    rules = {
        "group_weights": data.get("group_weights") or {},
        "publicity_days": data.get("publicity_days", 5),
    }
    for field, message in workflow.rules_problems(rules).items():
        problems[field] = message
    return problems


def do_save_kind(*, actor, code: str, **fields) -> ProjectKind:
    """Create or update the kind `code` (district admins and superusers keep the catalogue)."""
    if actor is not None and not (
        permissions.is_office_user(actor) and permissions.access.has_role(actor, "district_admin")
    ):
        raise PermissionDenied(_("项目类别目录由区管理员维护"))
    code = str(code or "").strip()
    if not code:
        raise InvalidInput(_("请填写类别编码"), fields={"code": "required"})
    data = {k: v for k, v in fields.items() if k in FIELDS}
    problems = kind_problems(data)
    if problems:
        raise InvalidInput(next(iter(problems.values())), fields=problems)
    with transaction.atomic():
        kind = ProjectKind.objects.select_for_update().filter(code=code).first()
        old = {k: getattr(kind, k) for k in data} if kind else {}
        if kind is None:
            kind = ProjectKind(code=code)
        for key, value in data.items():
            setattr(kind, key, value)
        kind.save()
        audit.record(actor=_user(actor), verb=AuditVerb.KIND_SAVED, target=kind, old=old, new=data)
    return kind


def do_load_example_kinds(*, actor) -> list[ProjectKind]:
    """The example list (every entry marked 示例), for a fresh installation and the demo."""
    kinds = []
    for code, name, domain, type_, scope, unit, support, turnout, secret, template in EXAMPLES:
        kinds.append(
            do_save_kind(
                actor=actor,
                code=code,
                name=name,
                domain=domain,
                default_type=type_,
                scope_level=scope,
                voting_unit=unit,
                support_threshold=support,
                turnout_threshold=turnout,
                secret=secret,
                delivery_template=template,
                is_example=True,
            )
        )
    return kinds


SPEC = [
    tabular.Column("code", "编码", ("code",), tabular.text(32), required=True, needed=True),
    tabular.Column("name", "名称", ("name",), tabular.text(100), required=True, needed=True),
    tabular.Column("domain", "领域", ("domain",), tabular.text(32), required=True, needed=True),
    tabular.Column("default_type", "默认类型", ("type",), tabular.text(32), required=True, needed=True),
    tabular.Column("scope_level", "征求范围", ("scope",), tabular.text(32), required=True, needed=True),
    tabular.Column("voting_unit", "表决单位", ("unit",), tabular.text(32), required=True, needed=True),
    tabular.Column("support_threshold", "赞同比例", ("support",), tabular.text(16), default="2/3"),
    tabular.Column("turnout_threshold", "参与率", ("turnout",), tabular.text(16), default="1/2"),
    tabular.Column("cosign_threshold", "联署比例", ("cosign",), tabular.text(16), default="3/10"),
    tabular.Column("secret", "无记名", ("secret",), tabular.yes_no(), default=True),
    tabular.Column("is_example", "示例", ("example",), tabular.yes_no(), default=False),
    tabular.Column("delivery_template", "实施模板", ("template",), tabular.text(2000), default=""),
]


def do_import_kinds(*, actor, source) -> list[ProjectKind]:
    """The catalogue from a spreadsheet (the columns of `export_kinds`): every row checked first, with its
    row number; nothing saved on any problem."""
    problems = tabular.Problems()
    book = tabular.open_book(source)
    rows = tabular.read_sheet(book.sheets[book.first()], SPEC, problems)
    seen: dict[str, int] = {}
    for row in rows:
        if not row.ok:
            continue
        if row["code"] in seen:
            problems.add(
                _("编码 %(c)s 与第 %(n)d 行重复") % {"c": row["code"], "n": seen[row["code"]]}, row=row.number
            )
        seen.setdefault(row["code"], row.number)
        for message in kind_problems(dict(row.values)).values():
            problems.add(message, row=row.number)
    problems.raise_if_any()
    with transaction.atomic():
        return [
            do_save_kind(actor=actor, **{k: v for k, v in row.values.items() if v is not None})
            for row in rows
        ]


def export_kinds(kinds) -> bytes:
    book = tabular.WorkbookWriter()
    sheet = book.sheet(_("项目类别"), [c.title for c in SPEC], text_columns=(0, 1, 2, 3, 4, 5, 6, 7, 8))
    for kind in kinds:
        sheet.append(
            [
                kind.code,
                kind.name,
                kind.get_domain_display(),
                kind.get_default_type_display(),
                kind.get_scope_level_display(),
                kind.get_voting_unit_display(),
                kind.support_threshold,
                kind.turnout_threshold,
                kind.cosign_threshold,
                _("是") if kind.secret else _("否"),
                _("是") if kind.is_example else _("否"),
                kind.delivery_template,
            ]
        )
    return book.to_bytes()
