"""The Content-Security-Policy middleware: django-csp's, with the two things the fixed policy in settings
cannot know.

settings.CONTENT_SECURITY_POLICY is strict for every page: script, style, image and fetch only from this
origin, no inline script, no plugin, no framing. Two exceptions are computed per request here:

* the map's base tile server, when the operator configured one (JINGZHI_MAP_TILES = osm | tianditu, or a
  JINGZHI_MAP_TILE_URL on another host), is added to img-src — and nothing else from that host;
* the API documentation pages (/api/docs/, /api/redoc/) run third-party viewers (Swagger UI, ReDoc) whose
  pages carry an inline bootstrap script and inject their own styles; those two pages alone get
  'unsafe-inline' for script and style, data: images and blob: workers. They show only the schema, never
  user data, and still load nothing from another host.
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import urlsplit

from csp.middleware import CSPMiddleware
from django.conf import settings
from django.urls import reverse

from jingzhi.web import mapdata

UNSAFE_INLINE = "'unsafe-inline'"
DOCS_POLICY = {
    "script-src": [UNSAFE_INLINE],
    "style-src": [UNSAFE_INLINE],
    "img-src": ["data:"],
    "worker-src": ["'self'", "blob:"],
}


def tile_origins(config: dict) -> list[str]:
    """The origins map tiles come from: `https://t{s}.tianditu.gov.cn/...` → `https://*.tianditu.gov.cn`.
    A relative tile URL is this site's own and needs nothing."""
    origins = []
    for key in ("url", "annotation"):
        parts = urlsplit((config.get(key) or "").replace("{s}", "*"))
        if parts.scheme in ("http", "https") and parts.netloc:
            # A CSP wildcard stands for whole leftmost labels only: t{s}.tianditu.gov.cn → *.tianditu.gov.cn.
            host = re.sub(r"^[^.]*\*[^.]*", "*", parts.netloc)
            origin = f"{parts.scheme}://{host}"
            if origin not in origins:
                origins.append(origin)
    return origins


@lru_cache(maxsize=1)
def docs_paths() -> tuple[str, ...]:
    return (reverse("api:docs"), reverse("api:redoc"))


class PolicyMiddleware(CSPMiddleware):
    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only=report_only)
        extra: dict[str, list[str]] = {}
        origins = tile_origins(mapdata.tile_config(settings))
        if origins:
            extra["img-src"] = origins
        if request.path_info in docs_paths():
            for directive, sources in DOCS_POLICY.items():
                extra[directive] = [*extra.get(directive, []), *sources]
        if extra:
            update = dict(parts.update or {})
            for directive, sources in extra.items():
                update[directive] = [*update.get(directive, []), *sources]
            parts.update = update
        return parts
