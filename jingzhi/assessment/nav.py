"""Navigation entries and home blocks of 考核 (collected by the web shell from installed apps)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from jingzhi.core.urls import fixed_url


def entries(user) -> list[dict]:
    from jingzhi.assessment.permissions import can_view_assessment, has_person_role, headed_department_ids

    # One header link for the scoreboard; 每月一题 and 治理类街乡 are tabs on its pages (the header is full).
    out = []
    if can_view_assessment(user):
        out.append({"key": "assessment", "label": _("考核"), "url": fixed_url("web:assessment"), "order": 60})
    elif headed_department_ids(user):  # a department head: the department's people (and its own report)
        out.append(
            {
                "key": "assessment_people",
                "label": _("人员考核"),
                "url": fixed_url("web:assessment_people"),
                "order": 60,
            }
        )
    if has_person_role(user):
        out.append(
            {
                "key": "assessment_me",
                "label": _("我的考核"),
                "url": fixed_url("web:assessment_me"),
                "order": 61,
            }
        )
    return out


def home_blocks(user) -> list[dict]:
    """A department head's home: the department's people, its report and its cases."""
    from jingzhi.assessment.permissions import headed_department_ids

    ids = headed_department_ids(user)
    if not ids:
        return []
    from jingzhi.accounts.models import Department

    departments = list(Department.objects.filter(pk__in=ids).order_by("code").values("code", "name"))
    return [
        {
            "key": "assessment_department",
            "role": "department_head",
            "title": _("本部门"),
            "template": "web/assessment/_home_department.html",
            "context": {"departments": departments},
            "order": 20,
        }
    ]
