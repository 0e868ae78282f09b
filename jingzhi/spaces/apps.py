"""腾退空间 and 便民: the registry of vacated space from vacated to reused, its re-checks (动态清零), the
service points of the 一刻钟便民生活圈 and their coverage gaps, and merchants relocated out of vacated sites.
A feature app: it builds on cases, duties, geo, taxonomy and accounts, and never imports rectification,
councils or projects (a 民意立项 project is linked by a plain reference)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SpacesConfig(AppConfig):
    name = "jingzhi.spaces"
    label = "spaces"
    verbose_name = _("腾退空间")

    def ready(self) -> None:
        from jingzhi.core.attachments import register_owner_access
        from jingzhi.spaces import checks  # noqa: F401  (registers the settings checks)
        from jingzhi.spaces.permissions import can_view_recheck_photo, can_view_space_photo

        # A space's and a re-check's photos are seen by whoever may see the space.
        register_owner_access("spaces.space", can_view_space_photo)
        register_owner_access("spaces.recheck", can_view_recheck_photo)
