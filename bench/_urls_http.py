"""The HTTP intake bench's URLconf: `/bench/bare-create/` (the floor) and `/bench/ping/`, then every real route.

The bare endpoint is what any DRF create costs on this server and these settings: the same middleware, the
same Bearer-token authentication and JSON parsing, one raw INSERT in its own transaction, a 201 with the id.
"""

from django.db import connection
from django.http import HttpResponse
from django.urls import include, path
from rest_framework.response import Response
from rest_framework.views import APIView

FLOOR_TABLE_SQL = """
CREATE TABLE IF NOT EXISTS bench_http_floor (
    id bigserial PRIMARY KEY, description text NOT NULL, lon double precision, lat double precision,
    idempotency_key varchar(100) NOT NULL, user_id bigint, created_at timestamptz NOT NULL DEFAULT now()
)"""


class BareCreate(APIView):
    def post(self, request):
        data = request.data
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO bench_http_floor (description, lon, lat, idempotency_key, user_id) "
                "VALUES (%s, %s, %s, %s, %s) RETURNING id",
                [
                    str(data.get("description", "")),
                    float(data["lon"]),
                    float(data["lat"]),
                    str(data.get("idempotency_key", "")),
                    request.user.pk,
                ],
            )
            (pk,) = cursor.fetchone()
        return Response({"id": pk}, status=201)


def ping(request):
    return HttpResponse("ok")


urlpatterns = [
    path("bench/bare-create/", BareCreate.as_view()),
    path("bench/ping/", ping),
    path("", include("jingzhi.config.urls")),
]
