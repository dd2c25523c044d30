from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from procedures.exchange import CatalogueImportError, catalogue_import_json


class Command(BaseCommand):
    help = (
        "Load a catalogue JSON file (as written by export_procedures). Every record is checked "
        "first; if any is invalid, every problem is listed and nothing is imported."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")

    def handle(self, *args, file, **options):
        try:
            content = Path(file).read_bytes()
        except OSError as error:
            raise CommandError(
                _("Cannot read %(file)s: %(reason)s") % {"file": file, "reason": error.strerror}
            ) from None
        try:
            result = catalogue_import_json(content)
        except CatalogueImportError as error:
            lines = [
                _("Nothing was imported: %(count)d problem(s) found.")
                % {"count": len(error.errors)}
            ]
            lines += [f"  - {message}" for message in error.errors]
            raise CommandError("\n".join(lines)) from None
        self.stdout.write(
            _(
                "Imported: %(agencies)d agencies, %(fields)d fields, %(created)d new procedure "
                "versions, %(updated)d updated."
            )
            % {
                "agencies": result.agencies,
                "fields": result.fields,
                "created": result.procedures_created,
                "updated": result.procedures_updated,
            }
        )
