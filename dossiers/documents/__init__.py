"""Official documents as PDFs (issue 7): WeasyPrint from Django templates, Noto Serif embedded.

`render_pdf` turns any template into PDF bytes; `receipt_pdf` is Mẫu 01. Form numbers and titles
are data in `forms`, keyed by legal basis.
"""

from .forms import CURRENT_BASIS, FORMS, form_for
from .receipt import receipt_context, receipt_pdf, tracking_url
from .render import render_pdf

__all__ = [
    "CURRENT_BASIS",
    "FORMS",
    "form_for",
    "receipt_context",
    "receipt_pdf",
    "render_pdf",
    "tracking_url",
]
