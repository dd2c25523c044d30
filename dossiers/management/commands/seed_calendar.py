from django.core.management.base import BaseCommand, CommandError

from dossiers.services import calendar_seed_public_holidays


class Command(BaseCommand):
    help = (
        "Seed the country-wide working calendar: the public holidays of the years as the "
        "`holidays` package predicts them (Vietnamese names, Labour Code 2019 Art. 112, with their "
        "weekend substitutes and swapped days), and the Government's announced arrangements "
        "(dossiers.services.calendar.ANNOUNCED_DAYS; 2026: 02/01 off with Saturday 10/01 worked, "
        "Tết 16-20/02, National Day 31/08-02/09 with Saturday 22/08 worked). A date without a "
        "country-wide row gets one; an announced day replaces a package prediction; every other "
        "existing row, including any an administrator entered or edited, is kept as it is, so "
        "running it again is safe and changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--from", dest="first_year", type=int, required=True, help="First year, e.g. 2024."
        )
        parser.add_argument(
            "--to", dest="last_year", type=int, required=True, help="Last year, e.g. 2030."
        )

    def handle(self, *args, first_year, last_year, **options):
        try:
            result = calendar_seed_public_holidays(first_year=first_year, last_year=last_year)
        except ValueError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"calendar {first_year}-{last_year}: {result.created} days created, "
            f"{result.existing} already present (kept as they are), "
            f"{result.replaced} package predictions replaced by announced days"
        )
        for day in result.differing:
            self.stdout.write(
                f"  kept {day:%d/%m/%Y}: its row is not what the seed would create; "
                "check it in the admin"
            )
