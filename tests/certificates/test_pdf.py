"""The PDF: real text in four languages, any name, and a QR code to the verification page."""

import io
from datetime import datetime

import pypdf
import pytest
import zxingcpp

from app.certificates import codes, pdf
from app.certificates.models import Certificate

CASES = [
    (
        "es",
        "João Gonçalves",
        "Marco jurídico de la acción internacional",
        "Certificado de aprobación",
    ),
    ("pt_BR", "Łukasz Wiśniewski", "Cooperação descentralizada", "Certificado de conclusão"),
    ("fr", "Nguyễn Thị Minh Khai", "La ville attractive", "Certificat de réussite"),
    ("en", "Zoë Ağaoğlu-Đorđević", "The City in the World", "Certificate of completion"),
]


def _certificate(language: str, name: str, title: str) -> Certificate:
    return Certificate(
        code=codes.new_code(),
        language=language,
        holder_name=name,
        course_title=title,
        hours=6,
        issuer_names=["Red AL-LAs", "Ciudad de México"],
        issued_at=datetime(2026, 3, 14, 10, 0),
        expires_at=datetime(2028, 3, 14, 10, 0),
    )


@pytest.mark.parametrize(("language", "name", "title", "heading"), CASES)
def test_text_is_real_and_in_the_certificates_language(app, language, name, title, heading):
    cert = _certificate(language, name, title)
    data = pdf.render(cert)
    reader = pypdf.PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 1
    page = reader.pages[0]
    width, height = float(page.mediabox.width), float(page.mediabox.height)
    assert (round(width), round(height)) == (842, 595)  # A4 landscape, in points
    text = page.extract_text()
    for expected in (name, title, heading, codes.display(cert.code), "Ciudad de México"):
        assert expected in text, (expected, text)
    assert "2026" in text and "2028" in text
    fonts = {str(font["/BaseFont"]) for font in _fonts(page)}
    assert any("Roboto" in font for font in fonts)


def _fonts(page):
    return [f.get_object() for f in page["/Resources"]["/Font"].values()]


def test_qr_code_opens_the_verification_page(app):
    cert = _certificate("es", "Ana", "Curso")
    page = pypdf.PdfReader(io.BytesIO(pdf.render(cert))).pages[0]
    images = list(page.images)
    assert len(images) == 1
    found = zxingcpp.read_barcodes(images[0].image)
    assert [b.text for b in found] == [
        f"{app.config['BASE_URL'].rstrip('/')}/verify/{codes.display(cert.code)}"
    ]


def test_same_certificate_same_bytes(app):
    cert = _certificate("fr", "Łukasz", "Cours")
    first = pdf.render(cert)
    pdf._cache.items.clear()  # drawn again, not served from the cache
    assert pdf.render(cert) == first
    other = _certificate("fr", "Łukasz", "Cours")
    assert pdf.render(other) != pdf.render(cert)
