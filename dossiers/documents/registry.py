"""The per-dossier forms: which module builds each one's snapshot and which template prints it.

Each form module defines TEMPLATE (a template name), NUMBER_SUFFIX (the code after the number,
e.g. "PBS" for Mẫu 02) and `snapshot(dossier, event) -> dict`. Modules are named here by path and
imported on first use.
"""

from functools import cache
from importlib import import_module
from types import ModuleType

from ..choices import DocumentKind
from .base import revive
from .forms import CURRENT_BASIS, form_for
from .render import render_pdf

K = DocumentKind

FORM_MODULES: dict[str, str] = {
    K.RECEIPT: "dossiers.documents.receipt",
    K.SUPPLEMENT: "dossiers.documents.supplement",
    K.REFUSAL: "dossiers.documents.refusal",
    K.APOLOGY: "dossiers.documents.apology",
    K.CONTROL_SHEET: "dossiers.documents.control_sheet",
    K.STOP_NOTICE: "dossiers.documents.stop_notice",
}

# File names of the stored PDFs, before the number: ASCII, as browsers and mail clients prefer.
FILE_PREFIXES: dict[str, str] = {
    K.RECEIPT: "giay-tiep-nhan",
    K.SUPPLEMENT: "phieu-yeu-cau-bo-sung",
    K.REFUSAL: "phieu-tu-choi",
    K.APOLOGY: "phieu-xin-loi",
    K.CONTROL_SHEET: "phieu-kiem-soat",
    K.STOP_NOTICE: "thong-bao-dung-giai-quyet",
}


@cache
def form_module(kind: str) -> ModuleType:
    return import_module(FORM_MODULES[kind])


def document_snapshot(kind: str, dossier, event=None) -> dict:
    """What the form `kind` prints for `dossier` at `event` (JSON-safe)."""
    return form_module(kind).snapshot(dossier, event)


def document_number(kind: str, dossier) -> str:
    """The "Số:" of the form: the dossier code, then the form's suffix (unique per dossier)."""
    suffix = form_module(kind).NUMBER_SUFFIX
    return f"{dossier.code}/{suffix}" if suffix else dossier.code


def document_filename(kind: str, number: str) -> str:
    return f"{FILE_PREFIXES[kind]}-{number.replace('/', '-')}.pdf"


def document_template_context(
    kind: str, snapshot: dict, *, number: str, basis: str = CURRENT_BASIS
) -> tuple[str, dict]:
    """The template and the context that print a snapshot."""
    form_number, form_title = form_for(kind, basis)
    module = form_module(kind)
    context = {
        "doc": revive(snapshot),
        "number": number,
        "form_number": form_number,
        "form_title": form_title,
        "basis": basis,
    }
    extra = getattr(module, "render_context", None)
    if extra is not None:
        context.update(extra(context["doc"]))
    return module.TEMPLATE, context


def document_pdf(kind: str, snapshot: dict, *, number: str, basis: str = CURRENT_BASIS) -> bytes:
    """Render a snapshot: the same snapshot, number and basis give the same bytes."""
    return render_pdf(*document_template_context(kind, snapshot, number=number, basis=basis))
