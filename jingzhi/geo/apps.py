from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GeoConfig(AppConfig):
    name = "jingzhi.geo"
    label = "geo"
    verbose_name = _("地理与网格")

    def ready(self) -> None:
        # Cache coherence, not domain flow: any row-level change to a generation or a place (the admin,
        # a test factory, a shell) drops the in-memory locate index, so it is rebuilt from what is stored.
        # The actions' bulk writes do not send signals; do_activate_generation invalidates explicitly.
        from django.db.models.signals import post_delete, post_save

        from jingzhi.geo import locate
        from jingzhi.geo.models import BoundaryGeneration, Community, District, Grid, Street, Subdistrict

        def drop_index(sender, **kwargs):
            locate.invalidate()

        for model in (BoundaryGeneration, District, Subdistrict, Community, Grid, Street):
            post_save.connect(drop_index, sender=model, dispatch_uid=f"geo-locate-{model.__name__}-save")
        # post_delete only on generations: a receiver on the place models would turn Django's fast cascade
        # delete of a draft's ten thousand grids into ten thousand fetched rows and signals.
        post_delete.connect(
            drop_index, sender=BoundaryGeneration, dispatch_uid="geo-locate-generation-delete"
        )
