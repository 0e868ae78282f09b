from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "jingzhi.core"
    label = "core"
    verbose_name = _("基础")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from jingzhi.core import (
            checks,  # noqa: F401  (registers system checks)
            lookups,
            workcalendar,
        )
        from jingzhi.core.models import CalendarYear, Holiday, WorkSchedule

        lookups.register()

        from jingzhi.core import attachments

        attachments.register_owner_access(attachments.DRAFT_OWNER, attachments.can_view_draft)

        # Cache invalidation, not domain flow: whatever writes a calendar table (an action, a fixture, the
        # shell), the working calendar of this process must not keep answering from the old data.
        def _drop(**_kwargs) -> None:
            workcalendar.invalidate()

        for model in (Holiday, CalendarYear, WorkSchedule):
            post_save.connect(
                _drop, sender=model, dispatch_uid=f"jingzhi.calendar.save.{model.__name__}", weak=False
            )
            post_delete.connect(
                _drop, sender=model, dispatch_uid=f"jingzhi.calendar.delete.{model.__name__}", weak=False
            )
