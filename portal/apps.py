from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("Portal")

    def ready(self):
        from django.apps import apps
        from django.db.models.signals import post_migrate

        from . import roles

        # Model permissions are created after each app migrates, so the role grants run once
        # the catalogue's permissions exist rather than in the migration that makes the groups.
        post_migrate.connect(roles.grant_role_permissions, sender=apps.get_app_config("procedures"))
