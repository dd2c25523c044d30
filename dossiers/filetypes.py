"""What an uploaded file really is, read from its content rather than from its name, and whether
it is safe to keep.

Nothing here unpacks an archive or reads a whole file into memory. Word and Excel files (zip
archives) are judged from their central directory before any entry is read, and entries are read
in bounded pieces; old Office files are judged from their compound-file directory; PDFs are
scanned in windows. The limits come from settings (UPLOAD_ARCHIVE_*), read at each call.
"""

import re
import struct
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO
from xml.etree import ElementTree

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
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
NO_EXTENSION_MESSAGE = _(
    "The file name has no extension (such as .pdf or .jpg). Rename the file and upload it again."
)
TYPE_MISMATCH_MESSAGE = _("The file name says one type but its content is another (%(type)s).")
DAMAGED_MESSAGE = _(
    "The file is damaged and cannot be checked. Save it again, or as PDF, and upload the new copy."
)
ENCRYPTED_MESSAGE = _(
    "Password-protected files are not accepted. Remove the password and upload the file again."
)
ARCHIVE_TOO_LARGE_MESSAGE = _(
    "This Word or Excel file would take more than %(limit)s once unpacked and cannot be "
    "accepted. Save it as PDF and upload that copy."
)
ARCHIVE_RATIO_MESSAGE = _(
    "This Word or Excel file is compressed far more than a normal document and cannot be "
    "accepted. Save it again, or as PDF, and upload that copy."
)
ARCHIVE_ENTRIES_MESSAGE = _(
    "This Word or Excel file has more than %(limit)s parts and cannot be accepted. Save it as "
    "PDF and upload that copy."
)
ARCHIVE_NESTED_MESSAGE = _(
    "This file holds another compressed file and cannot be accepted. Upload the documents "
    "themselves (PDF, images, Word or Excel)."
)
ARCHIVE_PROGRAM_MESSAGE = _("This file holds a program and cannot be accepted.")
MACROS_MESSAGE = _(
    "Word or Excel files with macros are not accepted. Save the file without macros (.docx, "
    ".xlsx) or as PDF and upload that copy."
)
OFFICE_INCOMPLETE_MESSAGE = _(
    "This Word or Excel file is incomplete: its main document is missing. Save it again from "
    "Word or Excel, or as PDF, and upload that copy."
)
PDF_INVALID_MESSAGE = _(
    "This file is not a valid PDF: it does not begin and end as a PDF does, or it holds a web "
    "page. Print or save it again as PDF and upload that copy."
)
PDF_ACTIVE_CONTENT_MESSAGE = _(
    "PDF files with scripts (JavaScript), actions that start programs, or attached files are "
    "not accepted. Print it again to PDF, or scan the paper, and upload that copy."
)
PDF_UNCHECKED_MESSAGE = _(
    "This PDF cannot be checked (it may be password-protected or compressed in an unusual "
    "way). Print it again to PDF and upload that copy."
)

_CHUNK = 1024 * 1024


def _refuse(message, code: str, **params) -> ValidationError:
    return ValidationError(message, code=code, params=params or None)


# ---- entry points ------------------------------------------------------------------------------


def extension_of(name: str) -> str:
    """The lower-cased extension with its dot, or "" when the name has none."""
    dot = name.rfind(".")
    if dot <= 0 or dot == len(name) - 1:
        return ""
    return name[dot:].lower()


def check_upload(stream: BinaryIO, *, name: str) -> FileType:
    """The type of an upload named `name`, or ValidationError (with a code) saying why it is
    refused: no extension, an extension not accepted, content that is none of the accepted
    types or not the one the name claims, or content unsafe to keep (see `inspect`)."""
    extension = extension_of(name)
    if not extension:
        raise _refuse(NO_EXTENSION_MESSAGE, "no_extension")
    if extension not in ALLOWED_EXTENSIONS:
        raise _refuse(UNSUPPORTED_MESSAGE, "unsupported_type")
    file_type = inspect(stream)
    if extension not in EXTENSIONS[file_type]:
        raise _refuse(TYPE_MISMATCH_MESSAGE, "type_mismatch", type=file_type.label)
    return file_type


