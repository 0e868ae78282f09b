"""The catch-all at the end of the API routes: an unknown path under /api/ is a JSON 404 in the usual error
body (the project's handler404 would answer HTML). A path that only lacks its trailing slash says so."""

from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

from jingzhi.core.errors import NotFound


@extend_schema(exclude=True)
class ApiNotFoundView(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        path = request.path
        if not path.endswith("/"):
            try:
                match = resolve(path + "/")
            except Resolver404:
                match = None
            if match is not None and match.url_name != "not-found":
                raise NotFound(_("接口路径应以“/”结尾：请使用 %(path)s/") % {"path": path}, code="not_found")
        raise NotFound(_("没有这个接口：%(path)s") % {"path": path})
