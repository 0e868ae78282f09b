"""Routes of the 民意立项 pages, spread into the web URLconf (namespace "web"). A project's page, its route
map and its printed notice open without logging in (the notice hangs on the board; its QR code leads to
the project's page)."""

from django.urls import path

from jingzhi.web import projects_views as views

urlpatterns = [
    path("projects/", views.project_list, name="projects"),
    path("projects/route/", views.route, name="projects_route"),
    path("projects/new/", views.project_new, name="project_new"),
    path("projects/register/", views.register, name="projects_register"),
    path("projects/<int:pk>/", views.project_detail, name="project_detail"),
    path("projects/<int:pk>/vote/", views.vote, name="project_vote"),
    path("projects/<int:pk>/notice/", views.notice, name="project_notice"),
    path("projects/<int:pk>/export.xlsx", views.export_results, name="project_export"),
    path("projects/<int:pk>/act/<str:name>/", views.project_act, name="project_act"),
]
