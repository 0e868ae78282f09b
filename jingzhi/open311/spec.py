"""GeoReport v2 as plain rules: formats, element names, datetimes, the status mapping, the parsing of
attribute fields and dates. PURE — no ORM, no request objects.

The views in `jingzhi.open311.views` gather data, hand it here as plain dicts and lists, and send what comes
back. Rendering is one structure for both formats: JSON is the structure itself, XML names each list's items
after the spec (`services/service`, `attributes/attribute`, `values/value`, `service_requests/request`,
`errors/error`, `endpoints/endpoint`, `formats/format`), so the two formats cannot disagree.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from xml.etree import ElementTree as ET

from django.utils.translation import gettext as _

from jingzhi.core.ids import parse_count
from jingzhi.core.text import listing

FORMATS = {"xml": "text/xml; charset=utf-8", "json": "application/json; charset=utf-8"}
SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"

# A list under this key holds items of this element name (XML only; JSON keeps plain arrays).
ITEM_NAMES = {
    "services": "service",
    "attributes": "attribute",
    "values": "value",
    "service_requests": "request",
    "service_request_updates": "request_update",
    "errors": "error",
    "endpoints": "endpoint",
    "formats": "format",
    "timeline": "event",
    "departments": "department",
}

DATATYPES = ("string", "number", "datetime", "text", "singlevaluelist", "multivaluelist")
DESCRIPTION_MAX = 4000
DEFAULT_SPAN_DAYS = 90
MAX_REQUESTS = 1000


class Open311Error(Exception):
    """One or more spec errors answered together: `errors` is a list of (code, description); `status` the HTTP
    status (400, 403, 404, 405 or 429)."""

    def __init__(self, status: int, *errors: str, code: int | None = None):
        self.status = status
        self.errors = [(code or status, str(description)) for description in errors]
        super().__init__("; ".join(d for _c, d in self.errors))

    def body(self) -> list[dict]:
        return [{"code": code, "description": description} for code, description in self.errors]


# ---------------------------------------------------------------------------------------------- rendering
# Characters XML 1.0 cannot carry (C0 controls but tab/newline/return, surrogates, U+FFFE/FFFF). PostgreSQL
# refuses NUL in text as well, so input is cleaned with the same rule before it reaches a case.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def clean_text(value: str) -> str:
    return _NOT_XML.sub("", value or "")


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return clean_text(str(value))


def _append(parent: ET.Element, name: str, value) -> None:
    element = ET.SubElement(parent, name)
    if isinstance(value, dict):
        for key, child in value.items():
            _append(element, key, child)
    elif isinstance(value, list | tuple):
        item = ITEM_NAMES.get(name, "item")
        for child in value:
            _append(element, item, child)
    else:
        element.text = _text(value)


def to_xml(root: str, value) -> bytes:
    """`value` (a list of items or a dict of fields) under the root element `root`."""
    element = ET.Element(root)
    if isinstance(value, dict):
        for key, child in value.items():
            _append(element, key, child)
    else:
        item = ITEM_NAMES[root]
        for child in value:
            _append(element, item, child)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(element, encoding="utf-8")


def to_json(value) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def render(fmt: str, root: str, value) -> bytes:
    return to_xml(root, value) if fmt == "xml" else to_json(value)


# ---------------------------------------------------------------------------------------------- datetimes
def w3c(moment: datetime | None, tz: tzinfo) -> str | None:
    """ISO 8601 with the offset of `tz` (e.g. 2025-06-11T09:00:00+08:00): the spec wants a timezone on every
    datetime, so a naive value never leaves here."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz)
    return moment.astimezone(tz).isoformat(timespec="seconds")


_OFFSET_SPACE = re.compile(r"^(.*T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?) (\d{2}(?::?\d{2})?)$")
_DATETIME = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6})\d*)?)?)?"
    r"(Z|[+-]\d{2}(?::?\d{2})?)?$"
)


