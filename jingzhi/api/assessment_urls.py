"""Routes of the 考核 REST endpoints under /api/v1/assessment/, spread into the api URLconf (namespace "api").
Codes are limited to letters, digits, '_' and '-' in the route itself."""

from django.urls import path, re_path

from jingzhi.api import assessment as views
from jingzhi.api import assessment_topics as topics

_PLAN = r"^v1/assessment/focus/(?P<quarter>[0-9Qq]{1,8})/(?P<code>[0-9A-Za-z_-]{1,32})/"
_UNIT = r"^v1/assessment/units/(?P<kind>[a-z_]{1,16})/(?P<code>[0-9A-Za-z_-]{1,32})/"

urlpatterns: list = [
    path("v1/assessment/indicators/", views.IndicatorListView.as_view(), name="assessment-indicators"),
    path("v1/assessment/rankings/", views.RankingView.as_view(), name="assessment-ranking"),
    path("v1/assessment/weight-sets/", views.WeightSetView.as_view(), name="assessment-weight-sets"),
    re_path(
        r"^v1/assessment/months/(?P<month>[0-9-]{1,10})/fill/$",
        views.FillMonthView.as_view(),
        name="assessment-fill",
    ),
    # 每月一题
    path("v1/assessment/topics/", topics.TopicListView.as_view(), name="assessment-topics"),
    path(
        "v1/assessment/topics/candidates/",
        topics.TopicCandidatesView.as_view(),
        name="assessment-topic-candidates",
    ),
    path("v1/assessment/topics/dismiss/", topics.TopicDismissView.as_view(), name="assessment-topic-dismiss"),
    path("v1/assessment/topics/<int:topic_id>/", topics.TopicTrackingView.as_view(), name="assessment-topic"),
    path("v1/assessment/topic-rules/", topics.TopicRuleView.as_view(), name="assessment-topic-rules"),
    # 治理类街乡
    path("v1/assessment/focus/", topics.FocusListView.as_view(), name="assessment-focus"),
    path("v1/assessment/focus-rules/", topics.FocusRuleView.as_view(), name="assessment-focus-rules"),
    re_path(
        r"^v1/assessment/focus/(?P<quarter>[0-9Qq]{1,8})/compute/$",
        topics.FocusComputeView.as_view(),
        name="assessment-focus-compute",
    ),
    re_path(_PLAN + r"$", topics.PlanView.as_view(), name="assessment-focus-plan"),
    re_path(_PLAN + r"items/$", topics.PlanItemCreateView.as_view(), name="assessment-focus-plan-items"),
    re_path(
        _PLAN + r"items/(?P<item_id>[0-9]{1,12})/$",
        topics.PlanItemView.as_view(),
        name="assessment-focus-plan-item",
    ),
    re_path(_UNIT + r"$", views.UnitReportView.as_view(), name="assessment-unit"),
    re_path(
        _UNIT + r"(?P<indicator>[a-z_]{1,48})/records/$",
        views.ExplainView.as_view(),
        name="assessment-explain",
    ),
]
