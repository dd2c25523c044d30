"""Uploads that cannot hurt the server or the people who open them: archive bombs, disguised and
macro-carrying Office files, PDFs with scripts or HTML, names without an extension, supplements
to dossiers not awaiting one, and quotas per dossier and per uploader per day."""

import io
import json
import os
import subprocess
import sys
import textwrap
import warnings
import zipfile
from datetime import datetime

import pytest
from django.conf import settings as django_settings
from django.contrib.messages import constants as message_levels
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from PIL import Image
from pypdf import PdfWriter
from weasyprint import HTML

from dossiers import filetypes
from dossiers.choices import DossierAction, DossierOutcome, DossierStatus, FilePurpose
from dossiers.deadlines import VIETNAM_TZ
from dossiers.models import Dossier, DossierEvent, DossierFile
from dossiers.services import (
    dossier_attach_file,
    dossier_complete,
    dossier_complete_step,
    dossier_create_draft,
    dossier_forward,
    dossier_receive,
    dossier_register_walk_in,
    dossier_request_supplement,
    dossier_submit,
)
from dossiers.workflow import InvalidTransition
from tests.dossiers.factories import PDF_BYTES, applicant_data, build_lifecycle_office
from tests.security.builders import (
    EXCEL_MACRO_MAIN,
    EXCEL_MAIN,
    PAGES,
    VBA_PROJECT,
    WORD_MACRO_MAIN,
    WORD_MAIN,
    cfb_bytes,
    cfb_with_directory_loop,
    content_types,
    docx_bytes,
    docx_entries,
    docx_with_chart_workbook,
    object_stream,
    pdf_bytes,
    pdf_with_catalog,
    stream_object,
    write_zip_bomb,
    xlsx_bytes,
    zip_bomb_bytes,
    zip_bytes,
)

pytestmark = pytest.mark.django_db

MiB = 1024 * 1024
GiB = 1024 * MiB


def check(name: str, content: bytes) -> filetypes.FileType:
    return filetypes.check_upload(io.BytesIO(content), name=name)


def refusal(name: str, content: bytes) -> ValidationError:
    with pytest.raises(ValidationError) as error:
        check(name, content)
    return error.value


def at(*args) -> datetime:
    return datetime(*args, tzinfo=VIETNAM_TZ)


@pytest.fixture
def office(db):
    return build_lifecycle_office()


@pytest.fixture
def draft(office):
    return dossier_create_draft(
        procedure=office.procedure, applicant=applicant_data(), user=office.citizen
    )


def attach(office, dossier, name, content, **kwargs):
    kwargs.setdefault("required_document", office.application_form)
    kwargs.setdefault("actor", office.citizen)
    return dossier_attach_file(dossier=dossier, upload=SimpleUploadedFile(name, content), **kwargs)


def stored_files(tmp_path) -> list:
    media = tmp_path / "media"
    return [path for path in media.rglob("*") if path.is_file()] if media.exists() else []


# ---- accepted: real files of every type --------------------------------------------------------


def jpeg_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(buffer, "JPEG")
    return buffer.getvalue()


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (30, 200, 30)).save(buffer, "PNG")
    return buffer.getvalue()


def weasyprint_pdf() -> bytes:
    """A PDF as the portal renders its receipts (object streams, compressed)."""
    return HTML(string="<h1>Giấy tiếp nhận hồ sơ</h1><p>Nguyễn Văn An</p>").write_pdf()


def pypdf_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "build", "expected"),
    [
        ("to-khai.docx", docx_bytes, filetypes.DOCX),
        ("bang-ke.xlsx", xlsx_bytes, filetypes.XLSX),
        ("bao-cao.docx", lambda: docx_with_chart_workbook(xlsx_bytes()), filetypes.DOCX),
        ("giay-tiep-nhan.pdf", weasyprint_pdf, filetypes.PDF),
        ("trang-trang.pdf", pypdf_pdf, filetypes.PDF),
        ("to-khai.pdf", lambda: pdf_bytes(*PAGES), filetypes.PDF),
        ("anh.jpg", jpeg_bytes, filetypes.JPEG),
        ("anh.jpeg", jpeg_bytes, filetypes.JPEG),
        ("anh.png", png_bytes, filetypes.PNG),
        ("don.doc", lambda: cfb_bytes({"WordDocument": b"w", "1Table": b"t"}), filetypes.DOC),
        ("bang.xls", lambda: cfb_bytes({"Workbook": b"wb"}), filetypes.XLS),
        ("bang-excel5.xls", lambda: cfb_bytes({"Book": b"b"}), filetypes.XLS),
    ],
)
def test_real_files_of_every_accepted_type_pass(name, build, expected):
    assert check(name, build()) is expected


