"""Middleware that answers for every interface at once: a request carrying a NUL character in its path, its
query string or its form fields is refused with 400 in the shape of the interface it was sent to.

PostgreSQL cannot hold a NUL in text and fails the query that meets one, so `/cases/%00/`, `?q=%00` or a form
field with `%00` became a 500 wherever the value reached the database. No legitimate request carries one.
It lives in config (the top layer) because it speaks all three shapes: the API's `{code, message, fields}`,
Open311's spec error list (JSON or XML by the path's suffix), and the web's page. The API's JSON and form
bodies are checked by its parsers (`api.parsers`), which DRF runs after this middleware.
"""

from __future__ import annotations

import json

from django.http import HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.utils.html import escape
from django.utils.translation import gettext as _

from jingzhi.open311 import spec

NUL = "\x00"
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _first_nul(request) -> str | None:
    """The name of the first part of the request that holds a NUL, or None."""
    if NUL in request.path_info:
        return _("路径")
    for key, values in request.GET.lists():
        if NUL in key or any(NUL in value for value in values):
            return key.replace(NUL, "\\0")
    api = request.path_info.startswith("/api/")
    if not api and request.method == "POST" and request.content_type in FORM_TYPES:
        try:
            post, files = request.POST, request.FILES
        except MultiPartParserError:
            return None  # the view meets the same error and answers it
        for key, values in post.lists():
            if NUL in key or any(NUL in value for value in values):
                return key.replace(NUL, "\\0")
        for key, uploads in files.lists():
            if any(NUL in (f.name or "") for f in uploads):
                return key
    return None


def _response(request, where: str) -> HttpResponse:
    message = _("请求中的“%(field)s”含有空字符（\\0），无法处理") % {"field": where}
    path = request.path_info
    if path.startswith("/api/"):
        body = {"code": "invalid", "message": message, "fields": {where: [message]}}
        return HttpResponse(
            json.dumps(body, ensure_ascii=False), status=400, content_type="application/json; charset=utf-8"
        )
    if path.startswith("/open311/"):
        fmt = "json" if path.rstrip("/").endswith(".json") else "xml"
        error = spec.Open311Error(400, message)
        return HttpResponse(
            spec.render(fmt, "errors", error.body()), status=400, content_type=spec.FORMATS[fmt]
        )
    try:
        page = render_to_string("400.html", {"exception": message, "reason": message}, request)
    except TemplateDoesNotExist:
        page = f"<!doctype html><meta charset=utf-8><title>400</title><h1>400</h1><p>{escape(message)}</p>"
    return HttpResponse(page, status=400, content_type="text/html; charset=utf-8")


class RejectNulBytes:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        where = _first_nul(request)
        if where is not None:
            return _response(request, where)
        return self.get_response(request)