def inspect(stream: BinaryIO) -> FileType:
    """The type of the file from its content; ValidationError when it is none of the accepted
    types or carries what the portal does not keep (macros, scripts, archive bombs …).

    The stream is read from its start and left at its start.
    """
    stream.seek(0)
    head = stream.read(16)
    stream.seek(0)
    try:
        if head.startswith(b"%PDF-"):
            _check_pdf(stream)
            return PDF
        if head.startswith(b"\xff\xd8\xff"):
            return JPEG
        if head.startswith(b"\x89PNG\r\n\x1a\n"):
            return PNG
        if head.startswith(b"PK\x03\x04"):
            return _inspect_ooxml(stream)
        if head.startswith(_OLE_MAGIC):
            return _inspect_ole(stream)
        raise _refuse(UNSUPPORTED_MESSAGE, "unsupported_type")
    finally:
        stream.seek(0)


def sniff(stream: BinaryIO) -> FileType | None:
    """The type of the file from its content, or None when `inspect` refuses it."""
    try:
        return inspect(stream)
    except ValidationError:
        return None


def looks_signed(stream: BinaryIO, file_type: FileType) -> bool:
    """A PDF with a signature dictionary (/ByteRange of /Sig) carries a digital signature."""
    if file_type is not PDF:
        return False
    found = {b"/ByteRange": False, b"/Sig": False}
    for _offset, window in _windows(stream, overlap=16):
        for needle in found:
            found[needle] = found[needle] or needle in window
        if all(found.values()):
            break
    stream.seek(0)
    return all(found.values())


def _size(stream: BinaryIO) -> int:
    stream.seek(0, 2)
    size = stream.tell()
    stream.seek(0)
    return size


def _windows(stream: BinaryIO, *, overlap: int) -> Iterator[tuple[int, bytes]]:
    """(absolute offset, bytes) windows of _CHUNK new bytes each, every window after the first
    starting with the last `overlap` bytes of the one before it."""
    stream.seek(0)
    previous = b""
    offset = 0
    while chunk := stream.read(_CHUNK):
        window = previous + chunk
        yield offset - len(previous), window
        offset += len(chunk)
        previous = window[-overlap:]


# ---- Word and Excel (Office Open XML: zip archives) --------------------------------------------

_ZIP_LOCAL = b"PK\x03\x04"
_ZIP_CENTRAL = b"PK\x01\x02"
_ZIP_END = b"PK\x05\x06"
_ZIP64_LOCATOR = b"PK\x06\x07"
_ZIP64_END = b"PK\x06\x06"
# Magic numbers of archives: zip (and every Office Open XML file), 7z, RAR, gzip, xz, cabinet.
_ARCHIVE_MAGICS = (
    b"PK\x03\x04",
    b"PK\x05\x06",
    b"PK\x07\x08",
    b"7z\xbc\xaf\x27\x1c",
    b"Rar!\x1a\x07",
    b"\x1f\x8b",
    b"\xfd7zXZ\x00",
    b"MSCF",
)
_ARCHIVE_EXTENSIONS = frozenset(
    {".zip", ".7z", ".rar", ".gz", ".tgz", ".bz2", ".xz", ".tar", ".cab", ".jar", ".iso"}
)
_PROGRAM_EXTENSIONS = frozenset(
    {
        ".exe", ".dll", ".com", ".scr", ".msi", ".bat", ".cmd", ".ps1", ".vbs", ".vbe", ".js",
        ".jse", ".wsf", ".wsh", ".hta", ".cpl", ".pif", ".lnk", ".sh",
    }
)  # fmt: skip
# Office puts a chart's workbook (or an embedded document) as a package of its own in an
# embeddings/ folder: one such level is inspected like the file itself, anything deeper refused.
_EMBEDDED_PACKAGE_EXTENSIONS = frozenset({".docx", ".xlsx", ".pptx"})
_MAX_DEPTH = 1
_MACRO_PARTS = frozenset({"vbaproject.bin", "vbadata.xml", "vbaprojectsignature.bin"})
_MACRO_CONTENT_TYPE_MARKERS = ("macroenabled", "vbaproject", "vbadata")
_CONTENT_TYPES = "[Content_Types].xml"
_CONTENT_TYPES_MAX_SIZE = 1024 * 1024
# A small part may compress very well (a few KB of repeated markup); the ratio counts from here.
_RATIO_GRACE_SIZE = 1024 * 1024
# An embedded package is copied out before it is inspected; up to this much stays in memory.
_SPOOL_MEMORY = 1024 * 1024
_MAIN_CONTENT_TYPES = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml": DOCX,
    "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml": DOCX,
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": XLSX,
    "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml": XLSX,
}


