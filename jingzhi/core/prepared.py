"""Reads whose statement the ORM compiles once per shape and that then run again with new values.

A page that reads one case makes a dozen small reads by primary key; building each through the ORM (filters,
select_related joins, the column list, ORDER BY, converters) cost more Python time than the database spent
answering it. `fetch(key, build, *values)` builds `build(*stand_ins)` once per `key`, compiles it, notes which
compiled parameters are the stand-ins, and afterwards runs the same SQL with this call's values through
Django's own iterables, so the rows come back as the queryset would give them (model instances with their
select_related objects, or `values()` rows) and its `prefetch_related` lookups still run.

`count(key, build, *values)` is the same for `build(*values)`'s row count (`SELECT COUNT(*)` around the
compiled statement: the number `count()` gives): a workbench's tab counts are small index reads that
cost several times the read to build.

The key must name everything that shapes the statement besides the values (the number of items of a list
value, the kind of any other value, are added to it here). Values are ints, strings and datetimes, or lists of
them, or None (not a stand-in: None shapes the statement, so it is part of the shape). A statement whose
compiled parameters do not contain every stand-in as the database receives it (a value the ORM transforms,
e.g. `startswith`, or a datetime compared with a date), or that compiles to nothing (an empty `IN`), is built
and compiled for each call instead: the answer is the same.
"""

from __future__ import annotations

import copy
import weakref
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import QuerySet

_INT_STAND_IN = -918_273_000
_STR_STAND_IN = "\u2063stand-in {}\u2063"
_DATETIME_STAND_IN = datetime(1901, 2, 3, 4, 5, 6, 789_012, tzinfo=UTC)
_CACHE: dict[tuple, _Prepared | None] = {}
_CACHE_MAX = 512


def fetch(key: tuple, build: Callable[..., QuerySet], *values) -> list:
    """The rows of `build(*values)`, its statement compiled once per `key` and the shape of `values`."""
    entry = _entry(key, build, values, count=False)
    if entry is None:
        return list(build(*values))
    qs = entry.template._chain()
    alias = qs.db
    connection = connections[alias]
    if connection.vendor != entry.vendor:
        return list(build(*values))
    params = entry.params(connection, values)
    # Only this evaluated clone carries the compiled statement; nothing chains from it.
    qs.query.get_compiler = lambda using=None, connection=None, elide_empty=True: entry.bound(
        connection or connections[using or alias], params
    )
    return list(qs)


def count(key: tuple, build: Callable[..., QuerySet], *values) -> int:
    """`build(*values).count()`, its statement compiled once per `key` and the shape of `values`."""
    entry = _entry(key, build, values, count=True)
    if entry is None:
        return build(*values).count()
    connection = connections[entry.template.db]
    if connection.vendor != entry.vendor:
        return build(*values).count()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM ({entry.sql}) subquery", entry.params(connection, values))
        return cursor.fetchone()[0]


def _entry(key: tuple, build, values: tuple, *, count: bool) -> _Prepared | None:
    shape = tuple(len(v) if isinstance(v, list | tuple) else type(v).__name__ for v in values)
    full_key = (*key, count, shape)
    entry = _CACHE.get(full_key)
    if entry is None and full_key not in _CACHE:
        entry = _prepare(build, values)
        if len(_CACHE) >= _CACHE_MAX:
            _CACHE.clear()
        _CACHE[full_key] = entry
    return entry