def test_a_scan_whose_image_data_happens_to_hold_js_is_accepted():
    """/JS is looked for outside stream data only: compressed image bytes may hold it by chance."""
    image = b"\x12\x34 /JS (" + os.urandom(2048)
    content = pdf_with_catalog(
        PAGES[0],
        stream_object(b"<< /Type /XObject /Subtype /Image /Filter /DCTDecode >>", image),
    )

    assert check("scan.pdf", content) is filetypes.PDF


def test_a_large_ordinary_workbook_part_is_accepted():
    """Ordinary markup compresses well below the ratio limit."""
    rows = "".join(
        f'<row r="{i}"><c t="s"><v>{i * 7919 % 10007}</v></c></row>' for i in range(60000)
    )
    content = docx_bytes(**{"word/document.xml": f"<w:document>{rows}</w:document>"})

    assert check("lon.docx", content) is filetypes.DOCX


def test_accepted_upload_is_stored(office, draft):
    dossier_file = attach(office, draft, "to-khai.docx", docx_bytes())

    assert dossier_file.content_type == filetypes.DOCX.content_type


# ---- zip bombs: limits checked before anything is unpacked -------------------------------------


@pytest.fixture(scope="module")
def gib_bomb(tmp_path_factory):
    """A ~1 MB .docx whose [Content_Types].xml unpacks to 1 GiB (the hostile re-test's file)."""
    return write_zip_bomb(tmp_path_factory.mktemp("bomb") / "bomb.docx", size=GiB)


def test_a_bomb_is_refused_by_its_declared_size(gib_bomb):
    assert gib_bomb.stat().st_size < 2 * MiB

    with gib_bomb.open("rb") as stream, pytest.raises(ValidationError) as error:
        filetypes.check_upload(stream, name="to-khai.docx")

    assert error.value.code == "archive_too_large"


MEASURE = textwrap.dedent(
    """
    import json, os, resource, sys, time, tracemalloc
    import django
    django.setup()
    from django.core.exceptions import ValidationError
    from dossiers import filetypes

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()
    started = time.monotonic()
    with open(sys.argv[1], "rb") as stream:
        try:
            filetypes.check_upload(stream, name="to-khai.docx")
            outcome = "accepted"
        except ValidationError as error:
            outcome = error.code
    seconds = time.monotonic() - started
    traced_peak = tracemalloc.get_traced_memory()[1]
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"outcome": outcome, "before_kib": before, "after_kib": after,
                      "traced_peak": traced_peak, "seconds": seconds}))
    """
)


