"""The catalogue file format (its name, versions and the keys of each record) and the data shapes
the import passes between planning and applying.

Format v2 carries everything a national record holds: several levels and handling agencies, the
competent / authorised / coordinating agency, a time limit per channel, documents grouped by
case, fees per channel with ranges and currency, results with their codes and legal basis rows.
Format v1 files still import: `importer.upgrade_v1_record` turns a v1 record into a v2 one.
"""

from dataclasses import dataclass, field

from ..models import Agency, Field

FORMAT = "motcua.procedures"
FORMAT_VERSION = 2
READABLE_VERSIONS = (1, 2)

AGENCY_KEYS = {
    "code", "name", "short_name", "kind", "parent", "serves", "address", "phone", "email",
    "working_hours_note", "is_active",
}  # fmt: skip
FIELD_KEYS = {"code", "name"}
PROCEDURE_SCALARS = [
    "code", "version", "name", "decision_authority", "authorised_agency", "coordinating_agency",
    "applicant_type", "online_level", "accepts_direct", "accepts_postal", "accepts_online",
    "time_limit_amount", "time_limit_unit", "time_limit_note", "cutoff_15h", "supplement_policy",
    "supplement_policy_basis", "steps_description", "conditions", "fee_note", "result",
    "legal_basis", "publication_decision", "valid_from", "valid_until", "is_published",
]  # fmt: skip
# Lists of rows that belong to one version, in the order they are written.
PROCEDURE_PARTS = [
    "channel_time_limits", "cases", "documents", "steps", "fees", "results", "legal_documents",
]  # fmt: skip
PROCEDURE_KEYS = {
    *PROCEDURE_SCALARS,
    "levels",
    "field",
    "agency",
    "other_agencies",
    *PROCEDURE_PARTS,
}
# What identifies a version and when it applies: everything else is its content.
PROCEDURE_LIFECYCLE = {"code", "version", "valid_from", "valid_until", "is_published"}
V1_PROCEDURE_KEYS = (
    PROCEDURE_KEYS
    - {"levels", "other_agencies", "authorised_agency", "coordinating_agency"}
    - {"channel_time_limits", "cases", "results", "legal_documents"}
) | {"level"}

DOCUMENT_SCALARS = [
    "position", "name", "description", "original_count", "copy_count", "is_mandatory",
]  # fmt: skip
DOCUMENT_KEYS = {*DOCUMENT_SCALARS, "template"}
CASE_KEYS = {"position", "title", "documents"}
STEP_KEYS = ["position", "name", "role", "budget_hours", "description"]
FEE_KEYS = ["channel", "name", "amount", "amount_max", "currency", "note"]
V1_FEE_KEYS = ["name", "amount", "note"]
CHANNEL_LIMIT_KEYS = ["channel", "amount", "unit", "note"]
RESULT_KEYS = ["position", "code", "name", "description"]
LEGAL_KEYS = ["position", "number", "title"]


class CatalogueImportError(Exception):
    """Nothing was imported; `errors` lists every problem found, each with its location."""

    def __init__(self, errors: list[str]):
        super().__init__("\n".join(errors))
        self.errors = errors


@dataclass
class RefusedRecord:
    """A record left out of the import, with where it is in the file and every reason."""

    where: str
    code: str
    # Each reason names its place in the file, e.g. "procedures[3] (1.000123 v1).name: …".
    reasons: list[str]


@dataclass
class ImportResult:
    agencies_created: int = 0
    agencies_updated: int = 0
    fields_created: int = 0
    fields_updated: int = 0
    procedures_created: int = 0
    procedures_updated: int = 0
    # A changed record for a version that dossiers use: written as the next version instead.
    versions_added: int = 0
    unchanged: int = 0
    refused: list[RefusedRecord] = field(default_factory=list)

    @property
    def agencies(self) -> int:
        return self.agencies_created + self.agencies_updated

    @property
    def fields(self) -> int:
        return self.fields_created + self.fields_updated

    @property
    def problems(self) -> list[str]:
        return [reason for record in self.refused for reason in record.reasons]


@dataclass
class _Plan:
    agencies: list[tuple[dict, Agency]] = field(default_factory=list)
    fields: list[Field] = field(default_factory=list)
    # (where, records.Draft) of every procedure record that passed its checks.
    procedures: list[tuple[str, object]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    refused: list[RefusedRecord] = field(default_factory=list)