@dataclass
class _Budget:
    """What the archives of one upload (the file and the packages embedded in it) may hold."""

    entries: int
    uncompressed: int


def _inspect_ooxml(stream: BinaryIO) -> FileType:
    """A Word or Excel file: a zip within the limits, with no macros, no program, no archive
    beyond Office's own embedded packages, whose [Content_Types].xml declares a main document
    part (Word or Excel) that the archive holds."""
    budget = _Budget(
        entries=settings.UPLOAD_ARCHIVE_MAX_ENTRIES,
        uncompressed=settings.UPLOAD_ARCHIVE_MAX_UNCOMPRESSED_SIZE,
    )
    try:
        file_type = _inspect_zip(stream, depth=0, budget=budget)
    except ValidationError:
        raise
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        zlib.error,
        struct.error,
        ElementTree.ParseError,
        EOFError,
        OSError,
        ValueError,
        NotImplementedError,
        RuntimeError,
    ):
        raise _refuse(DAMAGED_MESSAGE, "damaged") from None
    if file_type is None:  # only an embedded package has no main part
        raise _refuse(OFFICE_INCOMPLETE_MESSAGE, "office_incomplete")
    return file_type


def _inspect_zip(stream: BinaryIO, *, depth: int, budget: _Budget) -> FileType | None:
    entries = _count_central_directory(stream, limit=budget.entries)
    budget.entries -= entries
    with zipfile.ZipFile(stream) as archive:
        infos = archive.infolist()
        if len(infos) != entries:
            raise zipfile.BadZipFile("central directory and end record disagree")
        _check_sizes(infos, budget)
        for info in infos:
            _check_entry_name(info)
        for info in infos:
            _check_nested(archive, info, depth=depth, budget=budget)
        content_types = _read_content_types(archive)
    if content_types is None:
        if depth == 0:
            raise _refuse(OFFICE_INCOMPLETE_MESSAGE, "office_incomplete")
        return None
    overrides, all_types = content_types
    if any(marker in ct.lower() for ct in all_types for marker in _MACRO_CONTENT_TYPE_MARKERS):
        raise _refuse(MACROS_MESSAGE, "macros")
    if depth > 0:
        return None
    names = {info.filename.lower() for info in infos}
    found = {
        _MAIN_CONTENT_TYPES[content_type]
        for part, content_type in overrides
        if content_type in _MAIN_CONTENT_TYPES and part.lstrip("/").lower() in names
    }
    if len(found) != 1:
        raise _refuse(OFFICE_INCOMPLETE_MESSAGE, "office_incomplete")
    return found.pop()