def test_refusing_a_gib_bomb_costs_little_memory_and_time(gib_bomb):
    """Measured in a fresh process: peak RSS grows by less than 50 MB (the unpatched sniffer grew
    by about 2 GB and took 10 s)."""
    result = subprocess.run(  # noqa: S603 (this interpreter, a fixed script, a test file)
        [sys.executable, "-c", MEASURE, str(gib_bomb)],
        cwd=django_settings.BASE_DIR,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings.test"},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    measured = json.loads(result.stdout.strip().splitlines()[-1])

    assert measured["outcome"] == "archive_too_large"
    assert (measured["after_kib"] - measured["before_kib"]) * 1024 < 50 * 1000 * 1000
    assert measured["traced_peak"] < 50 * 1000 * 1000
    assert measured["seconds"] < 5


def test_a_bomb_is_refused_by_its_compression_ratio():
    """50 MiB of zeros fit the size limit but compress about a thousand times."""
    content = zip_bomb_bytes(size=50 * MiB)
    assert len(content) < MiB

    assert refusal("to-khai.docx", content).code == "archive_ratio"


def test_the_ratio_limit_comes_from_settings(settings):
    content = zip_bomb_bytes(size=2 * MiB)
    settings.UPLOAD_ARCHIVE_MAX_RATIO = 5000

    assert check("to-khai.docx", content) is filetypes.DOCX


def test_an_archive_with_too_many_entries_is_refused(settings):
    entries = docx_entries()
    entries.update({f"word/media/image{i}.png": b"x" for i in range(1000)})

    error = refusal("to-khai.docx", zip_bytes(entries))

    assert error.code == "archive_entries"
    with translation.override("vi"):
        assert "1000" in error.messages[0]


def test_the_entry_count_is_taken_from_the_central_directory_before_zipfile(monkeypatch):
    """zipfile builds an object per entry: it is never asked to when the count is over."""
    entries = docx_entries()
    entries.update({f"word/media/image{i}.png": b"x" for i in range(1000)})
    content = zip_bytes(entries)

    def forbidden(*args, **kwargs):
        raise AssertionError("zipfile.ZipFile was opened")

    monkeypatch.setattr(zipfile, "ZipFile", forbidden)
    assert refusal("to-khai.docx", content).code == "archive_entries"


@pytest.mark.parametrize(
    "inner_name",
    [
        "word/media/hinh.zip",  # a zip inside the zip
        "word/media/image1.png",  # the same, named as an image
        "customXml/data.bin",
    ],
)
def test_a_zip_inside_the_zip_is_refused(inner_name):
    content = docx_bytes(**{inner_name: zip_bytes({"a.txt": "a"})})

    assert refusal("to-khai.docx", content).code == "archive_nested"


def test_a_package_embedded_in_an_embedded_package_is_refused():
    inner = zip_bytes(
        {
            "[Content_Types].xml": content_types({}),
            "xl/embeddings/deeper.xlsx": xlsx_bytes(),
        }
    )

    assert refusal("bao-cao.docx", docx_with_chart_workbook(inner)).code == "archive_nested"


def test_a_bomb_inside_an_embedded_workbook_is_refused():
    bomb = zip_bomb_bytes(size=200 * MiB, name="word/document.xml")

    assert refusal("bao-cao.docx", docx_with_chart_workbook(bomb)).code == "archive_too_large"


def test_a_macro_workbook_embedded_in_a_document_is_refused():
    inner = zip_bytes(
        {
            "[Content_Types].xml": content_types({"/xl/workbook.xml": EXCEL_MACRO_MAIN}),
            "xl/workbook.xml": "<workbook/>",
        }
    )

    assert refusal("bao-cao.docx", docx_with_chart_workbook(inner)).code == "macros"


def test_a_damaged_zip_is_refused_as_damaged():
    content = docx_bytes()
    content = content[:-30] + b"\x00" * 30  # the end record cut off

    assert refusal("to-khai.docx", content).code == "damaged"


# ---- Word and Excel files must be what their name says, without macros --------------------------


def test_a_docx_without_its_main_part_but_with_a_program_is_refused():
    content = zip_bytes(
        {
            "[Content_Types].xml": content_types({}, defaults={"exe": "application/octet-stream"}),
            "word/evil.exe": b"MZ\x90\x00" + b"\x00" * 60,
        }
    )

    assert refusal("to-khai.docx", content).code == "archive_program"


def test_a_docx_without_its_main_part_is_refused():
    content = zip_bytes({"[Content_Types].xml": content_types({}), "word/other.xml": "<x/>"})

    assert refusal("to-khai.docx", content).code == "office_incomplete"


def test_a_docx_declaring_a_main_part_it_does_not_hold_is_refused():
    entries = docx_entries()
    del entries["word/document.xml"]
    entries["word/evil.xml"] = "<x/>"

    assert refusal("to-khai.docx", zip_bytes(entries)).code == "office_incomplete"


def test_a_real_docx_carrying_a_program_is_refused():
    content = docx_bytes(**{"word/evil.exe": b"MZ\x90\x00"})

    assert refusal("to-khai.docx", content).code == "archive_program"


def test_a_workbook_named_docx_is_refused():
    assert refusal("to-khai.docx", xlsx_bytes()).code == "type_mismatch"


def test_a_zip_without_content_types_is_refused():
    assert refusal("to-khai.docx", zip_bytes({"word/document.xml": "<x/>"})).code == (
        "office_incomplete"
    )


@pytest.mark.parametrize(
    ("main_type", "extra"),
    [
        # a .docm renamed: the macro content type and the VBA project
        (WORD_MACRO_MAIN, {"word/vbaProject.bin": b"\xd0\xcf\x11\xe0vba"}),
        # only the macro content type
        (WORD_MACRO_MAIN, {}),
        # only the VBA project, under an ordinary content type
        (None, {"word/vbaProject.bin": b"\xd0\xcf\x11\xe0vba"}),
    ],
)
def test_a_macro_enabled_word_file_renamed_docx_is_refused(main_type, extra):
    entries = docx_entries(**({"main_type": main_type} if main_type else {}))
    entries.update(extra)

    assert refusal("to-khai.docx", zip_bytes(entries)).code == "macros"


def test_a_vba_project_declared_by_content_type_is_refused():
    entries = docx_entries()
    entries["[Content_Types].xml"] = content_types(
        {"/word/document.xml": WORD_MAIN}, defaults={"bin": VBA_PROJECT}
    )
    entries["word/project.bin"] = b"vba"

    assert refusal("to-khai.docx", zip_bytes(entries)).code == "macros"


def test_a_macro_enabled_workbook_renamed_xlsx_is_refused():
    content = zip_bytes(
        {
            "[Content_Types].xml": content_types({"/xl/workbook.xml": EXCEL_MACRO_MAIN}),
            "xl/workbook.xml": "<workbook/>",
            "xl/vbaProject.bin": b"vba",
        }
    )

    assert refusal("bang.xlsx", content).code == "macros"


def test_an_xlsx_with_its_workbook_part_passes_as_xlsx():
    content = zip_bytes(
        {
            "[Content_Types].xml": content_types({"/xl/workbook.xml": EXCEL_MAIN}),
            "xl/workbook.xml": "<workbook/>",
        }
    )

    assert check("bang.xlsx", content) is filetypes.XLSX


def test_content_types_with_a_dtd_are_refused():
    """No entity may expand while [Content_Types].xml is read."""
    entries = docx_entries()
    entries["[Content_Types].xml"] = (
        '<?xml version="1.0"?><!DOCTYPE t [<!ENTITY a "aaaaaaaaaa">]><Types>&a;</Types>'
    )

    assert refusal("to-khai.docx", zip_bytes(entries)).code == "damaged"


# ---- Word 97-2003 and Excel 97-2003: stream names from a real directory parse -------------------


@pytest.mark.parametrize(
    "tree",
    [
        {"Data": "Book".encode("utf-16-le") * 10},  # the bytes "Book" in a stream's content
        {"Bookmarks": b"x"},  # a name that holds "Book"
        {"Book": {"Sheet": b"x"}},  # a storage, not a stream, named Book
        {"Workbook2": b"x"},
    ],
)
def test_an_ole_file_without_a_book_or_workbook_stream_is_not_an_xls(tree):
    assert refusal("bang.xls", cfb_bytes(tree)).code == "unsupported_type"


def test_the_former_fake_ole_file_with_only_a_name_in_its_bytes_is_refused():
    content = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504 + "Book".encode("utf-16-le")

    assert refusal("bang.xls", content).code == "damaged"


@pytest.mark.parametrize(
    ("name", "tree"),
    [
        ("don.doc", {"WordDocument": b"w", "Macros": {"VBA": {"dir": b"d"}, "PROJECT": b"p"}}),
        ("bang.xls", {"Workbook": b"w", "_VBA_PROJECT_CUR": {"VBA": {"dir": b"d"}}}),
        ("bang.xls", {"Workbook": b"w", "Nested": {"VBA": {"dir": b"d"}}}),
    ],
)
def test_an_ole_file_with_macro_storages_is_refused(name, tree):
    assert refusal(name, cfb_bytes(tree)).code == "macros"


def test_a_password_protected_docx_is_refused_as_such():
    content = cfb_bytes({"EncryptionInfo": b"i", "EncryptedPackage": b"p"})

    assert refusal("to-khai.docx", content).code == "encrypted"


def test_an_ole_file_whose_directory_loops_is_refused():
    assert refusal("don.doc", cfb_with_directory_loop()).code == "damaged"


def test_a_doc_named_xls_is_refused():
    assert refusal("bang.xls", cfb_bytes({"WordDocument": b"w"})).code == "type_mismatch"


# ---- PDF -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content",
    [
        # a PDF/HTML polyglot: a browser sniffing it would run the script
        b"%PDF-1.4\n<html><body><script>alert(document.cookie)</script></body></html>\n"
        + pdf_bytes(*PAGES)[9:],
        b"%PDF-1.4\n%<!DOCTYPE html>\n" + pdf_bytes(*PAGES)[9:],
        pdf_bytes(*PAGES) + b"<svg onload=alert(1)>",  # after %%EOF
        pdf_bytes(*PAGES)[:-6],  # no %%EOF
        pdf_bytes(*PAGES) + b"\x00" * 2048,  # %%EOF far from the end
        b"%PDF-x\n" + pdf_bytes(*PAGES)[9:],  # no version
    ],
)
def test_a_pdf_that_does_not_parse_as_pdf_is_refused(content):
    assert refusal("to-khai.pdf", content).code == "pdf_invalid"


