"""Open311 GeoReport v2, mounted at /open311/v2/. Each resource takes its format from the path suffix
(`services.xml`, `services.json`); an unknown suffix and any other path answer a spec error body."""

from django.urls import re_path

from jingzhi.open311 import views

app_name = "open311"

FMT = r"\.(?P<fmt>[A-Za-z0-9]+)"

urlpatterns = [
    re_path(r"^openapi\.json$", views.openapi, name="openapi"),
    re_path(rf"^discovery{FMT}$", views.discovery, name="discovery"),
    re_path(rf"^services{FMT}$", views.service_list, name="services"),
    re_path(
        rf"^services/(?P<service_code>[^/.]+){FMT}$", views.service_definition, name="service-definition"
    ),
    re_path(rf"^requests{FMT}$", views.request_list, name="requests"),
    re_path(
        rf"^requests/(?P<service_request_id>[^/.]+)/updates{FMT}$", views.request_updates, name="updates"
    ),
    re_path(rf"^requests/(?P<service_request_id>[^/.]+){FMT}$", views.request_detail, name="request"),
    re_path(rf"^tokens/(?P<token_id>[^/.]+){FMT}$", views.token, name="token"),
    re_path(r"^(?P<path>[\s\S]*)$", views.not_found, name="not-found"),  # newlines too
]
