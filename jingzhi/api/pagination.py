"""Page-number pagination for every list endpoint: `?page=` (from 1) and `?page_size=` (default PAGE_SIZE,
at most 500); the body is `{count, next, previous, results}`. A page past the end is a 404 with the usual
error body."""

from django.utils.translation import gettext_lazy as _
from rest_framework.pagination import PageNumberPagination


class Pagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 500
    page_query_description = _("页码，从 1 开始")
    page_size_query_description = _("每页条数，最多 500")
    invalid_page_message = _("页码“{page_number}”无效：{message}")