def test_html_before_the_pdf_header_is_not_a_pdf():
    content = b"<html><script>alert(1)</script></html>" + pdf_bytes(*PAGES)

    assert refusal("to-khai.pdf", content).code == "unsupported_type"


JAVASCRIPT_ACTION = b"<< /Type /Action /S /JavaScript /JS (app.alert\\(1\\)) >>"


@pytest.mark.parametrize(
    "content",
    [
        pdf_with_catalog(b"<< /Type /Catalog /Pages 2 0 R /OpenAction 4 0 R >>", JAVASCRIPT_ACTION),
        # only /JS (no /S /JavaScript)
        pdf_with_catalog(PAGES[0], b"<< /JS (app.alert\\(1\\)) >>"),
        # document-level scripts in the names tree
        pdf_with_catalog(
            b"<< /Type /Catalog /Pages 2 0 R /Names << /JavaScript 4 0 R >> >>",
            b"<< /Names [(a) 5 0 R] >>",
        ),
        # a name written with #xx escapes
        pdf_with_catalog(PAGES[0], b"<< /S /J#61vaScript /J#53 (app.alert\\(1\\)) >>"),
        # launch action
        pdf_with_catalog(
            b"<< /Type /Catalog /Pages 2 0 R /OpenAction 4 0 R >>",
            b"<< /S /Launch /F (cmd.exe) /Win << /F (cmd.exe) >> >>",
        ),
        # an embedded file
        pdf_with_catalog(
            b"<< /Type /Catalog /Pages 2 0 R /Names << /EmbeddedFiles 4 0 R >> >>",
            b"<< /Names [(a.exe) 5 0 R] >>",
            b"<< /Type /Filespec /F (a.exe) /EF << /F 6 0 R >> >>",
            stream_object(b"<< /Type /EmbeddedFile >>", b"MZ\x90\x00"),
        ),
        # a script hidden in a compressed object stream
        pdf_with_catalog(PAGES[0], object_stream(JAVASCRIPT_ACTION)),
        pdf_with_catalog(PAGES[0], object_stream(b"<< /JS (app.alert\\(1\\)) >>")),
    ],
    ids=[
        "javascript",
        "js",
        "javascript-names",
        "escaped",
        "launch",
        "embedded-file",
        "object-stream",
        "object-stream-js",
    ],
)
def test_a_pdf_with_scripts_launch_actions_or_embedded_files_is_refused(content):
    assert refusal("to-khai.pdf", content).code == "pdf_active_content"


