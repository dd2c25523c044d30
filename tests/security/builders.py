"""Files for the upload tests, built in the right structure: Office Open XML packages (and zip
bombs, streamed so the tests never hold what they unpack to), OLE2 compound files and PDFs."""

import io
import struct
import zipfile
import zlib
from pathlib import Path

import openpyxl

WORD_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
WORD_MACRO_MAIN = "application/vnd.ms-word.document.macroEnabled.main+xml"
EXCEL_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
EXCEL_MACRO_MAIN = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
VBA_PROJECT = "application/vnd.ms-office.vbaProject"
XLSX_PACKAGE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

DOCUMENT_XML = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
    "<w:body><w:p><w:r><w:t>Tờ khai đề nghị</w:t></w:r></w:p></w:body></w:document>"
)
RELS_XML = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="word/document.xml"/></Relationships>'
)


# ---- zip and Office Open XML -------------------------------------------------------------------


def content_types(overrides: dict[str, str], defaults: dict[str, str] | None = None) -> str:
    defaults = {
        "rels": "application/vnd.openxmlformats-package.relationships+xml",
        "xml": "application/xml",
        **(defaults or {}),
    }
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        + "".join(
            f'<Default Extension="{ext}" ContentType="{ct}"/>' for ext, ct in defaults.items()
        )
        + "".join(
            f'<Override PartName="{part}" ContentType="{ct}"/>' for part, ct in overrides.items()
        )
        + "</Types>"
    )


def zip_bytes(entries: dict[str, bytes | str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def docx_entries(*, main_type: str = WORD_MAIN) -> dict[str, bytes | str]:
    """The parts of a Word document as Word writes them (main part, relationships, properties)."""
    return {
        "[Content_Types].xml": content_types(
            {
                "/word/document.xml": main_type,
                "/docProps/core.xml": "application/vnd.openxmlformats-package.core-properties+xml",
            }
        ),
        "_rels/.rels": RELS_XML,
        "word/document.xml": DOCUMENT_XML,
        "word/_rels/document.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"/>'
        ),
        "docProps/core.xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/'
            'metadata/core-properties"/>'
        ),
    }


def docx_bytes(**extra: bytes | str) -> bytes:
    """A Word document, with `extra` parts (name → content) added or replaced."""
    return zip_bytes({**docx_entries(), **extra})


