"""Routes of the 腾退空间 pages, spread into the web URLconf (namespace "web")."""

from django.urls import path

from jingzhi.web import spaces_views as views

urlpatterns = [
    path("spaces/", views.spaces, name="spaces"),
    path("spaces/map.geojson", views.spaces_geojson, name="spaces_geojson"),
    path("spaces/ledger.xlsx", views.ledger_export, name="spaces_ledger"),
    path("spaces/ledger/print/", views.ledger_print, name="spaces_ledger_print"),
    path("spaces/ledger/import/", views.ledger_import, name="spaces_ledger_import"),
    path("spaces/coverage/", views.coverage_page, name="spaces_coverage"),
    path("spaces/coverage.geojson", views.coverage_geojson, name="spaces_coverage_geojson"),
    path("spaces/coverage/gaps.xlsx", views.gaps_export, name="spaces_gaps_export"),
    path("spaces/points/import/", views.points_import, name="spaces_points_import"),
    path("spaces/network/import/", views.network_import, name="spaces_network_import"),
    path("spaces/new/", views.space_new, name="space_new"),
    path("spaces/<int:pk>/", views.space_detail, name="space_detail"),
    path("spaces/<int:pk>/recheck/", views.space_recheck, name="space_recheck"),
    path("spaces/<int:pk>/act/<str:name>/", views.space_act, name="space_act"),
]