def pdf_library_output(add) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    add(writer)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def test_a_pdf_library_file_with_an_attachment_is_refused():
    content = pdf_library_output(lambda writer: writer.add_attachment("a.exe", b"MZ\x90\x00"))

    assert refusal("to-khai.pdf", content).code == "pdf_active_content"


def test_a_pdf_library_file_with_a_script_is_refused():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # add_js, still in pypdf 6
        content = pdf_library_output(lambda writer: writer.add_js("app.alert(1);"))

    assert refusal("to-khai.pdf", content).code == "pdf_active_content"


def test_an_object_stream_that_will_not_inflate_cannot_be_checked():
    broken = stream_object(b"<< /Type /ObjStm /N 1 /First 4 /Filter /FlateDecode >>", b"\x00" * 64)

    assert refusal("to-khai.pdf", pdf_with_catalog(PAGES[0], broken)).code == "pdf_unchecked"


def test_an_object_stream_behind_a_filter_not_read_cannot_be_checked():
    hidden = stream_object(b"<< /Type /ObjStm /N 1 /First 4 /Filter /ASCIIHexDecode >>", b"2f4a53>")

    assert refusal("to-khai.pdf", pdf_with_catalog(PAGES[0], hidden)).code == "pdf_unchecked"


# ---- names ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["to-khai", "to-khai.", ".pdf"])
def test_a_name_without_an_extension_is_refused(office, draft, name, tmp_path):
    with pytest.raises(ValidationError) as error:
        attach(office, draft, name, PDF_BYTES)

    assert error.value.code == "no_extension"
    assert not DossierFile.objects.exists()
    assert stored_files(tmp_path) == []
    with translation.override("vi"):
        assert error.value.messages == [
            "Tên tệp không có phần mở rộng (ví dụ .pdf hoặc .jpg). Hãy đổi tên tệp rồi tải lên lại."
        ]


