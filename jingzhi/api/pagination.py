"""Page-number pagination for every list endpoint: `?page=` (from 1) and `?page_size=` (default PAGE_SIZE,
at most 500); the body is `{count, next, previous, results}`. A page past the end is a 404 with the usual
error body.

A list view sets `pagination_class = Pagination` (generic views inherit it from settings) and answers
through `paginate`; drf-spectacular then documents the `page`/`page_size` parameters and the paginated body
for its `Serializer(many=True)` response, so the schema and the answer cannot disagree."""

from collections.abc import Callable, Iterable

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import NotFound
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param


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


class CappedCountPagination(Pagination):
    """Pages of a list that grows without end (the case list): the body is `{count, count_capped, next,
    previous, results}`. Counting every row of a table of millions costs more than the page itself, so the
    count stops at `count_cap`: `count_capped` false means `count` is exact; true means there are more than
    `count` rows (show "10000+"). Paging goes on past the cap: `next` comes from reading one row beyond the
    page, not from the count. A last page needs no count statement at all (its rows say how many there are).
    A page past the end is a 404, as everywhere."""

    count_cap = 10_000

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        size = self.get_page_size(request)
        raw = request.query_params.get(self.page_query_param) or "1"
        try:
            number = int(raw)
            if number < 1:
                raise ValueError
        except (TypeError, ValueError):
            raise NotFound(
                self.invalid_page_message.format(page_number=raw, message=_("页码必须是正整数"))
            ) from None
        start = (number - 1) * size
        rows = list(queryset[start : start + size + 1])
        if number > 1 and not rows:
            raise NotFound(self.invalid_page_message.format(page_number=raw, message=_("该页没有结果")))
        self.has_next, self.number = len(rows) > size, number
        rows = rows[:size]
        seen = start + len(rows)
        if not self.has_next:
            self.count, self.capped = seen, False
        elif seen >= self.count_cap:
            self.count, self.capped = seen, True
        else:
            # COUNT(*) over at most cap + 1 of the rows, without the page's joins and ordering.
            if isinstance(queryset, QuerySet):
                counted = queryset.order_by().values("pk")[: self.count_cap + 1].count()
            else:
                counted = len(queryset)
            self.count, self.capped = min(counted, self.count_cap), counted > self.count_cap
        return rows

    def get_next_link(self):
        if not self.has_next:
            return None
        return replace_query_param(self.request.build_absolute_uri(), self.page_query_param, self.number + 1)

    def get_previous_link(self):
        if self.number <= 1:
            return None
        url = self.request.build_absolute_uri()
        if self.number == 2:
            return remove_query_param(url, self.page_query_param)
        return replace_query_param(url, self.page_query_param, self.number - 1)

    def get_paginated_response(self, data):
        return Response(
            {
                "count": self.count,
                "count_capped": self.capped,
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema):
        body = super().get_paginated_response_schema(schema)
        body["required"] = ["count", "count_capped", "results"]
        props = body["properties"]
        props["count"] = {
            "type": "integer",
            "example": 123,
            "description": str(_("行数；count_capped 为真时是下限（至少这么多，显示为“10000+”）")),
        }
        body["properties"] = {
            "count": props["count"],
            "count_capped": {
                "type": "boolean",
                "description": str(_("为真时实际行数超过 count（只数到上限，不数全表）")),
            },
            **{k: v for k, v in props.items() if k != "count"},
        }
        return body
