"""Type aliases the apps' public functions share (annotations only: nothing here is imported at run time,
so any module may use them, even while Django is still loading its apps)."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeAlias

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser
    from django.contrib.auth.models import AnonymousUser

# The person doing something; None is the system (imports, the demo, cron), which passes permission checks.
Actor: TypeAlias = "AbstractBaseUser | None"
# Whoever is reading: a signed-in person or an anonymous visitor.
Reader: TypeAlias = "AbstractBaseUser | AnonymousUser"
# A row id as an interface hands it over (form text or an int); parsed by `core.ids.parse_id`.
RowId: TypeAlias = "int | str"
