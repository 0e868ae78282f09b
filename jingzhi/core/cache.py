"""Django's Redis cache, lending its connection pool to the RQ task queue.

django-rq opens a new Redis client (and so a new TCP connection) every time a queue is looked up, which
django-tasks-rq does on every enqueue: about a millisecond and a connection per job. Pointing the queue
at this cache (`RQ_QUEUES = {"default": {"USE_REDIS_CACHE": "default"}}`) makes each enqueue borrow a
pooled connection instead. django-rq asks a cache for `_client`; Django's own backend has none.
"""

from __future__ import annotations

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.utils.functional import cached_property


class RedisCache(DjangoRedisCache):
    @cached_property
    def _client(self):
        """One Redis client on the cache's shared write pool (bytes in, bytes out, as RQ expects), built
        once: a client object per enqueue would rebuild its reply table and make RQ ask the server for its
        version (INFO) every time."""
        return self._cache.get_client(write=True)
