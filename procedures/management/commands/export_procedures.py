from pathlib import Path

from django.core.management.base import BaseCommand

from procedures.exchange import catalogue_export_json


class Command(BaseCommand):
    help = "Write the whole catalogue (agencies, fields, every procedure version) to a JSON file."

    def add_arguments(self, parser):
        parser.add_argument("file", help="Where to write the JSON; '-' for standard output.")

    def handle(self, *args, file, **options):
        text = catalogue_export_json()
        if file == "-":
            self.stdout.write(text)
        else:
            Path(file).write_text(text + "\n", encoding="utf-8")
            self.stdout.write(f"Catalogue written to {file}")