def xlsx_bytes() -> bytes:
    """An Excel workbook as openpyxl writes it."""
    workbook = openpyxl.Workbook()
    workbook.active.append(["Họ và tên", "Số CCCD"])
    workbook.active.append(["Nguyễn Văn An", "008090001234"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def docx_with_chart_workbook(workbook: bytes) -> bytes:
    """A Word document with a chart whose data is an embedded workbook, as Word saves charts."""
    entries = docx_entries()
    entries["[Content_Types].xml"] = content_types(
        {"/word/document.xml": WORD_MAIN}, defaults={"xlsx": XLSX_PACKAGE}
    )
    entries["word/embeddings/Microsoft_Excel_Worksheet.xlsx"] = workbook
    return zip_bytes(entries)


def write_zip_bomb(path: Path, *, size: int, name: str = "[Content_Types].xml") -> Path:
    """A .docx-looking zip whose entry `name` unpacks to `size` zero bytes, written in 1 MiB
    pieces so neither the test nor the archive's builder holds it."""
    chunk = bytes(1024 * 1024)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        with archive.open(name, "w", force_zip64=True) as entry:
            for _ in range(size // len(chunk)):
                entry.write(chunk)
        archive.writestr("word/document.xml", DOCUMENT_XML)
    return path


def zip_bomb_bytes(*, size: int, name: str = "word/document.xml") -> bytes:
    """A small bomb in memory (the Word document's main part is `size` zero bytes)."""
    buffer = io.BytesIO()
    chunk = bytes(1024 * 1024)
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for part, data in docx_entries().items():
            if part != name:
                archive.writestr(part, data)
        with archive.open(name, "w", force_zip64=True) as entry:
            for _ in range(size // len(chunk)):
                entry.write(chunk)
    return buffer.getvalue()


# ---- OLE2 compound files (MS-CFB, version 3, 512-byte sectors) ---------------------------------

_FREE, _END, _FAT_SECTOR, _NO_STREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
_STORAGE, _STREAM, _ROOT = 1, 2, 5


def cfb_bytes(tree: dict) -> bytes:
    """A compound file holding `tree`: a name maps to bytes (a stream) or to a dict (a storage).

    Streams are padded to 4096 bytes so that all live in regular sectors (the mini stream is
    for smaller ones); siblings form a sorted chain, which is a valid (if unbalanced) tree.
    """
    entries: list[dict] = [{"name": "Root Entry", "kind": _ROOT, "data": None}]

    def add(children: dict) -> int:
        ordered = sorted(children, key=lambda name: (len(name), name.upper()))
        sids = []
        for name in ordered:
            value = children[name]
            entry = {"name": name, "data": None, "child": _NO_STREAM, "right": _NO_STREAM}
            entries.append(entry)
            sids.append(len(entries) - 1)
            if isinstance(value, dict):
                entry["kind"] = _STORAGE
                entry["child"] = add(value)
            else:
                entry["kind"] = _STREAM
                entry["data"] = value.ljust(4096, b"\x00")
        for sid, next_sid in zip(sids, sids[1:], strict=False):
            entries[sid]["right"] = next_sid
        return sids[0] if sids else _NO_STREAM

    entries[0]["child"] = add(tree)
    entries[0]["right"] = _NO_STREAM
    while len(entries) % 4:
        entries.append({"name": "", "kind": 0, "data": None, "child": _NO_STREAM})

    directory_sectors = len(entries) // 4
    data_sectors = sum(len(e["data"]) // 512 for e in entries if e["data"] is not None)
    fat_sectors = 1
    while fat_sectors * 128 < fat_sectors + directory_sectors + data_sectors:
        fat_sectors += 1
    fat = [_FAT_SECTOR] * fat_sectors
    first_directory = len(fat)
    fat += [first_directory + i + 1 for i in range(directory_sectors - 1)] + [_END]
    body = b""
    for entry in entries:
        if entry["data"] is None:
            entry["start"] = _END if entry["kind"] == _ROOT else 0
            continue
        count = len(entry["data"]) // 512
        entry["start"] = len(fat)
        fat += [len(fat) + i + 1 for i in range(count - 1)] + [_END]
        body += entry["data"]
    fat += [_FREE] * (fat_sectors * 128 - len(fat))

    directory = b""
    for entry in entries:
        name = entry["name"].encode("utf-16-le")
        directory += struct.pack(
            "<64sHBBLLL16sLQQLQ",
            name + b"\x00\x00",
            len(name) + 2 if entry["kind"] else 0,
            entry["kind"],
            1,  # black
            _NO_STREAM,
            entry.get("right", _NO_STREAM),
            entry.get("child", _NO_STREAM),
            b"\x00" * 16,
            0,
            0,
            0,
            entry.get("start", 0),
            len(entry["data"]) if entry["data"] is not None else 0,
        )
    header = struct.pack(
        "<8s16sHHHHH6sLLLLLLLLL",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
        b"\x00" * 16,
        0x003E,
        3,
        0xFFFE,
        9,
        6,
        b"\x00" * 6,
        0,
        fat_sectors,
        first_directory,
        0,
        4096,
        _END,
        0,
        _END,
        0,
    )
    difat = list(range(fat_sectors)) + [_FREE] * (109 - fat_sectors)
    header += struct.pack("<109L", *difat)
    return header + struct.pack(f"<{len(fat)}L", *fat) + directory + body


def cfb_with_directory_loop() -> bytes:
    """A compound file whose directory chain points back at itself (a loop a parser must stop)."""
    data = bytearray(cfb_bytes({"WordDocument": b"x"}))
    # Sector 1 (the directory) follows itself in the FAT (sector 0, right after the header).
    struct.pack_into("<L", data, 512 + 4 * 1, 1)
    return bytes(data)


# ---- PDF ----------------------------------------------------------------------------------------


def pdf_bytes(*objects: bytes, version: bytes = b"1.7") -> bytes:
    """A PDF of the given objects (numbered from 1, the first being the catalog) with a classic
    cross-reference table, as a reader expects it."""
    out = b"%PDF-" + version + b"\n%\xe2\xe3\xcf\xd3\n"
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return out


PAGES = [
    b"<< /Type /Catalog /Pages 2 0 R >>",
    b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
]


def pdf_with_catalog(catalog: bytes, *more: bytes) -> bytes:
    """A one-page PDF whose catalog is `catalog` (objects from 4 on are `more`)."""
    return pdf_bytes(catalog, *PAGES[1:], *more)


def stream_object(dictionary: bytes, data: bytes) -> bytes:
    return dictionary[:-2] + b" /Length %d >>\nstream\n" % len(data) + data + b"\nendstream"


def object_stream(*objects: bytes, first_number: int = 10) -> bytes:
    """An object stream (/Type /ObjStm, Flate) holding `objects` numbered from `first_number`."""
    offsets, body = [], b""
    for index, obj in enumerate(objects):
        offsets.append(b"%d %d" % (first_number + index, len(body)))
        body += obj + b"\n"
    index_part = b" ".join(offsets) + b"\n"
    data = zlib.compress(index_part + body)
    return stream_object(
        b"<< /Type /ObjStm /N %d /First %d /Filter /FlateDecode >>"
        % (len(objects), len(index_part)),
        data,
    )
