"""Template tags for the admin pages of core: the dead-jobs banner on the admin index.

One indexed count per admin index view; only staff reach the admin, so no resident page pays for it.
"""

from django import template

from jingzhi.core.checks import dead_jobs_text
from jingzhi.core.jobs import dead_count

register = template.Library()


@register.simple_tag
def dead_jobs_banner() -> str:
    """The banner text when jobs gave up, else ""."""
    count = dead_count()
    return dead_jobs_text(count) if count else ""
