"""Official documents as PDFs: Mẫu 01 rendered by WeasyPrint."""

import base64
import io

import pypdf
import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from dossiers.documents import form_for, receipt_pdf, tracking_url
from dossiers.documents.receipt import qr_data_uri
from dossiers.services import dossier_receive
from tests.dossiers.staff_setup import submitted_dossier
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NAME = "Nguyễn Thị Hương"


@pytest.fixture
def received(office):
    dossier = submitted_dossier(office, name=NAME, address="Số 5 đường Trần Hưng Đạo, Tuyên Quang")
    return dossier_receive(dossier=dossier, actor=office.desk)


@pytest.fixture
def pdf(received):
    return receipt_pdf(received)


def _reader(data: bytes) -> pypdf.PdfReader:
    return pypdf.PdfReader(io.BytesIO(data))


def _text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in _reader(data).pages)


def _stamp(moment) -> str:
    return timezone.localtime(moment).strftime("%H:%M %d/%m/%Y")


def test_receipt_text_has_code_name_times_and_title(received, pdf):
    text = _text(pdf)
    flat = " ".join(text.split())

    assert received.code in flat
    assert NAME in flat
    assert "Trần Hưng Đạo" in flat
    assert _stamp(received.received_at) in flat
    assert _stamp(received.appointment_at) in flat
    assert form_for("receipt")[1] in flat
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in flat
    assert "Độc lập - Tự do - Hạnh phúc" in flat


def test_receipt_is_one_a4_page(pdf):
    reader = _reader(pdf)

    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert abs(float(box.width) - 595.28) < 1
    assert abs(float(box.height) - 841.89) < 1


def test_receipt_embeds_noto_serif(pdf):
    fonts = _reader(pdf).pages[0]["/Resources"]["/Font"]
    embedded = []
    for ref in fonts.values():
        font = ref.get_object()
        descriptor = font.get("/FontDescriptor")
        if descriptor is None and "/DescendantFonts" in font:
            descriptor = font["/DescendantFonts"][0].get_object().get("/FontDescriptor")
        descriptor = descriptor.get_object()
        if any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")):
            embedded.append(str(font["/BaseFont"]))

    assert embedded
    assert all("Noto-Serif" in name for name in embedded), embedded


def test_receipt_qr_code_carries_the_tracking_url(received, pdf):
    url = tracking_url(received)

    assert url == (
        f"{settings.SITE_URL.rstrip('/')}{reverse('dossiers:track')}?code={received.code}"
    )
    # segno cannot decode and no zbar is installed: instead, the image drawn in the PDF must be,
    # pixel for pixel, the QR symbol of the tracking URL (and not that of another URL).
    images = _reader(pdf).pages[0].images
    assert len(images) == 1
    drawn = images[0].image.convert("1")
    assert drawn.tobytes() == _qr_pixels(url).tobytes()
    assert drawn.tobytes() != _qr_pixels(url.replace("0001", "0002")).tobytes()
    assert f"Tracứuhồsơ:{url}" in "".join(_text(pdf).split())


def _qr_pixels(payload: str):
    png = base64.b64decode(qr_data_uri(payload).split(",", 1)[1])
    return Image.open(io.BytesIO(png)).convert("1")


def test_receipt_is_byte_identical_when_rendered_again(received, pdf):
    # The first render in a process loads the WOFF fonts; later ones reuse them: both must match.
    again = [receipt_pdf(received) for _ in range(3)]

    assert all(data == pdf for data in again)


def test_receipt_pdf_view_for_the_serving_desk(client, office, received):
    client.force_login(office.desk)

    response = client.get(reverse("dossiers:receipt_pdf", kwargs={"pk": received.pk}))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert received.code in response["Content-Disposition"]
    assert received.code in _text(response.content)


def test_receipt_pdf_view_is_refused_to_citizens_and_other_centres(client, office, received):
    url = reverse("dossiers:receipt_pdf", kwargs={"pk": received.pk})

    client.force_login(office.citizen)
    assert client.get(url).status_code == 403
    client.force_login(UserFactory(first_name="Trần Văn Bình"))
    assert client.get(url).status_code == 403  # no role: the desk screens are not for them
    client.force_login(office.other_desk)
    assert client.get(url).status_code == 404


def test_receipt_page_links_to_the_pdf(client, office, received):
    client.force_login(office.desk)

    response = client.get(reverse("dossiers:receipt", kwargs={"pk": received.pk}))

    assert reverse("dossiers:receipt_pdf", kwargs={"pk": received.pk}) in response.content.decode()


def test_receipt_has_no_text_outside_the_page_content_area(received):
    from dossiers.documents.receipt import snapshot
    from dossiers.documents.registry import document_number, document_template_context
    from dossiers.documents.render import layout
    from tests.dossiers.pdf_checks import cut_off_text

    long_address = "Thôn Đồng Phú, xã Yên Thuận, huyện Hàm Yên, tỉnh Tuyên Quang " * 4
    data = snapshot(received)
    data["applicant"]["address"] = long_address
    document = layout(
        *document_template_context("receipt", data, number=document_number("receipt", received))
    )

    assert cut_off_text(document) == []


def test_receipt_is_dated_at_the_configured_place(settings, received):
    settings.DOCUMENT_PLACE = "Tuyên Quang"
    day = timezone.localtime(received.received_at)

    flat = " ".join(_text(receipt_pdf(received)).split())

    assert f"Tuyên Quang, ngày {day:%d} tháng {day:%m} năm {day:%Y}" in flat
