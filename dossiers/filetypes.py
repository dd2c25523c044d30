"""What an uploaded file really is, read from its first bytes rather than from its name."""

import zipfile
from dataclasses import dataclass
from typing import BinaryIO

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class FileType:
    content_type: str
    extension: str
    label: str


PDF = FileType("application/pdf", ".pdf", "PDF")
JPEG = FileType("image/jpeg", ".jpg", "JPEG")
PNG = FileType("image/png", ".png", "PNG")
DOCX = FileType(
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".docx", "DOCX"
)
XLSX = FileType(
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx", "XLSX"
)
DOC = FileType("application/msword", ".doc", "DOC")
XLS = FileType("application/vnd.ms-excel", ".xls", "XLS")

ALLOWED_TYPES = (PDF, JPEG, PNG, DOCX, XLSX, DOC, XLS)
# Names a file may carry for each detected type; a name that claims another type is refused.
EXTENSIONS = {
    PDF: {".pdf"},
    JPEG: {".jpg", ".jpeg", ".jpe"},
    PNG: {".png"},
    DOCX: {".docx"},
    XLSX: {".xlsx"},
    DOC: {".doc"},
    XLS: {".xls"},
}
ALLOWED_EXTENSIONS = frozenset().union(*EXTENSIONS.values())
ALLOWED_LABEL = "PDF, JPEG, PNG, DOC, DOCX, XLS, XLSX"
UNSUPPORTED_MESSAGE = _(
    "This file type is not accepted. Upload a PDF, JPEG, PNG, Word or Excel file."
)

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_OOXML_MAIN = {
    "word/": DOCX,
    "xl/": XLSX,
}


def sniff(stream: BinaryIO) -> FileType | None:
    """The type of the file from its content, or None when it is none of the accepted types.

    The stream is read from its start and left at its start.
    """
    stream.seek(0)
    head = stream.read(16)
    stream.seek(0)
    try:
        if head.startswith(b"%PDF-"):
            return PDF
        if head.startswith(b"\xff\xd8\xff"):
            return JPEG
        if head.startswith(b"\x89PNG\r\n\x1a\n"):
            return PNG
        if head.startswith(b"PK\x03\x04"):
            return _sniff_ooxml(stream)
        if head.startswith(_OLE_MAGIC):
            return _sniff_ole(stream)
        return None
    finally:
        stream.seek(0)


def _sniff_ooxml(stream: BinaryIO) -> FileType | None:
    """A Word or Excel file is a zip with [Content_Types].xml and its main part in word/ or xl/."""
    try:
        with zipfile.ZipFile(stream) as archive:
            names = archive.namelist()
            if "[Content_Types].xml" not in names:
                return None
            content_types = archive.read("[Content_Types].xml")
    except (zipfile.BadZipFile, OSError, KeyError, RuntimeError, ValueError):
        return None
    if b"wordprocessingml.document.main" in content_types or b"wordprocessingml.template" in (
        content_types
    ):
        return DOCX
    if b"spreadsheetml.sheet.main" in content_types or b"spreadsheetml.template" in content_types:
        return XLSX
    for prefix, file_type in _OOXML_MAIN.items():
        if any(name.startswith(prefix) for name in names):
            return file_type
    return None


def _sniff_ole(stream: BinaryIO) -> FileType | None:
    """Old Office files are OLE compound files; the stream names tell Word from Excel."""
    stream.seek(0)
    data = stream.read(1024 * 1024)
    # Directory entries store names in UTF-16LE.
    if "WordDocument".encode("utf-16-le") in data:
        return DOC
    if "Workbook".encode("utf-16-le") in data or "Book".encode("utf-16-le") in data:
        return XLS
    return None


def extension_matches(name: str, file_type: FileType) -> bool:
    """True when the file name has no extension or one that fits the detected type."""
    dot = name.rfind(".")
    if dot <= 0:
        return True
    return name[dot:].lower() in EXTENSIONS[file_type]


def looks_signed(stream: BinaryIO, file_type: FileType) -> bool:
    """A PDF with a signature dictionary (/ByteRange of /Sig) carries a digital signature."""
    if file_type is not PDF:
        return False
    stream.seek(0)
    data = stream.read()
    stream.seek(0)
    return b"/ByteRange" in data and b"/Sig" in data
