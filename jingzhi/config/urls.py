from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/", include("jingzhi.api.urls")),
    path("open311/v2/", include("jingzhi.open311.urls")),
    path("", include("jingzhi.web.urls")),
]
