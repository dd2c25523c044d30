"""Catalogue export and import as JSON, so a province can load its own catalogue (and the
national catalogue's records, converted to this format).

Import is per record: every record is checked and every problem reported with the key path where
it is (`procedures[3].steps[1].budget_hours`); good records go in, each procedure in its own
savepoint, and refused ones are listed with their code and reasons (`ImportResult.refused`).
`atomic=True` keeps all-or-nothing. Records are matched by agency code, field code and procedure
code + version; a record equal to what is stored writes nothing, and a changed record for a
version that dossiers use becomes a new version (see `apply`).

Split by step: `schema` (the format, its keys and result types), `export`, `importer` (reading
the file, agencies and fields), `records` (checking one procedure record) and `apply` (writing).
Import from here.
"""

from .export import catalogue_export, catalogue_export_json
from .importer import catalogue_import, catalogue_import_json
from .schema import (
    FORMAT,
    FORMAT_VERSION,
    READABLE_VERSIONS,
    CatalogueImportError,
    ImportResult,
    RefusedRecord,
)

__all__ = [
    "FORMAT",
    "FORMAT_VERSION",
    "READABLE_VERSIONS",
    "CatalogueImportError",
    "ImportResult",
    "RefusedRecord",
    "catalogue_export",
    "catalogue_export_json",
    "catalogue_import",
    "catalogue_import_json",
]
