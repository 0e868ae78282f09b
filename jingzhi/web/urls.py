from django.urls import path

from jingzhi.web import (
    assessment_urls,
    cases_urls,
    councils_urls,
    inbox,
    media,
    phone_login,
    projects_urls,
    rectification_urls,
    spaces_urls,
    views,
)

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.login_view, name="login"),
    path("login/phone/", phone_login.phone_login, name="phone_login"),
    path("logout/", views.logout_view, name="logout"),
    path("places/", views.places, name="places"),
    path("places/district/<int:pk>/", views.district, name="district"),
    path("places/subdistrict/<int:pk>/", views.subdistrict, name="subdistrict"),
    path("places/community/<int:pk>/", views.community, name="community"),
    path("places/grid/<int:pk>/", views.grid, name="grid"),
    path("map/", views.map_page, name="map"),
    path("map/geojson/", views.geojson, name="geojson"),
    path("inbox/", inbox.inbox, name="inbox"),
    path("inbox/read-all/", inbox.mark_all_read, name="inbox_read_all"),
    path("inbox/<int:pk>/read/", inbox.mark_read, name="inbox_read"),
    path("inbox/<int:pk>/go/", inbox.go, name="inbox_go"),
    path("attachments/<int:pk>/<str:variant>/", media.attachment_file, name="attachment"),
    *cases_urls.urlpatterns,
    *rectification_urls.urlpatterns,
    *projects_urls.urlpatterns,
    *councils_urls.urlpatterns,
    *spaces_urls.urlpatterns,
    *assessment_urls.urlpatterns,
]
