from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.utils.translation import gettext_lazy as _

from . import collation, search


def _sqlite_functions(sender, connection, **kwargs):
    """SQLite has no Vietnamese collation and no pg_trgm: give every new connection Python
    versions of both, under PostgreSQL's names, so catalogue queries run unchanged."""
    if connection.vendor == "sqlite":
        collation.register_sqlite(connection.connection)
        search.register_sqlite(connection.connection)


class ProceduresConfig(AppConfig):
    name = "procedures"
    verbose_name = _("Procedure catalogue")

    def ready(self):
        connection_created.connect(_sqlite_functions, dispatch_uid="procedures.sqlite_functions")
