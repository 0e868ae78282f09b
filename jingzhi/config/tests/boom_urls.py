"""The project's URLconf plus two views that fail, for the 500 page tests (handler500 comes from here)."""

from django.urls import path

from jingzhi.config import urls as root


def boom(request):
    raise RuntimeError("secret internals")


urlpatterns = [path("boom/", boom), path("api/boom/", boom), *root.urlpatterns]
handler400 = root.handler400
handler403 = root.handler403
handler404 = root.handler404
handler500 = root.handler500