class _Prepared:
    """One compiled statement: the stand-in queryset it came from, its compiler (the columns, the objects
    they populate), the SQL and where each parameter comes from; the rows' converters per connection."""

    def __init__(self, template: QuerySet, compiler, sql: str, slots: tuple, with_datetimes: bool):
        self.template, self.compiler, self.sql, self.slots = template, compiler, sql, slots
        self.with_datetimes = with_datetimes
        self.vendor = compiler.connection.vendor
        self.composite = None
        self.converters: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    def params(self, connection, values: tuple) -> tuple:
        """The compiled parameters with this call's values where the stand-ins were, as the database
        receives them (a datetime as the connection adapts it)."""
        flat = _flatten(values)
        if self.with_datetimes:
            adapt = connection.ops.adapt_datetimefield_value
            flat = [adapt(v) if isinstance(v, datetime) else v for v in flat]
        return tuple(flat[v] if k else v for k, v in self.slots)

    def bound(self, connection, params: tuple):
        """A copy of the compiler that runs the SQL with `params` on `connection`."""
        compiler = copy.copy(self.compiler)
        compiler.using, compiler.connection = connection.alias, connection
        compiler.as_sql = lambda *args, **kwargs: (self.sql, params)
        compiler.get_converters = lambda fields: self._converters(compiler, connection, fields)
        compiler.has_composite_fields = lambda fields: self._composite(fields)
        return compiler

    def _converters(self, compiler, connection, fields):
        # The columns are the same every time, so are their converters (asked per column and per run, they
        # were a tenth of a read's Python time).
        found = self.converters.get(connection)
        if found is None:
            found = self.converters[connection] = type(compiler).get_converters(compiler, fields)
        return found

    def _composite(self, fields) -> bool:
        if self.composite is None:
            self.composite = type(self.compiler).has_composite_fields(self.compiler, fields)
        return self.composite


def _flatten(values) -> list:
    out: list = []
    for value in values:
        out.extend(value) if isinstance(value, list | tuple) else out.append(value)
    return out


def _stand_ins(values, first: int = 0) -> tuple[tuple, list]:
    """Stand-ins in the shape of `values`, numbered from `first`, and the flat list of them."""
    counter = iter(range(first, first + 10**5))

    def one(value):
        i = next(counter)
        if value is None:
            return None
        if type(value) is int:
            return _INT_STAND_IN - i
        if type(value) is str:
            return _STR_STAND_IN.format(i)
        if isinstance(value, datetime) and value.tzinfo is not None:
            return _DATETIME_STAND_IN + timedelta(seconds=i)
        raise TypeError(
            f"prepared reads take ints, strings, aware datetimes and None, not {type(value).__name__}"
        )

    shaped = tuple(
        [one(v) for v in value] if isinstance(value, list | tuple) else one(value) for value in values
    )
    return shaped, _flatten(shaped)


def _prepare(build, values):
    """The statement of `build` over stand-ins, with where each stand-in goes among its parameters — or None
    when that cannot be known. It is compiled twice, over two different sets of stand-ins: a parameter that
    differs between the two must be a stand-in as itself (else the ORM transformed a value, and the compiled
    text would keep the first call's); a value that appears nowhere and changes nothing (a moment a queue
    without deadlines ignores) is simply unused."""
    shaped, flat = _stand_ins(values)
    template = build(*shaped)
    compiler = template.query.get_compiler(using=template.db)
    other_shaped, other_flat = _stand_ins(values, first=10**5)
    other = build(*other_shaped)
    try:
        sql, params = compiler.as_sql()
        other_sql, other_params = other.query.get_compiler(using=other.db).as_sql()
    except EmptyResultSet:
        return None
    if not sql or sql != other_sql or len(params) != len(other_params):
        return None
    adapt = compiler.connection.ops.adapt_datetimefield_value

    def index_of(stand_ins):
        received = [adapt(v) if isinstance(v, datetime) else v for v in stand_ins]
        return {(type(v), v): i for i, v in enumerate(received) if v is not None}

    index, other_index = index_of(flat), index_of(other_flat)
    slots = []
    for value, other_value in zip(params, other_params, strict=True):
        i = index.get(_hashed(value))
        if i is not None and other_index.get(_hashed(other_value)) == i:
            slots.append((True, i))
        elif i is None and type(value) is type(other_value) and value == other_value:
            slots.append((False, value))
        else:
            return None
    with_datetimes = any(isinstance(v, datetime) for v in flat)
    return _Prepared(template, compiler, sql, tuple(slots), with_datetimes)


def _hashed(value) -> tuple | None:
    """A parameter as a key among the stand-ins; None for one that cannot be (a list, a JSON value)."""
    try:
        hash(value)
    except TypeError:
        return None
    return (type(value), value)
