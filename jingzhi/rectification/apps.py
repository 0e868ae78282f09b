"""十无一创建: the versioned standard, inspections and scores, grades, street chiefs, task letters, ledgers,
boards, accountability, 一街一策 and stewards. A feature app: it builds on cases, duties, geo, taxonomy and
accounts, and nothing below imports it."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RectificationConfig(AppConfig):
    name = "jingzhi.rectification"
    label = "rectification"
    verbose_name = _("十无一创建")

    def ready(self) -> None:
        from jingzhi.accounts import access
        from jingzhi.core.attachments import register_owner_access
        from jingzhi.rectification.models import ChiefAssignment, StewardAssignment
        from jingzhi.rectification.permissions import can_view_finding_photo

        # A finding's photos are seen by whoever may see the street's inspections.
        register_owner_access("rectification.itemresult", can_view_finding_photo)
        # The header's 我的街巷 link: read with the other apps' memberships in one statement.
        access.register_membership("street_chief", lambda: ChiefAssignment.objects.filter(is_active=True))
        access.register_membership("steward", lambda: StewardAssignment.objects.filter(is_active=True))
