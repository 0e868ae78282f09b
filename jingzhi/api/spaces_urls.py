"""Routes of the 腾退空间 REST endpoints under /api/v1/spaces/, spread into the api URLconf (namespace "api")."""

from django.urls import path

from jingzhi.api import spaces as views

urlpatterns: list = [
    path("v1/spaces/", views.SpaceCollectionView.as_view(), name="spaces"),
    path("v1/spaces/overdue/", views.OverdueView.as_view(), name="spaces-overdue"),
    path("v1/spaces/dashboard/", views.DashboardView.as_view(), name="spaces-dashboard"),
    path("v1/spaces/ledger/", views.LedgerView.as_view(), name="spaces-ledger"),
    path("v1/spaces/coverage/", views.CoverageView.as_view(), name="spaces-coverage"),
    path("v1/spaces/service-points/import/", views.PointsImportView.as_view(), name="spaces-points-import"),
    path("v1/spaces/network/import/", views.NetworkImportView.as_view(), name="spaces-network-import"),
    path("v1/spaces/merchants/", views.MerchantCollectionView.as_view(), name="spaces-merchants"),
    path("v1/spaces/merchants/<int:pk>/follow-ups/", views.FollowUpView.as_view(), name="spaces-follow-up"),
    path(
        "v1/spaces/merchants/<int:pk>/close/", views.CloseMerchantView.as_view(), name="spaces-merchant-close"
    ),
    path(
        "v1/spaces/support/<int:pk>/deliver/",
        views.DeliverSupportView.as_view(),
        name="spaces-support-deliver",
    ),
    path("v1/spaces/<int:pk>/", views.SpaceDetailView.as_view(), name="space-detail"),
    path("v1/spaces/<int:pk>/transition/", views.SpaceTransitionView.as_view(), name="space-transition"),
    path("v1/spaces/<int:pk>/safety/", views.SpaceSafetyView.as_view(), name="space-safety"),
    path("v1/spaces/<int:pk>/rechecks/", views.SpaceRecheckView.as_view(), name="space-recheck"),
    path("v1/spaces/<int:pk>/merchants/", views.SpaceMerchantView.as_view(), name="space-merchants"),
    path("v1/spaces/<int:pk>/livelihoods/", views.LivelihoodView.as_view(), name="space-livelihoods"),
]
