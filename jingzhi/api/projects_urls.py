"""Routes of the 民意立项 REST endpoints under /api/v1/projects/, spread into the api URLconf (namespace "api")."""

from django.urls import path

from jingzhi.api import projects as views

_STEPS = {
    "steps": views.DecideView,
    "cosign": views.CosignView,
    "meetings": views.MeetingView,
    "vote/open": views.OpenVoteView,
    "vote/rounds": views.NewRoundView,
    "ballots": views.BallotView,
    "vote/close": views.CloseVoteView,
    "objections": views.ObjectView,
    "revote": views.RevoteView,
    "approve": views.ApproveView,
    "delivery": views.DeliveryView,
    "milestones": views.MilestoneView,
    "acceptance": views.AcceptView,
    "ratings": views.RateView,
}

urlpatterns: list = [
    path("v1/projects/", views.ProjectListView.as_view(), name="projects-list"),
    path("v1/projects/register/export/", views.RegisterExportView.as_view(), name="projects-register-export"),
    path("v1/projects/register/import/", views.RegisterImportView.as_view(), name="projects-register-import"),
    path(
        "v1/projects/meetings/<int:pk>/confirm/", views.ConfirmMinutesView.as_view(), name="projects-confirm"
    ),
    path(
        "v1/projects/objections/<int:pk>/answer/", views.AnswerObjectionView.as_view(), name="projects-answer"
    ),
    path("v1/projects/<int:pk>/", views.ProjectDetailView.as_view(), name="projects-detail"),
    path(
        "v1/projects/<int:pk>/reconciliation/",
        views.ReconciliationView.as_view(),
        name="projects-reconciliation",
    ),
    path("v1/projects/<int:pk>/export/", views.ExportResultsView.as_view(), name="projects-export"),
    path("v1/projects/<int:pk>/notice/", views.NoticeView.as_view(), name="projects-notice"),
    *[
        path(f"v1/projects/<int:pk>/{segment}/", view.as_view(), name=f"projects-{segment.replace('/', '-')}")
        for segment, view in _STEPS.items()
    ],
]
