"""HTML → PDF with WeasyPrint, the Noto Serif font embedded.

Repeated renders of the same template and context are byte-identical: fixed dates in the PDF
metadata, and SOURCE_DATE_EPOCH pinned while WeasyPrint works (see `render_pdf`).
"""

import os
import threading
from contextlib import contextmanager
from functools import cache
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration

# WeasyPrint 70 tells fonts apart by their Pango description (family, weight, style), so subsets of
# one family would share a PDF font and mix up their glyphs: each subset is a family of its own, and
# pdf.css lists them all, Vietnamese first.
FONT_FAMILY = "Noto Serif"
FONT_DIR = "vendor/fonts/noto-serif"  # filled by `make static` from @fontsource/noto-serif
# The fontsource subsets, joined again by unicode-range (ranges from the package's unicode.json).
SUBSETS = {
    "latin": "U+0000-00FF, U+0131, U+0152-0153, U+02BB-02BC, U+02C6, U+02DA, U+02DC, U+0304, "
    "U+0308, U+0329, U+2000-206F, U+20AC, U+2122, U+2191, U+2193, U+2212, U+2215, U+FEFF, U+FFFD",
    "latin-ext": "U+0100-02BA, U+02BD-02C5, U+02C7-02CC, U+02CE-02D7, U+02DD-02FF, U+0304, U+0308, "
    "U+0329, U+1D00-1DBF, U+1E00-1E9F, U+1EF2-1EFF, U+2020, U+20A0-20AB, U+20AD-20C0, U+2113, "
    "U+2C60-2C7F, U+A720-A7FF",
    "vietnamese": "U+0102-0103, U+0110-0111, U+0128-0129, U+0168-0169, U+01A0-01A1, U+01AF-01B0, "
    "U+0300-0301, U+0303-0304, U+0308-0309, U+0323, U+0329, U+1EA0-1EF9, U+20AB",
}
FACES = (("400", "normal"), ("700", "normal"), ("400", "italic"))
# A fixed date in the PDF metadata and a fixed identifier: the same dossier gives the same bytes.
FIXED_CREATED = "2000-01-01T00:00:00+00:00"
FIXED_EPOCH = "946684800"  # the same moment, for fontTools


def family(subset: str) -> str:
    return f"{FONT_FAMILY} {subset}"


@cache
def font_face_css() -> str:
    """@font-face rules with absolute file:// URLs found through the staticfiles finders.

    Missing files (no `make static` yet) are left out; the print CSS falls back to DejaVu Serif.
    """
    rules = []
    for weight, style in FACES:
        for subset, ranges in SUBSETS.items():
            found = finders.find(f"{FONT_DIR}/noto-serif-{subset}-{weight}-{style}.woff")
            if not found:
                continue
            rules.append(
                f"@font-face {{ font-family: '{family(subset)}'; font-weight: {weight}; "
                f"font-style: {style}; "
                f"src: url('{Path(found).resolve().as_uri()}') format('woff'); "
                f"unicode-range: {ranges}; }}"
            )
    return "\n".join(rules)


def _print_css_path() -> str:
    return finders.find("dossiers/pdf.css")


# The environment is process-wide: renders in threads of one process take turns.
_RENDER_LOCK = threading.Lock()


@contextmanager
def _fixed_font_timestamps():
    """fontTools stamps `head.modified` with the current time in every font it writes unless
    SOURCE_DATE_EPOCH is set, and WeasyPrint writes fonts twice: when it loads a WOFF face (during
    layout) and when it subsets the face for the PDF. Pinning the variable for the whole render, not
    only the write, is what makes the bytes repeat."""
    with _RENDER_LOCK:
        previous = os.environ.get("SOURCE_DATE_EPOCH")
        os.environ["SOURCE_DATE_EPOCH"] = FIXED_EPOCH
        try:
            yield
        finally:
            if previous is None:
                os.environ.pop("SOURCE_DATE_EPOCH", None)
            else:
                os.environ["SOURCE_DATE_EPOCH"] = previous


def _document(template_name: str, context: dict):
    html = render_to_string(template_name, {"created": FIXED_CREATED, **context})
    font_config = FontConfiguration()
    stylesheets = [
        CSS(string=font_face_css(), font_config=font_config),
        CSS(filename=_print_css_path(), font_config=font_config),
    ]
    document = HTML(string=html, base_url=str(settings.BASE_DIR)).render(
        stylesheets=stylesheets, font_config=font_config
    )
    document.metadata.created = FIXED_CREATED
    document.metadata.modified = FIXED_CREATED
    return document


def layout(template_name: str, context: dict):
    """The laid-out WeasyPrint Document (pages and boxes), for checks that read the layout."""
    with _fixed_font_timestamps():
        return _document(template_name, context)


def render_pdf(template_name: str, context: dict) -> bytes:
    """Render a Django template to PDF bytes; the same template and context give the same bytes.

    The template gets `created` (fixed) for its dcterms.created meta tag so WeasyPrint writes a
    constant creation date (WeasyPrint writes no time-based identifier by default).
    """
    with _fixed_font_timestamps():
        return _document(template_name, context).write_pdf()