def test_a_long_name_keeps_its_extension(office, draft):
    name = "a" * 300 + ".pdf"

    stored = attach(office, draft, name, PDF_BYTES)

    assert stored.original_name == "a" * 251 + ".pdf"


# ---- refusals in the citizen's screens -----------------------------------------------------------


def test_a_refused_file_keeps_what_the_citizen_typed_and_says_why_in_vietnamese(office, client):
    dossier = dossier_create_draft(
        procedure=office.procedure, applicant=applicant_data(), user=office.citizen
    )
    client.force_login(office.citizen)
    edit_url = reverse("dossiers:draft_edit", kwargs={"pk": dossier.pk})

    response = client.post(
        edit_url,
        {
            "name": "Nguyễn Văn An",
            "identity_number": "008090001234",
            "phone": "0912 345 678",
            "email": "an.nguyen@example.vn",
            "address": "Tổ 7, phường Minh Xuân",
            "organisation": "",
            f"document_{office.application_form.pk}": SimpleUploadedFile(
                "to-khai.docx", zip_bomb_bytes(size=200 * MiB)
            ),
            "save": "",
        },
        HTTP_ACCEPT_LANGUAGE="vi",
    )

    assert response.status_code == 302
    assert response.url == edit_url
    dossier.refresh_from_db()
    assert dossier.applicant_address == "Tổ 7, phường Minh Xuân"
    assert not DossierFile.objects.exists()
    errors = [
        str(m) for m in get_messages(response.wsgi_request) if m.level == message_levels.ERROR
    ]
    assert len(errors) == 1
    assert errors[0] == (
        "Chưa đính kèm được “to-khai.docx” (Tờ khai): Tệp Word hoặc Excel này khi giải nén "
        "chiếm hơn 100,0\xa0MB nên không được chấp nhận. Hãy lưu thành PDF rồi tải bản đó lên."
    )


# ---- supplements only to a dossier awaiting one ---------------------------------------------------


def submitted(office):
    draft = dossier_create_draft(
        procedure=office.procedure, applicant=applicant_data(), user=office.citizen
    )
    attach(office, draft, "to-khai.pdf", PDF_BYTES)
    return dossier_submit(dossier=draft, actor=office.citizen)