def _count_central_directory(stream: BinaryIO, *, limit: int) -> int:
    """The number of entries in the central directory, counted header by header from the end
    records, stopping past `limit` (refused) — before zipfile builds an object per entry."""
    too_many = _refuse(
        ARCHIVE_ENTRIES_MESSAGE, "archive_entries", limit=settings.UPLOAD_ARCHIVE_MAX_ENTRIES
    )
    size = _size(stream)
    tail_size = min(size, 22 + 0xFFFF + 20)  # end record, longest comment, zip64 locator
    stream.seek(size - tail_size)
    tail = stream.read(tail_size)
    end = tail.rfind(_ZIP_END)
    if end < 0 or len(tail) - end < 22:
        raise zipfile.BadZipFile("no end of central directory")
    end_offset = size - tail_size + end
    _sig, disk, cd_disk, disk_entries, entries, cd_size, cd_offset, _comment = struct.unpack(
        "<4s4H2LH", tail[end : end + 22]
    )
    cd_end = end_offset
    if 0xFFFF in (disk_entries, entries) or 0xFFFFFFFF in (cd_size, cd_offset):
        locator = end - 20
        if locator < 0 or tail[locator : locator + 4] != _ZIP64_LOCATOR:
            raise zipfile.BadZipFile("zip64 locator missing")
        _sig, _disk, zip64_end_offset, _disks = struct.unpack(
            "<4sLQL", tail[locator : locator + 20]
        )
        stream.seek(zip64_end_offset)
        record = stream.read(56)
        if len(record) < 56 or record[:4] != _ZIP64_END:
            raise zipfile.BadZipFile("zip64 end record missing")
        (_sig, _size64, _made, _needed, disk, cd_disk, disk_entries, entries, cd_size,
         cd_offset) = struct.unpack("<4sQ2H2L4Q", record)  # fmt: skip
        # zipfile expects the zip64 end record (56 bytes) right before the locator.
        if zip64_end_offset + 56 + 20 != end_offset:
            raise zipfile.BadZipFile("zip64 end record is not where zipfile reads it")
        cd_end = zip64_end_offset
    if disk or cd_disk or disk_entries != entries:
        raise zipfile.BadZipFile("archives split over several disks are not read")
    if entries > limit:
        raise too_many
    # The directory must sit right before the end records, as zipfile will then read it.
    if cd_offset + cd_size != cd_end:
        raise zipfile.BadZipFile("central directory is not where the end record says")
    stream.seek(cd_offset)
    remaining = cd_size
    count = 0
    while remaining > 0:
        header = stream.read(46)
        if len(header) < 46 or header[:4] != _ZIP_CENTRAL:
            raise zipfile.BadZipFile("bad central directory header")
        name_length, extra_length, comment_length = struct.unpack("<3H", header[28:34])
        skip = name_length + extra_length + comment_length
        stream.seek(skip, 1)
        remaining -= 46 + skip
        count += 1
        if count > limit:
            raise too_many
    if remaining != 0 or count != entries:
        raise zipfile.BadZipFile("central directory size and entry count disagree")
    stream.seek(0)
    return count


def _check_sizes(infos: list[zipfile.ZipInfo], budget: _Budget) -> None:
    """Total unpacked size and compression ratio, as the central directory declares them
    (zipfile never returns more than the declared size of an entry)."""
    total = sum(info.file_size for info in infos)
    budget.uncompressed -= total
    if budget.uncompressed < 0:
        limit = settings.UPLOAD_ARCHIVE_MAX_UNCOMPRESSED_SIZE
        raise _refuse(ARCHIVE_TOO_LARGE_MESSAGE, "archive_too_large", limit=filesizeformat(limit))
    max_ratio = settings.UPLOAD_ARCHIVE_MAX_RATIO
    for info in infos:
        if info.flag_bits & 0x1:
            raise _refuse(ENCRYPTED_MESSAGE, "encrypted")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            # Office writes deflate only; other methods have decoders with other costs.
            raise _refuse(DAMAGED_MESSAGE, "damaged")
        if info.compress_type == zipfile.ZIP_STORED and info.compress_size != info.file_size:
            raise _refuse(DAMAGED_MESSAGE, "damaged")
        if info.file_size > _RATIO_GRACE_SIZE and info.file_size > max_ratio * max(
            info.compress_size, 1
        ):
            raise _refuse(ARCHIVE_RATIO_MESSAGE, "archive_ratio")


