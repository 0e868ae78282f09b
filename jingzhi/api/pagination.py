"""Page-number pagination for every list endpoint: `?page=` (from 1) and `?page_size=` (default PAGE_SIZE,
at most 500); the body is `{count, next, previous, results}`. A page past the end is a 404 with the usual
error body.

A list view sets `pagination_class = Pagination` (generic views inherit it from settings) and answers
through `paginate`; drf-spectacular then documents the `page`/`page_size` parameters and the paginated body
for its `Serializer(many=True)` response, so the schema and the answer cannot disagree."""

from collections.abc import Callable, Iterable

from django.utils.translation import gettext_lazy as _
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response


class Pagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 500
    page_query_description = _("页码，从 1 开始")
    page_size_query_description = _("每页条数，最多 500")
    invalid_page_message = _("页码“{page_number}”无效：{message}")


def paginate(view, request, rows: Iterable, to_data: Callable[[list], list]) -> Response:
    """One page of `rows` (a queryset or a list) as the paginated body; `to_data` turns the page's rows
    into their serialized form."""
    paginator = Pagination()
    page = paginator.paginate_queryset(rows, request, view=view)
    return paginator.get_paginated_response(to_data(list(page)))
