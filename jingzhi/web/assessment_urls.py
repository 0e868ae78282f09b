from django.urls import path

from jingzhi.web import assessment_topic_views as topic_views
from jingzhi.web import assessment_views as views

urlpatterns = [
    path("assessment/", views.dashboard, name="assessment"),
    # 每月一题 and 治理类街乡: before the unit routes, which would otherwise take "topics/5" for a unit.
    path("assessment/topics/", topic_views.topics, name="assessment_topics"),
    path("assessment/topics/<int:topic_id>/", topic_views.topic, name="assessment_topic"),
    path("assessment/focus/", topic_views.focus, name="assessment_focus"),
    path("assessment/focus/<str:quarter>/<str:code>/", topic_views.plan, name="assessment_plan"),
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