def _check_entry_name(info: zipfile.ZipInfo) -> None:
    name = info.filename.lower()
    base = name.rsplit("/", 1)[-1]
    if base in _MACRO_PARTS:
        raise _refuse(MACROS_MESSAGE, "macros")
    if extension_of(base) in _PROGRAM_EXTENSIONS:
        raise _refuse(ARCHIVE_PROGRAM_MESSAGE, "archive_program")


def _check_nested(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, *, depth: int, budget: _Budget
) -> None:
    """An entry that is an archive itself is refused, except an Office package embedded by
    Office (a chart's workbook), which is inspected with the same limits, once."""
    if info.is_dir() or info.file_size == 0:
        return
    with archive.open(info) as member:
        head = member.read(8)
    name = info.filename.lower()
    extension = extension_of(name.rsplit("/", 1)[-1])
    if not head.startswith(_ARCHIVE_MAGICS) and extension not in _ARCHIVE_EXTENSIONS:
        return
    embedded_package = (
        head.startswith(_ZIP_LOCAL)
        and "/embeddings/" in f"/{name}"
        and extension in _EMBEDDED_PACKAGE_EXTENSIONS
    )
    if not embedded_package or depth >= _MAX_DEPTH:
        raise _refuse(ARCHIVE_NESTED_MESSAGE, "archive_nested")
    with (
        tempfile.SpooledTemporaryFile(max_size=_SPOOL_MEMORY) as copy,
        archive.open(info) as member,
    ):
        while chunk := member.read(64 * 1024):
            copy.write(chunk)
        _inspect_zip(copy, depth=depth + 1, budget=budget)


def _read_content_types(archive: zipfile.ZipFile) -> tuple[list[tuple[str, str]], list[str]] | None:
    """([(part name, content type)] of the Override elements, every content type declared), or
    None when the archive has no [Content_Types].xml. Read with a size cap."""
    try:
        info = archive.getinfo(_CONTENT_TYPES)
    except KeyError:
        return None
    if info.file_size > _CONTENT_TYPES_MAX_SIZE:
        raise _refuse(DAMAGED_MESSAGE, "damaged")
    with archive.open(info) as member:
        data = member.read(_CONTENT_TYPES_MAX_SIZE + 1)
    if len(data) > _CONTENT_TYPES_MAX_SIZE or b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise _refuse(DAMAGED_MESSAGE, "damaged")
    # Capped in size and with no DTD, so no entity can expand.
    root = ElementTree.fromstring(data)  # noqa: S314
    overrides = []
    all_types = []
    for element in root:
        tag = element.tag.rsplit("}", 1)[-1]
        content_type = element.get("ContentType", "")
        all_types.append(content_type)
        if tag == "Override":
            overrides.append((element.get("PartName", ""), content_type))
    return overrides, all_types


# ---- Word 97-2003 and Excel 97-2003 (OLE2 compound files) --------------------------------------

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_OLE_END_OF_CHAIN = 0xFFFFFFFE
_OLE_NO_STREAM = 0xFFFFFFFF
_OLE_STORAGE, _OLE_STREAM, _OLE_ROOT = 1, 2, 5
# Word's and Excel's documents hold a few dozen directory entries; this is far beyond.
_OLE_MAX_DIRECTORY_ENTRIES = 4096
_OLE_MACRO_NAMES = frozenset({"macros", "_vba_project_cur", "_vba_project", "vba"})


@dataclass(frozen=True)
class _OleEntry:
    name: str
    kind: int
    left: int
    right: int
    child: int


