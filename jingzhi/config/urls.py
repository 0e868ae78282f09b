from django.contrib import admin
from django.urls import include, path, re_path

from jingzhi.open311.views import not_found as open311_not_found

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/", include("jingzhi.api.urls")),
    path("open311/v2/", include("jingzhi.open311.urls")),
    # Any other path under /open311/ answers the spec's error body, never the web's HTML 404.
    re_path(r"^open311(?:/(?P<path>[\s\S]*))?$", open311_not_found),
    path("", include("jingzhi.web.urls")),
]

# The site's own error pages (layout, reader's language, the reason our code gave); /api/ and /open311/ keep
# Django's defaults, since those interfaces answer their errors in their own shapes (jingzhi.web.errors).
handler400 = "jingzhi.web.errors.bad_request"
handler403 = "jingzhi.web.errors.permission_denied"
handler404 = "jingzhi.web.errors.page_not_found"
handler500 = "jingzhi.web.errors.server_error"