def parse_w3c(name: str, raw: str, tz: tzinfo, *, end_of_day: bool = False) -> datetime:
    """A W3C datetime (`2025-06-11T09:00:00+08:00`, `...Z`, or a date `2025-06-11`); no offset means local
    time. A '+' that arrived unencoded in a query string turned into a space: put it back."""
    text = (raw or "").strip()
    fixed = _OFFSET_SPACE.match(text)
    if fixed:
        text = f"{fixed.group(1)}+{fixed.group(2)}"
    match = _DATETIME.match(text)
    problem = _("参数 %(name)s 不是有效的日期时间“%(raw)s”，应为 W3C 格式，如 2025-06-11T09:00:00+08:00") % {
        "name": name,
        "raw": raw,
    }
    if not match:
        raise Open311Error(400, problem)
    year, month, day, hour, minute, second, fraction, offset = match.groups()
    try:
        if hour is None:
            moment = datetime.combine(
                date(int(year), int(month), int(day)), time.max if end_of_day else time.min
            )
        else:
            moment = datetime(
                int(year),
                int(month),
                int(day),
                int(hour),
                int(minute),
                int(second or 0),
                int((fraction or "0").ljust(6, "0")),
            )
    except ValueError:
        raise Open311Error(400, problem) from None
    if offset is None:
        return moment.replace(tzinfo=tz)
    if offset == "Z":
        from datetime import UTC

        return moment.replace(tzinfo=UTC)
    digits = offset[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:] or 0)
    if hours > 14 or minutes > 59:
        raise Open311Error(400, problem)
    from datetime import timezone as dt_timezone

    delta = timedelta(hours=hours, minutes=minutes)
    return moment.replace(tzinfo=dt_timezone(delta if offset[0] == "+" else -delta))


def date_window(
    start: datetime | None, end: datetime | None, now: datetime, span_days: int = DEFAULT_SPAN_DAYS
) -> tuple[datetime, datetime]:
    """The requested_datetime window of GET requests: the spec's default is the last 90 days, and a window
    may not span more than 90 days."""
    span = timedelta(days=span_days)
    if start is None and end is None:
        return now - span, now
    if start is None:
        start = end - span
    if end is None:
        end = start + span
    if end < start:
        raise Open311Error(400, _("end_date 早于 start_date"))
    if end - start > span:
        raise Open311Error(
            400, _("start_date 与 end_date 相隔超过 %(n)d 天，请缩小时间范围") % {"n": span_days}
        )
    return start, end


# ---------------------------------------------------------------------------------------------- statuses
def spec_status(state: str, finished: frozenset | set) -> str:
    """Our rich states down to the spec's two: anything finished (closed, not filed, void, merged) is closed."""
    return "closed" if state in finished else "open"


def parse_statuses(raw: str) -> set[str]:
    wanted = {part.strip().lower() for part in (raw or "").split(",") if part.strip()}
    bad = wanted - {"open", "closed"}
    if bad:
        raise Open311Error(
            400,
            _("status 只能是 open 或 closed（可用逗号分隔），收到“%(bad)s”") % {"bad": listing(sorted(bad))},
        )
    return wanted


def split_list(raw: str) -> list[str]:
    return list(dict.fromkeys(part.strip() for part in (raw or "").split(",") if part.strip()))


# ---------------------------------------------------------------------------------------------- attributes
@dataclass(frozen=True)
class Attribute:
    """One attribute of a service definition, in the spec's terms."""

    code: str
    description: str
    datatype: str = "singlevaluelist"
    required: bool = False
    variable: bool = True
    order: int = 1
    datatype_description: str = ""
    values: tuple[tuple[str, str], ...] = field(default_factory=tuple)

    def as_dict(self) -> dict:
        body = {
            "variable": self.variable,
            "code": self.code,
            "datatype": self.datatype,
            "required": self.required,
            "datatype_description": self.datatype_description or None,
            "order": self.order,
            "description": self.description,
        }
        if self.datatype in ("singlevaluelist", "multivaluelist"):
            body["values"] = [{"key": key, "name": name} for key, name in self.values]
        return body


_ATTRIBUTE_FIELD = re.compile(r"^attribute\[([^\[\]]+)\](\[\])?$")