def received(office):
    return dossier_receive(dossier=submitted(office), actor=office.desk)


def processing(office):
    return dossier_forward(dossier=received(office), actor=office.desk)


def result_ready(office):
    dossier = processing(office)
    dossier = dossier_complete_step(dossier=dossier, actor=office.specialist)
    dossier = dossier_complete_step(dossier=dossier, actor=office.division_head)
    return dossier_complete(dossier=dossier, actor=office.leader, outcome=DossierOutcome.APPROVED)


@pytest.mark.parametrize(
    ("build", "status"),
    [
        (submitted, DossierStatus.SUBMITTED),
        (received, DossierStatus.RECEIVED),
        (processing, DossierStatus.PROCESSING),
        (result_ready, DossierStatus.RESULT_READY),
    ],
)
def test_a_supplement_to_a_dossier_not_awaiting_one_is_refused_and_stores_nothing(
    office, build, status, tmp_path
):
    dossier = build(office)
    assert dossier.status == status
    before = Dossier.objects.get(pk=dossier.pk)
    files_before = set(DossierFile.objects.values_list("pk", flat=True))
    stored_before = stored_files(tmp_path)
    events_before = DossierEvent.objects.filter(dossier=dossier).count()

    with pytest.raises(InvalidTransition):
        attach(
            office,
            dossier,
            "bo-sung.png",
            png_bytes(),
            required_document=office.other_paper,
            purpose=FilePurpose.SUPPLEMENT,
        )

    after = Dossier.objects.get(pk=dossier.pk)
    assert (after.status, after.updated_at) == (before.status, before.updated_at)
    assert set(DossierFile.objects.values_list("pk", flat=True)) == files_before
    assert stored_files(tmp_path) == stored_before
    assert DossierEvent.objects.filter(dossier=dossier).count() == events_before


def test_a_supplement_to_a_dossier_awaiting_one_is_stored(office):
    dossier = dossier_request_supplement(
        dossier=submitted(office), actor=office.desk, items=["Ảnh"], reason="Thiếu ảnh"
    )

    added = attach(
        office,
        dossier,
        "bo-sung.png",
        png_bytes(),
        required_document=office.other_paper,
        purpose=FilePurpose.SUPPLEMENT,
    )

    assert added.purpose == FilePurpose.SUPPLEMENT


def test_the_supplement_screen_on_a_dossier_in_processing_stores_nothing(office, client, tmp_path):
    dossier = processing(office)
    before = Dossier.objects.get(pk=dossier.pk)
    stored_before = stored_files(tmp_path)
    client.force_login(office.citizen)

    response = client.post(
        reverse("dossiers:supplement", kwargs={"pk": dossier.pk}),
        {"other": SimpleUploadedFile("bo-sung.png", png_bytes(), content_type="image/png")},
    )

    assert response.status_code == 302
    after = Dossier.objects.get(pk=dossier.pk)
    assert (after.status, after.updated_at) == (DossierStatus.PROCESSING, before.updated_at)
    assert not DossierFile.objects.filter(purpose=FilePurpose.SUPPLEMENT).exists()
    assert stored_files(tmp_path) == stored_before
    errors = [m for m in get_messages(response.wsgi_request) if m.level == message_levels.ERROR]
    assert len(errors) >= 1


# ---- quotas ---------------------------------------------------------------------------------------


def distinct_pdf(number: int, padding: int = 0) -> bytes:
    return pdf_with_catalog(PAGES[0], b"<< /N %d >>" % number, b"%" * padding or b"<< >>")


def test_a_dossier_takes_at_most_its_number_of_files(office, draft, settings, tmp_path):
    settings.UPLOAD_DOSSIER_MAX_FILES = 2
    attach(office, draft, "1.pdf", distinct_pdf(1))
    attach(office, draft, "2.pdf", distinct_pdf(2))
    stored_before = stored_files(tmp_path)

    with pytest.raises(ValidationError) as error:
        attach(office, draft, "3.pdf", distinct_pdf(3))

    assert error.value.code == "dossier_file_quota"
    assert DossierFile.objects.count() == 2
    assert stored_files(tmp_path) == stored_before
    with translation.override("vi"):
        assert error.value.messages == [
            "Hồ sơ này đã có 2 tệp, là số tệp tối đa cho phép. Hãy gỡ bớt tệp không cần "
            "thiết trước khi thêm tệp khác."
        ]


