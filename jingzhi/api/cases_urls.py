"""Routes of the cases REST endpoints under /api/v1/, spread into the api URLconf (namespace "api").
Fixed paths come before `cases/<int:pk>/` so that `cases/duplicates/` is never read as an id."""

from django.urls import path

from jingzhi.api.casesapi import hotline, inbox, views, whistles

urlpatterns: list = [
    path("v1/cases/", views.CaseCollectionView.as_view(), name="cases-list"),
    path("v1/cases/duplicates/", views.DuplicatesView.as_view(), name="cases-duplicates"),
    path("v1/cases/suggest-category/", views.SuggestCategoryView.as_view(), name="cases-suggest-category"),
    path("v1/cases/queues/", views.QueueCountsView.as_view(), name="cases-queues"),
    path("v1/cases/<int:pk>/", views.CaseDetailView.as_view(), name="cases-detail"),
    path("v1/cases/<int:pk>/actions/<str:action>/", views.CaseActionView.as_view(), name="cases-action"),
    path("v1/hotline/orders/", hotline.HotlineOrderView.as_view(), name="hotline-orders"),
    path("v1/hotline/import/", hotline.HotlineImportView.as_view(), name="hotline-import"),
    path("v1/whistles/", whistles.WhistleView.as_view(), name="whistles"),
    path(
        "v1/whistles/summonses/<int:pk>/report-in/",
        whistles.ReportInView.as_view(),
        name="whistles-report-in",
    ),
    path("v1/whistles/summonses/<int:pk>/rate/", whistles.RateWhistleView.as_view(), name="whistles-rate"),
    path("v1/me/summonses/", whistles.MySummonsesView.as_view(), name="me-summonses"),
    path("v1/me/inbox/", inbox.InboxView.as_view(), name="me-inbox"),
    path("v1/me/inbox/read/", inbox.InboxReadView.as_view(), name="me-inbox-read"),
]
