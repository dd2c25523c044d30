"""Catalogue export and import as JSON, so a province can load its own catalogue.

The import checks every record first and reports every problem with the key path where it is
(`procedures[3].steps[1].budget_hours`); it writes only when the whole file is valid, in one
transaction. Records are matched by agency code, field code and procedure code + version, so
importing the same file twice changes nothing.

Split by direction: `schema` (the format and its keys, the error and result types), `export`,
`importer` (reading and checking the file) and `apply` (writing a checked plan). Import from here.
"""

from .export import catalogue_export, catalogue_export_json
from .importer import catalogue_import, catalogue_import_json
from .schema import (
    AGENCY_KEYS,
    DOCUMENT_KEYS,
    DOCUMENT_SCALARS,
    FEE_KEYS,
    FIELD_KEYS,
    FORMAT,
    FORMAT_VERSION,
    PROCEDURE_KEYS,
    PROCEDURE_SCALARS,
    STEP_KEYS,
    CatalogueImportError,
    ImportResult,
)

__all__ = [
    "AGENCY_KEYS",
    "DOCUMENT_KEYS",
    "DOCUMENT_SCALARS",
    "FEE_KEYS",
    "FIELD_KEYS",
    "FORMAT",
    "FORMAT_VERSION",
    "PROCEDURE_KEYS",
    "PROCEDURE_SCALARS",
    "STEP_KEYS",
    "CatalogueImportError",
    "ImportResult",
    "catalogue_export",
    "catalogue_export_json",
    "catalogue_import",
    "catalogue_import_json",
]
