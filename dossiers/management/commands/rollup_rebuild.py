from django.core.management.base import BaseCommand, CommandError
from django.forms import DateField, ValidationError

from dossiers.statistics.rollups import rollups_rebuild


def _day(text: str):
    try:
        return DateField(input_formats=["%d/%m/%Y"]).clean(text)
    except ValidationError:
        raise CommandError(f"{text!r} is not a date dd/mm/yyyy.") from None


class Command(BaseCommand):
    help = (
        "Rebuild the statistics' daily rollups of every closed day from --from to --to "
        "(dd/mm/yyyy, Asia/Ho_Chi_Minh), each day from report_column_q in one transaction. "
        "Days not ended yet are skipped (the report counts today live). Safe to run again."
    )

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="first_day", required=True, help="First day.")
        parser.add_argument("--to", dest="last_day", required=True, help="Last day.")

    def handle(self, *args, first_day, last_day, **options):
        first, last = _day(first_day), _day(last_day)
        if last < first:
            raise CommandError("The first day comes after the last day.")
        built = rollups_rebuild(first_day=first, last_day=last)
        self.stdout.write(f"rollups {first:%d/%m/%Y}-{last:%d/%m/%Y}: {built} days built")
