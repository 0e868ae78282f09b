"""The API's request parsers: DRF's, refusing what the database or the interpreter cannot take.

A JSON body nested deeper than `JINGZHI_API_JSON_MAX_DEPTH` (default 32; no request of ours needs more than
three) is refused before it is decoded: Python's decoder recurses once per level and a body nested a few
thousand deep raised RecursionError, a 500. A NUL character in any key or value, JSON or form, is refused too:
PostgreSQL cannot store it in text and failed the request with a 500 further down. Both answer 400 in the
API's error shape (`parse_error`), naming what was wrong. The middleware `config.middleware.RejectNulBytes`
does the same for paths and query strings of every interface.
"""

from __future__ import annotations

from io import BytesIO

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError

DEFAULT_MAX_DEPTH = 32


def max_depth() -> int:
    return max(1, int(getattr(settings, "JINGZHI_API_JSON_MAX_DEPTH", DEFAULT_MAX_DEPTH)))


def json_depth(text: str, limit: int) -> int:
    """PURE: the bracket nesting depth of JSON text, scanning no further than the first level past `limit`
    (strings are skipped, escapes honoured)."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > limit:
                    return deepest
        elif char in "]}":
            depth -= 1
    return deepest


def _nul_in(value, path: str = "") -> str | None:
    """The path of the first key or string holding a NUL character, or None."""
    if isinstance(value, str):
        return path or "(body)" if "\x00" in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            if "\x00" in str(key):
                return where.replace("\x00", "\\0")
            found = _nul_in(item, where)
            if found:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = _nul_in(item, f"{path}.{index}" if path else str(index))
            if found:
                return found
    return None


def _refuse_nul(where: str):
    raise ParseError(_("请求中的“%(field)s”含有空字符（\\0），无法保存") % {"field": where})


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        raw = stream.read() if stream is not None else b""
        try:
            text = raw.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            raise ParseError(_("请求正文不是有效的 %(enc)s 文本") % {"enc": encoding}) from None
        limit = max_depth()
        if json_depth(text, limit) > limit:
            raise ParseError(_("JSON 嵌套超过 %(n)d 层，无法处理") % {"n": limit})
        data = super().parse(BytesIO(raw), media_type, parser_context)
        where = _nul_in(data)
        if where:
            _refuse_nul(where)
        return data


class FormParser(parsers.FormParser):
    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        where = _nul_in({key: data.getlist(key) for key in data})
        if where:
            _refuse_nul(where)
        return data


class MultiPartParser(parsers.MultiPartParser):
    def parse(self, stream, media_type=None, parser_context=None):
        result = super().parse(stream, media_type, parser_context)
        fields = {key: result.data.getlist(key) for key in result.data}
        fields.update({key: [f.name or "" for f in result.files.getlist(key)] for key in result.files})
        where = _nul_in(fields)
        if where:
            _refuse_nul(where)
        return result
