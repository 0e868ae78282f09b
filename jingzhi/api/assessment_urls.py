"""Routes of the 考核 REST endpoints under /api/v1/assessment/, spread into the api URLconf (namespace "api").
Codes are limited to letters, digits, '_' and '-' in the route itself."""

from django.urls import path, re_path

from jingzhi.api import assessment as views

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
    re_path(_UNIT + r"$", views.UnitReportView.as_view(), name="assessment-unit"),
    re_path(
        _UNIT + r"(?P<indicator>[a-z_]{1,48})/records/$",
        views.ExplainView.as_view(),
        name="assessment-explain",
    ),
]
