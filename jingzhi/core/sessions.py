"""The session store of the profiles without Redis: Django's database store, its one read compiled once per
process (`core.prepared`). Every signed-in request reads its session; building that `get()` through the ORM
cost more Python time than the read itself. With Redis the cached store reads the cache first
(`config.profile.session_engine`) and this read is rare, so that store is left as Django's.
"""

from __future__ import annotations

from django.contrib.sessions.backends.db import SessionStore as DBStore
from django.utils import timezone

from jingzhi.core import prepared


class SessionStore(DBStore):
    def _get_session_from_db(self):
        key = self.session_key
        if type(key) is not str:
            return super()._get_session_from_db()
        rows = prepared.fetch(("session",), lambda k: self.model.objects.filter(session_key=k), key)
        # Django's `expire_date__gt=now` filter, applied to the one row read by its key.
        if not rows or rows[0].expire_date <= timezone.now():
            self._session_key = None
            return None
        return rows[0]
