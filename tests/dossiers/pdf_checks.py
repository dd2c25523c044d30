"""Checks shared by the document tests: text, page size, embedded fonts, nothing cut off."""

import io

import pypdf
from django.utils import timezone
from weasyprint.formatting_structure import boxes

A4_PORTRAIT = (595.28, 841.89)
A4_LANDSCAPE = (841.89, 595.28)


def reader(data: bytes) -> pypdf.PdfReader:
    return pypdf.PdfReader(io.BytesIO(data))


def text(data: bytes) -> str:
    """All the text, whitespace collapsed to single spaces."""
    return " ".join(" ".join(page.extract_text() for page in reader(data).pages).split())


def stamp(moment) -> str:
    """A moment as the forms print it: hh:mm dd/mm/yyyy in local time."""
    return timezone.localtime(moment).strftime("%H:%M %d/%m/%Y")


def assert_a4(data: bytes, *, pages: int | None = None, landscape: bool = False) -> None:
    width, height = A4_LANDSCAPE if landscape else A4_PORTRAIT
    document = reader(data)
    if pages is not None:
        assert len(document.pages) == pages
    for page in document.pages:
        box = page.mediabox
        assert abs(float(box.width) - width) < 1, float(box.width)
        assert abs(float(box.height) - height) < 1, float(box.height)


def embedded_fonts(data: bytes) -> list[str]:
    """BaseFont names of the fonts embedded on any page; raises if one is not embedded."""
    names = []
    for page in reader(data).pages:
        for ref in page["/Resources"]["/Font"].values():
            font = ref.get_object()
            descriptor = font.get("/FontDescriptor")
            if descriptor is None and "/DescendantFonts" in font:
                descriptor = font["/DescendantFonts"][0].get_object().get("/FontDescriptor")
            descriptor = descriptor.get_object()
            assert any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")), (
                font["/BaseFont"]
            )
            names.append(str(font["/BaseFont"]))
    return names


def assert_noto_serif_embedded(data: bytes) -> None:
    names = embedded_fonts(data)
    assert names
    assert all("Noto-Serif" in name for name in names), names


def _text_boxes(box):
    if isinstance(box, boxes.TextBox):
        yield box
    for child in getattr(box, "children", ()):
        yield from _text_boxes(child)


def cut_off_text(document) -> list[str]:
    """Text boxes of a laid-out WeasyPrint document that a printer would cut or the reader never
    see: page content outside the margins, or margin boxes (running titles, page numbers, which
    live in the margins on purpose) outside the paper."""
    problems = []
    tolerance = 0.5  # CSS px
    for number, page in enumerate(document.pages, start=1):
        page_box = page._page_box
        left, top = page_box.content_box_x(), page_box.content_box_y()
        content = (left, top, left + page_box.width, top + page_box.height)
        paper = (0, 0, page_box.margin_width(), page_box.margin_height())
        for child in page_box.children:
            area = paper if isinstance(child, boxes.MarginBox) else content
            for box in _text_boxes(child):
                if (
                    box.position_x < area[0] - tolerance
                    or box.position_y < area[1] - tolerance
                    or box.position_x + box.width > area[2] + tolerance
                    or box.position_y + box.height > area[3] + tolerance
                ):
                    problems.append(f"page {number}: {box.text[:40]!r}")
    return problems
