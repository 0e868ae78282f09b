from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "jingzhi.cases"
    label = "cases"
    verbose_name = _("案件")

    def ready(self) -> None:
        # Photos hang on timeline events: whoever may see the case may see its photos, nobody else.
        try:
            from jingzhi.core.attachments import register_owner_access
        except ImportError:  # core's attachments not installed in this build
            return
        register_owner_access("cases.caseevent", _may_see_event_photo)


def _may_see_event_photo(user, owner_id) -> bool:
    from jingzhi.cases.models import CaseEvent
    from jingzhi.cases.permissions import can_see

    event = CaseEvent.objects.select_related("case").filter(pk=owner_id).first()
    return event is not None and can_see(user, event.case)
