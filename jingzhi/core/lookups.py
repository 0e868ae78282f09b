"""`id__any_of=<subquery>`: membership in a subquery's rows, evaluated once.

On PostgreSQL it is `id = ANY(ARRAY(subquery))`: the subquery runs once, before the outer scan, and its
result is a plain array the planner can OR with other indexable conditions (a BitmapOr of index scans).
`id IN (subquery)` or `EXISTS (…)` inside an OR instead become a subplan tested row by row, which forces a
scan of every row the rest of the filter leaves — on a table of millions, the difference between a few
milliseconds and seconds. Other databases get `IN (subquery)`. Registered on integer fields (keys) by
`CoreConfig.ready()`; column references are compiled by Django, so the lookup is safe inside subqueries.
"""

from __future__ import annotations

from django.db.models import IntegerField, Lookup


class AnyOf(Lookup):
    lookup_name = "any_of"

    def get_prep_lookup(self):
        return self.rhs  # a QuerySet (subquery); nothing to prepare

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        if not rhs.startswith("("):
            rhs = f"({rhs})"
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY(ARRAY{rhs})", (*lhs_params, *rhs_params)
        return f"{lhs} IN {rhs}", (*lhs_params, *rhs_params)


def register() -> None:
    IntegerField.register_lookup(AnyOf)