def _inspect_ole(stream: BinaryIO) -> FileType:
    """A .doc or .xls: its directory (a real parse of the compound file, bounded) holds a
    "WordDocument" stream, or a "Workbook" or "Book" stream, at the top and no VBA storage."""
    try:
        entries = _ole_directory(stream)
        top, everywhere = _ole_names(entries)
    except (struct.error, UnicodeDecodeError, IndexError, OSError):
        raise _refuse(DAMAGED_MESSAGE, "damaged") from None
    if everywhere & _OLE_MACRO_NAMES:
        raise _refuse(MACROS_MESSAGE, "macros")
    if top.get("encryptedpackage") == _OLE_STREAM:
        # A password-protected .docx or .xlsx is a compound file holding the encrypted package.
        raise _refuse(ENCRYPTED_MESSAGE, "encrypted")
    if top.get("worddocument") == _OLE_STREAM:
        return DOC
    if _OLE_STREAM in (top.get("workbook"), top.get("book")):
        return XLS
    raise _refuse(UNSUPPORTED_MESSAGE, "unsupported_type")


def _ole_directory(stream: BinaryIO) -> list[_OleEntry]:
    """The directory entries of a compound file (MS-CFB), following the FAT from the header
    with every chain checked for loops and every count bounded by the file's size."""
    damaged = _refuse(DAMAGED_MESSAGE, "damaged")
    size = _size(stream)
    header = stream.read(512)
    if len(header) < 512:
        raise damaged
    _minor, major, byte_order, sector_shift, mini_shift = struct.unpack("<5H", header[24:34])
    if byte_order != 0xFFFE or (major, sector_shift) not in ((3, 9), (4, 12)) or mini_shift != 6:
        raise damaged
    sector_size = 1 << sector_shift
    num_fat, first_directory = struct.unpack("<2L", header[44:52])
    first_difat, num_difat = struct.unpack("<2L", header[68:76])
    sectors = (size - sector_size + sector_size - 1) // sector_size
    per_sector = sector_size // 4
    if num_fat > sectors or num_difat > sectors:
        raise damaged

    def read_sector(number: int) -> bytes:
        if number >= sectors:
            raise damaged
        stream.seek((number + 1) * sector_size)
        data = stream.read(sector_size)
        if len(data) < sector_size:
            raise damaged
        return data

    fat_sectors = list(struct.unpack("<109L", header[76:512]))[: min(num_fat, 109)]
    next_difat, seen = first_difat, set()
    while len(fat_sectors) < num_fat:
        if next_difat in seen:
            raise damaged
        seen.add(next_difat)
        numbers = struct.unpack(f"<{per_sector}L", read_sector(next_difat))
        fat_sectors.extend(numbers[:-1][: num_fat - len(fat_sectors)])
        next_difat = numbers[-1]

    def next_in_chain(number: int) -> int:
        fat_index, position = divmod(number, per_sector)
        if fat_index >= len(fat_sectors) or fat_sectors[fat_index] >= sectors:
            raise damaged
        stream.seek((fat_sectors[fat_index] + 1) * sector_size + position * 4)
        return struct.unpack("<L", stream.read(4))[0]

    entries: list[_OleEntry] = []
    number, visited = first_directory, set()
    while number != _OLE_END_OF_CHAIN:
        if number in visited or len(entries) >= _OLE_MAX_DIRECTORY_ENTRIES:
            raise damaged
        visited.add(number)
        data = read_sector(number)
        for start in range(0, sector_size, 128):
            raw = data[start : start + 128]
            name_length = min(struct.unpack("<H", raw[64:66])[0], 64)
            left, right, child = struct.unpack("<3L", raw[68:80])
            entries.append(
                _OleEntry(
                    name=raw[: max(name_length - 2, 0)].decode("utf-16-le"),
                    kind=raw[66],
                    left=left,
                    right=right,
                    child=child,
                )
            )
        number = next_in_chain(number)
    if not entries or entries[0].kind != _OLE_ROOT:
        raise damaged
    return entries


