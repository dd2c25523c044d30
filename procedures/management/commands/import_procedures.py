from datetime import datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from procedures.exchange import CatalogueImportError, catalogue_import_json


def _day(text: str):
    try:
        return datetime.strptime(text, "%d/%m/%Y").date()  # noqa: DTZ007 (a calendar day)
    except ValueError:
        raise CommandError(
            _("--effective takes a day written dd/mm/yyyy, not %(text)s.") % {"text": text}
        ) from None


class Command(BaseCommand):
    help = (
        "Load a catalogue JSON file (format v1 or v2, as written by export_procedures). Every "
        "record is checked; good records are imported and refused ones are listed with their "
        "code and reasons (exit status 1 if any was refused). --atomic imports nothing unless "
        "every record is valid. A changed record for a version that dossiers use becomes a new "
        "version, valid from --effective (default: the record's date if later, else today)."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument(
            "--atomic", action="store_true", help="All or nothing: any refused record stops it."
        )
        parser.add_argument(
            "--effective",
            type=_day,
            metavar="dd/mm/yyyy",
            help="First day of the new versions made for versions that dossiers use.",
        )

    def handle(self, *args, file, atomic, effective, **options):
        try:
            content = Path(file).read_bytes()
        except OSError as error:
            raise CommandError(
                _("Cannot read %(file)s: %(reason)s") % {"file": file, "reason": error.strerror}
            ) from None
        try:
            result = catalogue_import_json(content, atomic=atomic, effective=effective)
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
                "versions, %(updated)d updated, %(added)d new versions of versions in use, "
                "%(unchanged)d unchanged."
            )
            % {
                "agencies": result.agencies,
                "fields": result.fields,
                "created": result.procedures_created,
                "updated": result.procedures_updated,
                "added": result.versions_added,
                "unchanged": result.unchanged,
            }
        )
        if result.refused:
            lines = [
                _("Refused: %(count)d record(s).") % {"count": len(result.refused)},
            ]
            for record in result.refused:
                lines.append(f"  {record.code or record.where}:")
                lines += [f"    - {reason}" for reason in record.reasons]
            self.stderr.write("\n".join(lines))
            raise CommandError(
                _("%(count)d record(s) refused; the others were imported.")
                % {"count": len(result.refused)},
                returncode=1,
            )
