"""Routes of the 多元共治 pages, spread into the web URLconf (namespace "web")."""

from django.urls import path

from jingzhi.web import councils_views as views

urlpatterns = [
    path("councils/", views.councils, name="councils"),
    path("councils/<int:pk>/", views.council_detail, name="council_detail"),
    path("councils/<int:pk>/roster/", views.council_roster, name="council_roster"),
    path("councils/<int:pk>/act/<str:name>/", views.council_act, name="council_act"),
    path("councils/shifts/<int:pk>/", views.shift_page, name="council_shift"),
    path("councils/meetings/", views.meetings, name="meetings"),
    path("councils/property/", views.property_companies, name="property_companies"),
    path("councils/meetings/<int:pk>/", views.meeting_detail, name="meeting_detail"),
    path("councils/tasks/", views.community_tasks, name="community_tasks"),
]
