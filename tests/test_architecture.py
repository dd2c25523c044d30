"""Import direction between layers: views → forms → services, tasks → services, never back.

A service that imports a forms module depends on the page that shows it, and one that imports a
tasks module closes a cycle (the tasks import the services). Services name a task to publish it
(`dossiers.services.document_job_queue`) and read request parameters from non-form modules
(`dossiers.statistics.params`). `dossiers.documents.forms` (the official document templates, Mẫu
01–06) is not an input form and may be imported.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
APPS = {"dossiers", "procedures", "portal"}
FORBIDDEN_LAYERS = {"forms", "tasks"}
# The service layer: the dossiers' package, and the catalogue's module (or package, if it grows).
SERVICE_MODULES = sorted(
    [
        *(ROOT / "dossiers" / "services").rglob("*.py"),
        *(ROOT / "procedures").glob("services.py"),
        *(ROOT / "procedures").glob("services/**/*.py"),
    ]
)


def _package_of(path: Path) -> list[str]:
    """The dotted package a relative import in `path` starts from, as a list of names."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return parts[:-1]


def imported_modules(source: str, path: Path) -> list[tuple[int, str]]:
    """Every module an `import` or `from … import` in `source` (the file at `path`) may load,
    relative imports resolved, with its line; imports inside functions included."""
    package = _package_of(path)
    found = []
    for node in ast.walk(ast.parse(source, filename=str(path))):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, *(node.module.split(".") if node.module else [])])
            found.append((node.lineno, module))
            # `from dossiers import tasks`, `from .. import forms`: the names may be modules.
            found.extend((node.lineno, f"{module}.{alias.name}") for alias in node.names)
    return found


def _is_forbidden(module: str) -> bool:
    parts = module.split(".")
    return parts[0] in APPS and len(parts) > 1 and parts[1] in FORBIDDEN_LAYERS


def layer_violations(source: str, path: Path) -> list[str]:
    """One line per import statement that loads a forms or tasks module of the project."""
    violations: dict[int, str] = {}
    for line, module in imported_modules(source, path):
        if _is_forbidden(module) and line not in violations:
            violations[line] = f"{path.relative_to(ROOT)}:{line} imports {module}"
    return list(violations.values())


def test_the_service_modules_are_found():
    names = {path.relative_to(ROOT).as_posix() for path in SERVICE_MODULES}
    assert {"dossiers/services/document_jobs.py", "procedures/services.py"} <= names


@pytest.mark.parametrize(
    ("source", "flagged"),
    [
        ("from ..forms.reports import ReportForm", ["dossiers.forms.reports"]),
        ("from ..tasks.document_jobs import build_document_job_task", ["dossiers.tasks"]),
        ("from .. import tasks", ["dossiers.tasks"]),
        ("import dossiers.tasks", ["dossiers.tasks"]),
        ("def f():\n    from procedures.forms import ProcedureForm", ["procedures.forms"]),
        ("from ..documents.forms import form_for", []),
        ("from ..statistics.params import report_params", []),
        ("from django import forms", []),
        ("from .document_job_queue import enqueue_document_job", []),
    ],
)
def test_the_check_reads_relative_absolute_and_nested_imports(source, flagged):
    path = ROOT / "dossiers" / "services" / "example.py"
    violations = layer_violations(source, path)
    assert len(violations) == len(flagged)
    for violation, module in zip(violations, flagged, strict=True):
        assert f"imports {module}" in violation


def test_services_import_no_forms_and_no_tasks():
    violations = [
        violation
        for path in SERVICE_MODULES
        for violation in layer_violations(path.read_text("utf-8"), path)
    ]
    assert violations == []
