"""The catalogue file format (its name, version and the keys of each record) and the data shapes
the import passes between planning and applying."""

from dataclasses import dataclass, field

from ..models import Agency, Field, Procedure

FORMAT = "motcua.procedures"
FORMAT_VERSION = 1

AGENCY_KEYS = {
    "code", "name", "short_name", "kind", "parent", "serves", "address", "phone", "email",
    "working_hours_note", "is_active",
}  # fmt: skip
FIELD_KEYS = {"code", "name"}
PROCEDURE_SCALARS = [
    "code", "version", "name", "decision_authority", "levels", "applicant_type", "online_level",
    "accepts_direct", "accepts_postal", "accepts_online", "time_limit_amount", "time_limit_unit",
    "time_limit_note", "cutoff_15h", "supplement_policy", "supplement_policy_basis",
    "steps_description", "conditions", "fee_note", "result", "legal_basis",
    "publication_decision", "valid_from", "valid_until", "is_published",
]  # fmt: skip
PROCEDURE_KEYS = {*PROCEDURE_SCALARS, "field", "agency", "documents", "steps", "fees"}
DOCUMENT_SCALARS = [
    "position", "name", "description", "original_count", "copy_count", "is_mandatory",
]  # fmt: skip
DOCUMENT_KEYS = {*DOCUMENT_SCALARS, "template"}
STEP_KEYS = ["position", "name", "role", "budget_hours", "description"]
FEE_KEYS = ["name", "amount", "note"]


class CatalogueImportError(Exception):
    """The file was not imported; `errors` lists every problem found, each with its location."""

    def __init__(self, errors: list[str]):
        super().__init__("\n".join(errors))
        self.errors = errors


@dataclass
class ImportResult:
    agencies: int = 0
    fields: int = 0
    procedures_created: int = 0
    procedures_updated: int = 0


@dataclass
class _Plan:
    agencies: list[tuple[dict, Agency]] = field(default_factory=list)
    fields: list[Field] = field(default_factory=list)
    procedures: list[tuple[dict, Procedure]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