def _ole_names(entries: list[_OleEntry]) -> tuple[dict[str, int], set[str]]:
    """({name: kind} of the entries at the top, names of every entry reachable), names
    case-folded as the format compares them. Each entry is visited at most once."""
    top: dict[str, int] = {}
    everywhere: set[str] = set()
    visited = {0}
    storages = [(entries[0].child, True)]
    while storages:
        first, at_top = storages.pop()
        pending = [first]
        while pending:
            number = pending.pop()
            if number == _OLE_NO_STREAM:
                continue
            if number in visited or number >= len(entries):
                raise IndexError("directory tree is not a tree")
            visited.add(number)
            entry = entries[number]
            name = entry.name.casefold()
            everywhere.add(name)
            if at_top:
                top[name] = entry.kind
            pending += [entry.left, entry.right]
            if entry.kind == _OLE_STORAGE:
                storages.append((entry.child, False))
    return top, everywhere


# ---- PDF ---------------------------------------------------------------------------------------
# A bounded byte scan, not a parser: the header at byte 0, %%EOF in the last 1024 bytes (where
# readers look for it), no HTML near either end, and no name of an active feature. A JavaScript
# action needs the name /JavaScript (its /S), so the long names are looked for everywhere, in
# stream data too; the short /JS turns up by chance in compressed image data (in several
# percent of 20 MB scans), so it is looked for outside stream data only. Object streams (PDF
# 1.5+ keeps dictionaries in them) are inflated in bounded pieces and looked through the same.

_PDF_HEADER = re.compile(rb"%PDF-\d\.\d")
_PDF_EOF_WINDOW = 1024
_PDF_HTML_WINDOW = 16 * 1024
_HTML = re.compile(
    rb"<(?:!doctype\s+html|html|head|body|script|iframe|svg|object|embed|img|meta|style|link"
    rb"|form|base)(?=[\s/>])",
    re.IGNORECASE,
)
_DELIMITERS = rb"\x00\t\n\x0c\r ()<>\[\]{}/%"
# Names that can be one of the forbidden ones (any character may be written #xx).
_NAME = re.compile(rb"/([JLE#][^" + _DELIMITERS + rb"]{0,63})(?=[" + _DELIMITERS + rb"])")
_NAME_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
_LONG_FORBIDDEN_NAMES = frozenset({b"JavaScript", b"Launch", b"EmbeddedFile", b"EmbeddedFiles"})
_FORBIDDEN_NAMES = _LONG_FORBIDDEN_NAMES | {b"JS"}
_OBJECT_STREAM = re.compile(rb"/ObjStm(?=[" + _DELIMITERS + rb"])")
_UNREAD_FILTERS = re.compile(
    rb"/(?:Predictor|ASCIIHexDecode|ASCII85Decode|LZWDecode|RunLengthDecode|Crypt|AHx|A85|LZW|RL)"
    rb"(?=[" + _DELIMITERS + rb"])"
)
_STREAM_START = re.compile(rb"(?<![A-Za-z])stream(?:\r\n|\n)")
_STREAM_END = re.compile(rb"endstream")
_OBJECT_END = re.compile(rb"end(?:obj|stream)")
# A name or keyword is shorter than this, so one that starts in a window ends in it.
_PDF_CARRY = 256
_STREAM_DICT_LOOKBACK = 4096
_MAX_OBJECT_STREAMS = 10_000
_MAX_INFLATED = 64 * 1024 * 1024


def _unescape(data: bytes) -> bytes:
    return _NAME_ESCAPE.sub(lambda match: bytes([int(match[1], 16)]), data)


def _has_name(
    data: bytes, names: frozenset[bytes], start: int = 0, stop: int | None = None
) -> bool:
    """True when a name in `names` starts in data[start:stop] (it may end past `stop`)."""
    stop = len(data) if stop is None else stop
    for match in _NAME.finditer(data, start):
        if match.start() >= stop:
            return False
        if _unescape(match[1]) in names:
            return True
    return False


