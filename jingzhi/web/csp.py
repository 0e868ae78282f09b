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

The two headers depend only on settings and on which of those pages it is, so for a response nothing changed
(no `@csp_update`-style decorator, no nonce used, no header set by the view) they are built once per process
and kind of path and copied after that (issue 16: building them cost every page about as much as one of its
SQL statements); any changed setting forgets them.
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import urlsplit

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject, CSPMiddleware
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
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


# What a view or decorator can set on a response to change its policy: such a response is built afresh.
_PER_RESPONSE = tuple(
    f"_csp_{kind}{ro}" for kind in ("config", "update", "replace", "exempt") for ro in ("", "_ro")
)
_headers: dict[tuple, tuple[str | None, str | None]] = {}


@receiver(setting_changed)
def _forget_headers(**kwargs) -> None:
    _headers.clear()
    docs_paths.cache_clear()


def _excluded(name: str, path: str) -> bool:
    prefixes = (getattr(settings, name, None) or {}).get("EXCLUDE_URL_PREFIXES", None) or ()
    return path.startswith(tuple(prefixes))


class PolicyMiddleware(CSPMiddleware):
    def process_response(self, request, response):
        if (
            getattr(request, "_csp_nonce", None) is not None
            or HEADER in response
            or HEADER_REPORT_ONLY in response
            or any(hasattr(response, name) for name in _PER_RESPONSE)
        ):
            return super().process_response(request, response)
        path = request.path_info
        key = (
            path in docs_paths(),
            _excluded("CONTENT_SECURITY_POLICY", path),
            _excluded("CONTENT_SECURITY_POLICY_REPORT_ONLY", path),
            response.status_code in (500, 404) and settings.DEBUG,
        )
        kept = _headers.get(key)
        if kept is None:
            response = super().process_response(request, response)
            _headers[key] = (response.get(HEADER), response.get(HEADER_REPORT_ONLY))
            return response
        if key[3]:
            return response  # the debug error pages: django-csp leaves them alone entirely
        for header, value in zip((HEADER, HEADER_REPORT_ONLY), kept, strict=True):
            if value is not None:
                response[header] = value
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)
        return response

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
