from django.urls import path

from jingzhi.web import assessment_views as views

urlpatterns = [
    path("assessment/", views.dashboard, name="assessment"),
    path("assessment/me/", views.my_assessment, name="assessment_me"),
    path("assessment/people/", views.people, name="assessment_people"),
    path("assessment/screen/", views.screen, name="assessment_screen"),
    path("ranking/", views.public_ranking, name="assessment_public"),
    path("assessment/export.xlsx", views.export_rankings, name="assessment_export"),
    path("assessment/<str:kind>/<str:code>/", views.report, name="assessment_report"),
    path(
        "assessment/<str:kind>/<str:code>/report.xlsx", views.export_report, name="assessment_report_export"
    ),
    path("assessment/<str:kind>/<str:code>/<str:indicator>/", views.explain, name="assessment_explain"),
]
