"""Names and districts of the units figures are kept for (places by code, departments by code), read in
one query per unit kind from geo and accounts."""

from __future__ import annotations

from collections.abc import Iterable

PLACE_KINDS = ("district", "subdistrict", "community", "grid", "street")


def names(kind: str, codes: Iterable[str]) -> dict[str, tuple[str, str]]:
    """code → (name, district code) for the given unit codes; unknown codes map to (code, code[:6])."""
    codes = sorted(set(codes))
    found: dict[str, tuple[str, str]] = {}
    if kind == "department":
        from jingzhi.accounts.models import Department

        for code, name, district in Department.objects.filter(code__in=codes).values_list(
            "code", "name", "district_code"
        ):
            found[code] = (name, district or "")
    elif kind in PLACE_KINDS:
        from jingzhi.geo.queries import MODELS

        # The newest generation's name wins when a code lives in several generations.
        rows = (
            MODELS[kind].objects.filter(code__in=codes).order_by("generation_id").values_list("code", "name")
        )
        for code, name in rows:
            found[code] = (name, code[:6])
    return {code: found.get(code, (code, code[:6] if kind != "department" else "")) for code in codes}
