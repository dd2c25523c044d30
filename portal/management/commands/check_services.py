from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from kombu import Connection


class Command(BaseCommand):
    help = "Check that the database and the Celery broker answer; exit non-zero if either does not."

    def handle(self, *args, **options):
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
        except Exception as error:
            raise CommandError(f"Database unreachable ({connection.vendor}): {error}") from error
        self.stdout.write(f"database: {connection.vendor} ok")

        broker_url = settings.CELERY_BROKER_URL
        try:
            with Connection(
                broker_url, transport_options=settings.CELERY_BROKER_TRANSPORT_OPTIONS
            ) as broker:
                broker.ensure_connection(max_retries=1, timeout=5)
        except Exception as error:
            raise CommandError(f"Celery broker unreachable ({broker_url}): {error}") from error
        self.stdout.write(f"broker: {broker_url.split('://', 1)[0]} ok")
