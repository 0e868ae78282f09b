"""Routes of the rectification REST endpoints under /api/v1/, spread into the api URLconf (namespace "api").
Everything lives under `v1/rectification/` (`v1/streets/` is geo's street list). Street codes are limited to
letters and digits in the route itself, so nothing odd ever reaches a query."""

from django.urls import path, re_path

from jingzhi.api import directory
from jingzhi.api import rectification as views

_STREET = r"^v1/rectification/streets/(?P<code>[0-9A-Za-z]{1,32})/"

urlpatterns: list = [
    path("v1/rectification/standard/", views.StandardView.as_view(), name="rectification-standard"),
    path("v1/rectification/streets/", views.StreetListView.as_view(), name="rectification-streets"),
    path(
        "v1/rectification/streets/export/",
        views.StreetExportView.as_view(),
        name="rectification-export-streets",
    ),
    path(
        "v1/rectification/inspections/",
        views.InspectionCollectionView.as_view(),
        name="rectification-inspections",
    ),
    path(
        "v1/rectification/inspections/export/",
        views.InspectionExportView.as_view(),
        name="rectification-export-inspections",
    ),
    path(
        "v1/rectification/inspections/<int:pk>/",
        views.InspectionDetailView.as_view(),
        name="rectification-inspection",
    ),
    path("v1/rectification/mine/", views.MineView.as_view(), name="rectification-mine"),
    path("v1/rectification/proposals/", views.ProposalListView.as_view(), name="rectification-proposals"),
    path(
        "v1/rectification/proposals/<int:pk>/decision/",
        views.ProposalDecisionView.as_view(),
        name="rectification-proposal-decide",
    ),
    path(
        "v1/rectification/task-letters/<int:pk>/sign/",
        views.TaskLetterSignView.as_view(),
        name="rectification-task-letter-sign",
    ),
    path(
        "v1/rectification/task-letters/<int:pk>/end/",
        views.TaskLetterEndView.as_view(),
        name="rectification-task-letter-end",
    ),
    path(
        "v1/rectification/plan-items/<int:pk>/progress/",
        views.PlanItemProgressView.as_view(),
        name="rectification-plan-item-progress",
    ),
    re_path(_STREET + r"$", views.StreetDetailView.as_view(), name="rectification-street"),
    re_path(_STREET + r"chief/$", views.AppointChiefView.as_view(), name="rectification-chief"),
    re_path(
        _STREET + r"candidates/$",
        directory.ChiefCandidateListView.as_view(),
        name="rectification-candidates",
    ),
    re_path(
        _STREET + r"task-letters/$", views.TaskLetterCreateView.as_view(), name="rectification-task-letters"
    ),
    re_path(_STREET + r"ledger/$", views.LedgerView.as_view(), name="rectification-ledger"),
    re_path(_STREET + r"board/$", views.BoardView.as_view(), name="rectification-board"),
    re_path(_STREET + r"grade-award/$", views.AwardView.as_view(), name="rectification-grade-award"),
    re_path(_STREET + r"plan/$", views.PlanView.as_view(), name="rectification-plan"),
    re_path(_STREET + r"plan/items/$", views.PlanItemView.as_view(), name="rectification-plan-items"),
    re_path(_STREET + r"stewards/$", views.StewardView.as_view(), name="rectification-stewards"),
    re_path(_STREET + r"patrols/$", views.PatrolView.as_view(), name="rectification-patrols"),
]
