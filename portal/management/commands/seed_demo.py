from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from dossiers.generator import generate_dossiers
from dossiers.models import Dossier
from dossiers.services.documents import issued_documents_backfill
from portal.demo import DEMO_PASSWORD, DEMO_USERS
from portal.roles import Role
from procedures.exchange import CatalogueImportError, catalogue_import_json
from procedures.models import Agency

DEMO_DOSSIERS = 300
DEMO_CATALOGUE = Path(settings.BASE_DIR) / "procedures" / "fixtures" / "demo_catalogue.json"


class Command(BaseCommand):
    help = "Load the demo catalogue and one demo user per role. Safe to run again."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force", action="store_true", help="Run even with DEBUG off (never in production)."
        )

    def handle(self, *args, force, **options):
        if not settings.DEBUG and not force:
            raise CommandError("seed_demo creates accounts with a known password; use --force.")
        try:
            result = catalogue_import_json(DEMO_CATALOGUE.read_bytes(), atomic=True)
        except CatalogueImportError as error:
            raise CommandError(
                "The demo catalogue is invalid:\n" + "\n".join(error.errors)
            ) from None
        self.stdout.write(
            f"catalogue: {result.agencies} agencies, {result.fields} fields, "
            f"{result.procedures_created} procedures created, {result.procedures_updated} updated, "
            f"{result.versions_added} new versions of versions in use, {result.unchanged} unchanged"
        )
        year = timezone.localdate().year
        call_command(
            "seed_calendar", "--from", str(year - 2), "--to", str(year + 4), stdout=self.stdout
        )
        with transaction.atomic():
            for spec in DEMO_USERS:
                self._ensure_user(spec)
        self.stdout.write(f"demo users: {len(DEMO_USERS)} (password {DEMO_PASSWORD})")
        self._ensure_dossiers()

    def _ensure_dossiers(self):
        """About 300 dossiers over the last 90 days, in every state, once."""
        if Dossier.objects.exists():
            self.stdout.write("dossiers: already present, none added")
            return
        today = timezone.localdate()
        login = next(spec["login"] for spec in DEMO_USERS if spec["role"] == Role.CITIZEN)
        citizen = get_user_model().objects.get(email__iexact=login)
        result = generate_dossiers(
            count=DEMO_DOSSIERS,
            seed=2026,
            start=today - timedelta(days=90),
            end=today,
            citizen=citizen,
        )
        self.stdout.write(
            "dossiers: "
            + ", ".join(f"{status} {n}" for status, n in sorted(result.by_status.items()))
        )
        # The demo citizen's dossiers get their official documents (the beat renders them).
        issued = issued_documents_backfill(dossiers=Dossier.objects.filter(applicant_user=citizen))
        self.stdout.write(f"documents issued for the demo citizen's dossiers: {issued}")

    def _ensure_user(self, spec):
        users = get_user_model().objects
        user = users.filter(email__iexact=spec["login"]).first() or get_user_model()(
            username=spec["login"], email=spec["login"]
        )
        user.first_name = spec["name"]
        user.phone = spec["phone"]
        user.identity_number = spec["identity_number"]
        user.agency = Agency.objects.get(code=spec["agency"]) if spec["agency"] else None
        # Only the catalogue administrator works in the Django admin.
        user.is_staff = spec["role"] == Role.CATALOGUE_ADMIN
        user.set_password(DEMO_PASSWORD)
        user.save()
        user.groups.set([Group.objects.get(name=spec["role"])])
