"""多元共治: councils and their patrol rosters and rounds, council meetings, joint meetings (联席会议), property
companies as handling parties, and party members reporting to their community. A feature app: it builds on
cases, duties, geo, taxonomy and accounts, never on the other feature apps, and nothing below imports it."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CouncilsConfig(AppConfig):
    name = "jingzhi.councils"
    label = "councils"
    verbose_name = _("多元共治")

    def ready(self) -> None:
        from jingzhi.accounts import access
        from jingzhi.cases import hooks as case_hooks
        from jingzhi.core import hooks
        from jingzhi.councils.actions import close_items_of_closed_case
        from jingzhi.councils.models import CouncilMember, PartyMember

        # A meeting's action item that opened (or was linked to) a case is done when the case closes.
        hooks.register(case_hooks.CASE_CLOSED)(close_items_of_closed_case)
        # The header asks these of every page: read with the other apps' memberships in one statement.
        access.register_membership("council_member", lambda: CouncilMember.objects.filter(is_active=True))
        access.register_membership("party_member", lambda: PartyMember.objects.all())
