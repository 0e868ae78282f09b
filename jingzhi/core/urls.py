"""`fixed_url(name)`: the URL of a page that takes no arguments, reversed once per process (issue 16: the
header's links cost every signed-in page a `reverse` each).

Such a URL changes only with the URLconf and the script prefix the site is mounted under, so both are part of
the key; a changed setting (tests' `override_settings(ROOT_URLCONF=…)`) forgets them all.
"""

from __future__ import annotations

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.urls import get_script_prefix, get_urlconf, reverse

_urls: dict[tuple, str] = {}


@receiver(setting_changed)
def _forget_urls(**kwargs) -> None:
    _urls.clear()


def fixed_url(viewname: str) -> str:
    """`reverse(viewname)` for a URL name without arguments, remembered per URLconf and script prefix."""
    key = (viewname, get_urlconf(), get_script_prefix())
    url = _urls.get(key)
    if url is None:
        url = _urls[key] = reverse(viewname)
    return url
