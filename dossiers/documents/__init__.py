"""Official documents as PDFs: WeasyPrint from Django templates, Noto Serif embedded.

`render_pdf` turns any template into PDF bytes. The per-dossier forms are listed in `registry`:
each has a snapshot builder (what it prints, taken at its event) and a template; `document_pdf`
renders a snapshot. Form numbers and titles are data in `forms`, keyed by legal basis.
"""

from .forms import CURRENT_BASIS, FORMS, form_for
from .receipt import receipt_pdf, tracking_url
from .registry import (
    FORM_MODULES,
    document_filename,
    document_number,
    document_pdf,
    document_snapshot,
)
from .render import render_pdf

__all__ = [
    "CURRENT_BASIS",
    "FORMS",
    "FORM_MODULES",
    "document_filename",
    "document_number",
    "document_pdf",
    "document_snapshot",
    "form_for",
    "receipt_pdf",
    "render_pdf",
    "tracking_url",
]