def collect_attributes(items) -> dict[str, list[str]]:
    """`attribute[CODE]=v` and `attribute[CODE][]=v1&attribute[CODE][]=v2` from the form's (name, values)
    pairs, as {CODE: [values]}; other fields are ignored here."""
    found: dict[str, list[str]] = {}
    for name, values in items:
        match = _ATTRIBUTE_FIELD.match(name)
        if match:
            found.setdefault(match.group(1), []).extend(str(v) for v in values)
    return found


def check_attributes(
    definition: list[Attribute], given: dict[str, list[str]], tz: tzinfo
) -> tuple[dict, list]:
    """(clean answers, problems): each answer checked against its datatype and list of values; unknown codes,
    missing required ones and several values for a single-value attribute are problems."""
    by_code = {a.code: a for a in definition if a.variable}
    problems = []
    clean: dict = {}
    for code in given:
        if code not in by_code:
            problems.append(
                _("未知的属性 attribute[%(code)s]，该服务的属性为：%(codes)s")
                % {"code": code, "codes": listing(by_code) or _("无")}
            )
    for attribute in sorted(by_code.values(), key=lambda a: a.order):
        values = [v.strip() for v in given.get(attribute.code, []) if v.strip()]
        if not values:
            if attribute.required:
                problems.append(
                    _("缺少必填属性 attribute[%(code)s]（%(what)s）")
                    % {"code": attribute.code, "what": attribute.description}
                )
            continue
        if attribute.datatype != "multivaluelist" and len(values) > 1:
            problems.append(_("属性 attribute[%(code)s] 只能有一个值") % {"code": attribute.code})
            continue
        keys = {key for key, _name in attribute.values}
        if attribute.datatype in ("singlevaluelist", "multivaluelist"):
            bad = [v for v in values if v not in keys]
            if bad:
                problems.append(
                    _("属性 attribute[%(code)s] 的取值“%(bad)s”不在可选值 %(keys)s 中")
                    % {"code": attribute.code, "bad": listing(bad), "keys": listing(sorted(keys))}
                )
                continue
            clean[attribute.code] = values if attribute.datatype == "multivaluelist" else values[0]
        elif attribute.datatype == "number":
            try:
                clean[attribute.code] = float(values[0])
            except ValueError:
                problems.append(_("属性 attribute[%(code)s] 应为数字") % {"code": attribute.code})
        elif attribute.datatype == "datetime":
            try:
                clean[attribute.code] = parse_w3c(f"attribute[{attribute.code}]", values[0], tz).isoformat()
            except Open311Error as exc:
                problems.append(exc.errors[0][1])
        else:
            clean[attribute.code] = values[0][:DESCRIPTION_MAX]
    return clean, problems


# ---------------------------------------------------------------------------------------------- bbox
def parse_bbox(raw: str) -> tuple[float, float, float, float]:
    """`minlon,minlat,maxlon,maxlat` (the order of OGC and GeoJSON bboxes)."""
    problem = _("bbox 应为“最小经度,最小纬度,最大经度,最大纬度”四个数字，收到“%(raw)s”") % {"raw": raw}
    parts = (raw or "").split(",")
    if len(parts) != 4:
        raise Open311Error(400, problem)
    try:
        minlon, minlat, maxlon, maxlat = (float(p) for p in parts)
    except ValueError:
        raise Open311Error(400, problem) from None
    if (
        not all(-180 <= v <= 180 for v in (minlon, maxlon))
        or not all(-90 <= v <= 90 for v in (minlat, maxlat))
        or minlon > maxlon
        or minlat > maxlat
    ):
        raise Open311Error(400, problem)
    return minlon, minlat, maxlon, maxlat


def parse_positive_int(name: str, raw: str, *, default: int, maximum: int) -> int:
    if raw in (None, ""):
        return default
    value = parse_count(str(raw).strip(), minimum=1, maximum=maximum)
    if value is None:
        raise Open311Error(
            400,
            _("%(name)s 应为 1 到 %(max)d 之间的整数，收到“%(raw)s”")
            % {"name": name, "max": maximum, "raw": raw},
        )
    return value