def _check_pdf(stream: BinaryIO) -> None:
    size = _size(stream)
    head = stream.read(_PDF_HTML_WINDOW)
    stream.seek(max(0, size - _PDF_EOF_WINDOW))
    tail = stream.read(_PDF_EOF_WINDOW)
    if not _PDF_HEADER.match(head) or b"%%EOF" not in tail:
        raise _refuse(PDF_INVALID_MESSAGE, "pdf_invalid")
    if _HTML.search(head) or _HTML.search(tail[tail.rfind(b"%%EOF") :]):
        raise _refuse(PDF_INVALID_MESSAGE, "pdf_invalid")

    active = _refuse(PDF_ACTIVE_CONTENT_MESSAGE, "pdf_active_content")
    object_streams: dict[int, bool] = {}
    in_stream = False
    done = 0  # absolute position up to which the file has been read as structure or stream
    for offset, window in _windows(stream, overlap=_PDF_CARRY + _STREAM_DICT_LOOKBACK):
        if _has_name(window, _LONG_FORBIDDEN_NAMES):
            raise active
        last = offset + len(window) >= size
        safe = len(window) if last else len(window) - _PDF_CARRY
        position = done - offset
        while position < safe:
            if in_stream:
                match = _STREAM_END.search(window, position)
                if match is None or match.start() >= safe:
                    position = safe
                    break
                position, in_stream = match.end(), False
                continue
            match = _STREAM_START.search(window, position)
            stop = match.start() if match is not None and match.start() < safe else safe
            if _has_name(window, _FORBIDDEN_NAMES, position, stop):
                raise active
            if stop == safe:
                position = safe
                break
            kind = _stream_kind(window, stop, absolute=offset + stop)
            if kind is not None:
                object_streams[offset + match.end()] = kind
                if len(object_streams) > _MAX_OBJECT_STREAMS:
                    raise _refuse(PDF_UNCHECKED_MESSAGE, "pdf_unchecked")
            position, in_stream = match.end(), True
        done = offset + position
    inflated = 0
    for start, certain in object_streams.items():
        inflated = _scan_compressed(stream, start, inflated=inflated, certain=certain)


def _stream_kind(window: bytes, keyword: int, *, absolute: int) -> bool | None:
    """True for an object stream whose dictionary is in sight; False for a stream whose
    dictionary is too long to see (it may be one); None for any other stream."""
    context = window[max(0, keyword - _STREAM_DICT_LOOKBACK) : keyword]
    ends = list(_OBJECT_END.finditer(context))
    if ends:
        context = context[ends[-1].end() :]
    elif absolute > _STREAM_DICT_LOOKBACK:
        return False
    context = _unescape(context)
    if not _OBJECT_STREAM.search(context):
        return None
    if _UNREAD_FILTERS.search(context):
        raise _refuse(PDF_UNCHECKED_MESSAGE, "pdf_unchecked")
    return True


def _scan_compressed(stream: BinaryIO, start: int, *, inflated: int, certain: bool) -> int:
    """Inflate the stream starting at `start` in bounded pieces and look for forbidden names;
    returns the bytes inflated so far in the file. An object stream holds only objects, so every
    name counts; in a stream only suspected of being one (it may be image data) the long names
    count, and a stream that is not Flate is left alone. An object stream that will not inflate
    cannot be checked."""
    unchecked = _refuse(PDF_UNCHECKED_MESSAGE, "pdf_unchecked")
    names = _FORBIDDEN_NAMES if certain else _LONG_FORBIDDEN_NAMES
    stream.seek(start)
    decompressor = zlib.decompressobj()
    carry = b""
    while not decompressor.eof:
        data = stream.read(64 * 1024)
        if not data:
            if certain:
                raise unchecked
            return inflated
        while data and not decompressor.eof:
            try:
                piece = decompressor.decompress(data, _CHUNK)
            except zlib.error:
                if certain:
                    raise unchecked from None
                return inflated
            data = decompressor.unconsumed_tail
            inflated += len(piece)
            if inflated > _MAX_INFLATED:
                raise unchecked
            window = carry + piece
            if _has_name(window, names):
                raise _refuse(PDF_ACTIVE_CONTENT_MESSAGE, "pdf_active_content")
            carry = window[-_PDF_CARRY:]
    if _has_name(carry + b" ", names):
        raise _refuse(PDF_ACTIVE_CONTENT_MESSAGE, "pdf_active_content")
    return inflated
