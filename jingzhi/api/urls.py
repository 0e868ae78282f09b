"""API routes, included at /api/ by the project URLconf. Version 1 lives under /api/v1/; the schema and
its offline documentation under /api/schema/, /api/docs/ and /api/redoc/. Any other path under /api/
answers a JSON 404 in the usual error body, never Django's HTML page."""

from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView

from jingzhi.api import (
    assessment_urls,
    cases_urls,
    councils_urls,
    directory,
    locate,
    me,
    phone_auth,
    places,
    projects_urls,
    rectification_urls,
    spaces_urls,
)
from jingzhi.api.fallback import ApiNotFoundView
from jingzhi.api.schema import RedocView, SwaggerView

app_name = "api"

v1 = [
    path("v1/me/", me.MeView.as_view(), name="me"),
    path("v1/auth/phone/code/", phone_auth.PhoneCodeView.as_view(), name="auth-phone-code"),
    path("v1/auth/phone/token/", phone_auth.PhoneTokenView.as_view(), name="auth-phone-token"),
    path("v1/jurisdiction/tree/", places.JurisdictionTreeView.as_view(), name="jurisdiction-tree"),
    path("v1/locate/", locate.LocateView.as_view(), name="locate"),
    path("v1/locate/batch/", locate.LocateBatchView.as_view(), name="locate-batch"),
    path("v1/categories/", directory.CategoryListView.as_view(), name="categories-list"),
    path("v1/departments/", directory.DepartmentListView.as_view(), name="departments-list"),
]
for segment, (list_view, detail_view) in places.PLACE_VIEWS.items():
    v1 += [
        path(f"v1/{segment}/", list_view.as_view(), name=f"{segment}-list"),
        path(f"v1/{segment}/<int:pk>/", detail_view.as_view(), name=f"{segment}-detail"),
    ]

v1 += [
    *cases_urls.urlpatterns,
    *rectification_urls.urlpatterns,
    *projects_urls.urlpatterns,
    *councils_urls.urlpatterns,
    *spaces_urls.urlpatterns,
]
v1 += assessment_urls.urlpatterns

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("redoc/", RedocView.as_view(url_name="api:schema"), name="redoc"),
    *v1,
    re_path(r"^[\s\S]*$", ApiNotFoundView.as_view(), name="not-found"),  # newlines too
]
