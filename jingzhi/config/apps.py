from django.apps import AppConfig


class ConfigConfig(AppConfig):
    """Registers the settings checks; holds no models."""

    name = "jingzhi.config"
    label = "jingzhi_config"

    def ready(self) -> None:
        from django.apps import apps
        from django.db.models.signals import post_migrate

        from jingzhi.config import checks  # noqa: F401

        # Sent once per app with models; this app has none, so it listens to core's (migrated in every install).
        post_migrate.connect(
            _create_cache_table, sender=apps.get_app_config("core"), dispatch_uid="jingzhi.config.cache_table"
        )


def _create_cache_table(using="default", verbosity=0, **kwargs) -> None:
    """The database cache (profile.cache_config) needs its table; `migrate` makes it, so no deployment has to
    remember `createcachetable`. Idempotent, and nothing to do for the Redis or memory caches."""
    from django.conf import settings
    from django.core.management import call_command

    if any(c["BACKEND"].endswith("DatabaseCache") for c in settings.CACHES.values()):
        call_command("createcachetable", database=using, verbosity=0)
