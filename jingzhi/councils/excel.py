"""Excel exports of 多元共治: a month's roster, meeting action items, and volunteer hours per unit. Built
with `core.tabular.WorkbookWriter` (text never becomes a formula). Names of members and owners only; no
phone numbers or addresses."""

from __future__ import annotations

from django.utils.translation import gettext as _

from jingzhi.core.tabular import WorkbookWriter


def roster_workbook(council, roster, weeks) -> bytes:
    book = WorkbookWriter()
    sheet = book.sheet(_("排班表"), [_("日期"), _("星期"), _("巡查成员"), _("状态")], date_columns=[1])
    weekdays = [_("一"), _("二"), _("三"), _("四"), _("五"), _("六"), _("日")]
    for week in weeks:
        for cell in week:
            if cell.day is None:
                continue
            if cell.skipped:
                sheet.append([cell.day, weekdays[cell.day.weekday()], _("节假日不排班"), ""])
                continue
            for shift in cell.shifts:
                sheet.append(
                    [
                        cell.day,
                        weekdays[cell.day.weekday()],
                        shift.member.user.display_name or shift.member.user.username,
                        status_label(shift.status),
                    ]
                )
    return book.to_bytes()


def status_label(status: str) -> str:
    return {
        "done": _("已巡查"),
        "missed": _("漏巡"),
        "due": _("待巡查"),
        "ongoing": _("巡查中"),
    }.get(status, status)


def action_items_workbook(items, today) -> bytes:
    from jingzhi.councils import workflow

    book = WorkbookWriter()
    sheet = book.sheet(
        _("会议任务"),
        [_("会议"), _("会议时间"), _("任务"), _("责任人或部门"), _("完成时限"), _("状态"), _("关联案件")],
        date_columns=[5],
    )
    for item in items:
        overdue = workflow.is_overdue(item.due_on, today, item.status)
        sheet.append(
            [
                item.meeting.title,
                item.meeting.held_at.strftime("%Y-%m-%d %H:%M"),
                item.title,
                item.owner_label,
                item.due_on,
                _("已超期") if overdue else item.get_status_display(),
                item.case.number if item.case_id else "",
            ]
        )
    return book.to_bytes()


def hours_workbook(rows, month) -> bytes:
    book = WorkbookWriter()
    sheet = book.sheet(
        _("志愿服务时长"),
        [_("月份"), _("单位党组织"), _("单位"), _("参与人数"), _("完成任务"), _("服务时长（小时）")],
    )
    for r in rows:
        sheet.append(
            [f"{month:%Y-%m}", r["organisation"], r["unit"], r["people"], r["tasks"], float(r["hours"])]
        )
    return book.to_bytes()