def test_the_same_content_again_at_the_limit_is_still_recognised(office, draft, settings):
    settings.UPLOAD_DOSSIER_MAX_FILES = 1
    first = attach(office, draft, "1.pdf", distinct_pdf(1))

    assert attach(office, draft, "1 (1).pdf", distinct_pdf(1)).pk == first.pk


def test_a_dossier_takes_at_most_its_number_of_bytes(office, draft, settings):
    one = distinct_pdf(1, padding=3000)
    settings.UPLOAD_DOSSIER_MAX_BYTES = len(one) * 2 - 1
    attach(office, draft, "1.pdf", one)

    with pytest.raises(ValidationError) as error:
        attach(office, draft, "2.pdf", distinct_pdf(2, padding=3000))

    assert error.value.code == "dossier_size_quota"
    assert DossierFile.objects.count() == 1


def test_an_uploader_stores_at_most_a_number_of_files_a_day(office, settings, time_machine):
    settings.UPLOAD_USER_DAILY_MAX_FILES = 2
    time_machine.move_to(at(2026, 12, 1, 9, 0), tick=False)
    first = dossier_create_draft(
        procedure=office.procedure, applicant=applicant_data(), user=office.citizen
    )
    second = dossier_create_draft(
        procedure=office.procedure, applicant=applicant_data(), user=office.citizen
    )
    attach(office, first, "1.pdf", distinct_pdf(1))
    attach(office, second, "2.pdf", distinct_pdf(2))

    with pytest.raises(ValidationError) as error:
        attach(office, second, "3.pdf", distinct_pdf(3), required_document=office.other_paper)
    assert error.value.code == "daily_file_quota"
    # Another citizen is not held back, and the next day the count starts again.
    other = dossier_create_draft(
        procedure=office.procedure, applicant=applicant_data(), user=office.other_citizen
    )
    attach(office, other, "3.pdf", distinct_pdf(3), actor=office.other_citizen)
    time_machine.move_to(at(2026, 12, 2, 0, 1), tick=False)
    attach(office, second, "3.pdf", distinct_pdf(3), required_document=office.other_paper)
    assert DossierFile.objects.filter(uploaded_by=office.citizen).count() == 3


def test_an_uploader_stores_at_most_a_number_of_bytes_a_day(office, draft, settings):
    one = distinct_pdf(1, padding=3000)
    settings.UPLOAD_USER_DAILY_MAX_BYTES = len(one) * 2 - 1
    attach(office, draft, "1.pdf", one)

    with pytest.raises(ValidationError) as error:
        attach(office, draft, "2.pdf", distinct_pdf(2, padding=3000))

    assert error.value.code == "daily_size_quota"
    assert DossierFile.objects.count() == 1


def test_staff_uploads_are_not_held_by_the_quotas(office, settings):
    settings.UPLOAD_DOSSIER_MAX_FILES = 1
    settings.UPLOAD_USER_DAILY_MAX_FILES = 1
    dossier = dossier_register_walk_in(
        procedure=office.procedure, applicant=applicant_data(), actor=office.desk
    )

    for number in range(3):
        attach(office, dossier, f"scan-{number}.pdf", distinct_pdf(number), actor=office.desk)

    assert dossier.files.count() == 3
    assert (
        DossierEvent.objects.filter(dossier=dossier, action=DossierAction.FILE_ATTACHED).count()
        == 3
    )


def test_quota_defaults():
    assert (50, 100 * MiB, 200, 300 * MiB) == (
        django_settings.UPLOAD_DOSSIER_MAX_FILES,
        django_settings.UPLOAD_DOSSIER_MAX_BYTES,
        django_settings.UPLOAD_USER_DAILY_MAX_FILES,
        django_settings.UPLOAD_USER_DAILY_MAX_BYTES,
    )
