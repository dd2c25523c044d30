from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from dossiers.generator import generate_dossiers


class Command(BaseCommand):
    help = (
        "Bulk-insert N realistic dossiers received over the last two years (for demos and "
        "benchmarks). The same --seed gives the same dossiers."
    )

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, required=True)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--days", type=int, default=730, help="How far back receipts go.")
        parser.add_argument("--no-events", action="store_true", help="Skip the event rows.")

    def handle(self, *args, count, seed, days, no_events, **options):
        if count < 1:
            raise CommandError("--count must be at least 1.")
        today = timezone.localdate()
        try:
            result = generate_dossiers(
                count=count,
                seed=seed,
                start=today - timedelta(days=days),
                end=today,
                with_events=not no_events,
            )
        except ValueError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"{result.dossiers} dossiers, {result.steps} steps, {result.events} events: "
            + ", ".join(f"{status} {n}" for status, n in sorted(result.by_status.items()))
        )
