"""The household register (户): imported from a spreadsheet, all or nothing, with every problem named by its
row; re-importing an address updates that household. People with an account are matched to their
household by username (成员账号), which is how an online ballot finds its voting unit."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from jingzhi.accounts.models import User
from jingzhi.core import audit, tabular
from jingzhi.core.errors import PermissionDenied
from jingzhi.projects import permissions
from jingzhi.projects.exceptions import RegisterProblems
from jingzhi.projects.models import Household, HouseholdMember
from jingzhi.projects.verbs import AuditVerb

from ._common import _user

REGISTER_SPEC = [
    tabular.Column("community_code", "社区编码", ("community",), tabular.code(), required=True, needed=True),
    tabular.Column(
        "building", "楼栋/院落", ("楼栋", "院落", "building"), tabular.text(64), required=True, needed=True
    ),
    tabular.Column("address", "地址", ("address", "门牌"), tabular.text(200), required=True, needed=True),
    tabular.Column(
        "representative", "户代表", ("representative",), tabular.text(64), required=True, needed=True
    ),
    tabular.Column("phone", "联系电话", ("phone", "电话"), tabular.text(32), default=""),
    tabular.Column("members", "人数", ("members",), tabular.whole(minimum=1, maximum=99), default=1),
    tabular.Column("floor_area", "建筑面积", ("建筑面积（㎡）", "area"), tabular.number, default=None),
    tabular.Column("is_owner", "产权户", ("owner",), tabular.yes_no(), default=True),
    tabular.Column("group", "利益相关群体", ("group",), tabular.text(32), default=""),
    tabular.Column("accounts", "成员账号", ("accounts", "账号"), tabular.text(500), default=""),
]


def _known_communities(codes: set[str]) -> set[str]:
    from jingzhi.geo.queries import place_by_code

    return {code for code in codes if place_by_code("community", code) is not None}


def do_import_register(*, actor, source) -> list[Household]:
    """Import the register of one or more communities the actor keeps. Refused as a whole, each problem with
    its row: an unknown community (an address outside any known place), a community outside the actor's
    jurisdiction, an address twice in the file, an unknown account, a non-positive floor area."""
    if actor is not None and not permissions.is_office_user(actor):
        raise PermissionDenied(_("只有街道或区管理员可以导入住户登记"))
    problems = tabular.Problems(RegisterProblems)
    book = tabular.open_book(source, error=RegisterProblems)
    rows = tabular.read_sheet(book.sheets[book.first()], REGISTER_SPEC, problems)
    known = _known_communities({r["community_code"] for r in rows if r.ok})
    usernames = {
        name.strip()
        for r in rows
        if r.ok
        for name in str(r["accounts"] or "").replace("，", ",").split(",")
        if name.strip()
    }
    users = {u.username: u for u in User.objects.filter(username__in=usernames, is_active=True)}
    seen: dict[tuple[str, str], int] = {}
    for row in rows:
        if not row.ok:
            continue
        code = row["community_code"]
        if code not in known:
            problems.add(
                _("社区编码 %(c)s 不存在，地址“%(a)s”不在任何已知社区内") % {"c": code, "a": row["address"]},
                row=row.number,
                column=_("社区编码"),
            )
        elif actor is not None and not permissions.can_keep_register(actor, code):
            problems.add(_("社区 %(c)s 不在您的辖区，不能导入其住户") % {"c": code}, row=row.number)
        key = (code, row["address"])
        if key in seen:
            problems.add(
                _("地址“%(a)s”与第 %(n)d 行重复（同一户只能登记一次）")
                % {"a": row["address"], "n": seen[key]},
                row=row.number,
                column=_("地址"),
            )
        seen.setdefault(key, row.number)
        if row["floor_area"] is not None and row["floor_area"] <= 0:
            problems.add(_("建筑面积应大于 0"), row=row.number, column=_("建筑面积"))
        for name in str(row["accounts"] or "").replace("，", ",").split(","):
            if name.strip() and name.strip() not in users:
                problems.add(_("成员账号“%(u)s”不存在或已停用") % {"u": name.strip()}, row=row.number)
    if not rows and not problems:
        problems.add(_("表中没有住户"))
    problems.raise_if_any()
    saved = []
    with transaction.atomic():
        for row in rows:
            household, created = Household.objects.select_for_update().get_or_create(
                community_code=row["community_code"],
                address=row["address"],
                defaults={"building": row["building"], "representative": row["representative"]},
            )
            for field in (
                "building",
                "representative",
                "phone",
                "members",
                "floor_area",
                "is_owner",
                "group",
            ):
                setattr(
                    household, field, row[field] if row[field] is not None or field == "floor_area" else ""
                )
            household.is_active = True
            household.save()
            names = [n.strip() for n in str(row["accounts"] or "").replace("，", ",").split(",") if n.strip()]
            for index, name in enumerate(names):
                HouseholdMember.objects.update_or_create(
                    household=household, user=users[name], defaults={"is_representative": index == 0}
                )
            saved.append(household)
        audit.record(
            actor=_user(actor),
            verb=AuditVerb.REGISTER_IMPORTED,
            target=("projects.register", ",".join(sorted({h.community_code for h in saved}))),
            new={"households": len(saved)},
        )
    return saved


def export_register(households) -> bytes:
    """The register as a spreadsheet (personal data: the office's own export, never a public one)."""
    book = tabular.WorkbookWriter()
    sheet = book.sheet(_("住户登记"), [c.title for c in REGISTER_SPEC], text_columns=(0, 1, 2, 3, 4, 8, 9))
    for h in households:
        accounts = ",".join(m.user.username for m in h.people.all())
        sheet.append(
            [
                h.community_code,
                h.building,
                h.address,
                h.representative,
                h.phone,
                h.members,
                float(h.floor_area) if h.floor_area is not None else None,
                _("是") if h.is_owner else _("否"),
                h.group,
                accounts,
            ]
        )
    return book.to_bytes()
