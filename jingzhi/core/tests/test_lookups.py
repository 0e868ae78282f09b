import pytest
from django.db import connection

from jingzhi.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_any_of_is_an_array_read_once_on_postgresql_and_a_plain_in_elsewhere():
    from jingzhi.core import clock

    now = clock.now()
    first = AuditEvent.objects.create(
        verb="a", target_type="t", target_id="1", prev_hash="0", hash="1", created_at=now
    )
    AuditEvent.objects.create(
        verb="b", target_type="t", target_id="2", prev_hash="1", hash="2", created_at=now
    )
    qs = AuditEvent.objects.filter(pk__any_of=AuditEvent.objects.filter(verb="a").values("pk"))
    sql = str(qs.query)
    assert ("= ANY(ARRAY(SELECT" in sql) if connection.vendor == "postgresql" else (" IN (SELECT" in sql)
    assert list(qs) == [first]
    # Inside another query's subquery the column references follow Django's renamed aliases.
    outer = AuditEvent.objects.filter(pk__in=qs.values("pk"))
    assert list(outer) == [first]
    assert list(AuditEvent.objects.filter(pk__any_of=AuditEvent.objects.none().values("pk"))) == []
