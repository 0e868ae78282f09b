"""Routes of the rectification pages, spread into the web URLconf (namespace "web"). Streets are addressed by
code. `/s/<code>/` (the street's public page) and `/streets/<code>/board/` need no login: the board hangs
in the street and its QR code leads to the public page."""

from django.urls import path

from jingzhi.web import rectification_views as views

urlpatterns = [
    path("streets/", views.streets, name="streets"),
    path("streets/map.geojson", views.streets_geojson, name="streets_geojson"),
    path("streets/mine/", views.mine, name="streets_mine"),
    path("streets/export.xlsx", views.export_streets, name="streets_export"),
    path("streets/inspections/export.xlsx", views.export_inspections, name="inspections_export"),
    path("streets/inspections/<int:pk>/", views.inspection_detail, name="inspection_detail"),
    path("streets/<str:code>/", views.street_detail, name="street_detail"),
    path("streets/<str:code>/inspect/", views.inspect, name="street_inspect"),
    path("streets/<str:code>/patrol/", views.patrol, name="street_patrol"),
    path("streets/<str:code>/board/", views.board, name="street_board"),
    path("streets/<str:code>/act/<str:name>/", views.street_act, name="street_act"),
    path("s/<str:code>/", views.public_street, name="street_public"),
]
