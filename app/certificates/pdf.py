"""The certificate as one A4 landscape page, drawn in-process with fpdf2.

Roboto (from the font-roboto package) is embedded and subset, so names such as "Łukasz"
or "Nguyễn" print as real, searchable text. The QR code opens the verification page.
"""

from __future__ import annotations

import hashlib
import io
import os
import threading
from pathlib import Path

from flask import current_app
from flask_babel import force_locale, format_date
from flask_babel import gettext as _

from app.cache import LruCache
from app.mail import external_url

from . import codes
from .models import Certificate

_cache = LruCache(256)
_font_lock = threading.Lock()

#: Latin with every European and Vietnamese accent, combining marks, punctuation, euro sign.
_UNICODES = [
    *range(0x20, 0x7F),
    *range(0xA0, 0x250),
    *range(0x300, 0x370),
    *range(0x1E00, 0x1F00),
    *range(0x2000, 0x2070),
    0x20AC,
    0x2122,
]


def font_path(style: str) -> Path:
    """Roboto cut down to the scripts a name in the network may use, made once per instance.

    fpdf2 parses the whole font for every document; the full Roboto (300 KB with its
    layout tables) takes 30 ms of the page's time, the cut-down copy a third of that.
    """
    import font_roboto  # here, not at the top: a worker that never draws a PDF stays small

    source = {"": font_roboto.Roboto, "B": font_roboto.RobotoBold}[style]
    folder = Path(current_app.instance_path) / "fonts"
    target = folder / f"{Path(source).stem}-latin-v1.ttf"
    if target.exists():
        return target
    with _font_lock:
        if not target.exists():
            from fontTools import subset
            from fontTools.ttLib import TTFont

            folder.mkdir(parents=True, exist_ok=True)
            options = subset.Options()
            options.layout_features = []
            options.drop_tables += ["GSUB", "GPOS", "GDEF"]
            options.name_IDs = ["*"]
            options.notdef_outline = True
            font = TTFont(source)
            subsetter = subset.Subsetter(options)
            subsetter.populate(unicodes=_UNICODES)
            subsetter.subset(font)
            partial = folder / f"{target.name}.{os.getpid()}.tmp"
            font.save(partial)
            os.replace(partial, target)  # whole or absent, even with several workers
    return target


INK = (31, 41, 51)
ACCENT = (0, 94, 122)
MUTED = (84, 96, 108)


def _hours(hours: float) -> str:
    return f"{hours:g}"


def render(cert: Certificate) -> bytes:
    """The PDF bytes; the same certificate always gives the same bytes (cached by content)."""
    verify_url = external_url("certificates.verify_code", code=codes.display(cert.code))
    key = hashlib.sha256(
        repr(
            (
                cert.code,
                cert.holder_name,
                cert.course_title,
                cert.hours,
                cert.issued_at,
                cert.expires_at,
                tuple(cert.issuer_names),
                cert.language,
                verify_url,
            )
        ).encode()
    ).hexdigest()
    cached = _cache.get(key)
    if cached is None:
        cached = _draw(cert, verify_url)
        _cache.put(key, cached)
    return cached


def _draw(cert: Certificate, verify_url: str) -> bytes:
    # fpdf2 and segno load fontTools and Pillow (some 60 MB): only workers that draw pay it.
    import segno
    from fpdf import FPDF

    pdf = FPDF(orientation="landscape", format="A4", unit="mm")
    pdf.set_creation_date(cert.issued_at)
    pdf.set_auto_page_break(False)
    pdf.add_font("Roboto", "", font_path(""))
    pdf.add_font("Roboto", "B", font_path("B"))
    pdf.set_title(cert.course_title)
    pdf.set_author(cert.issuer_names[0])
    pdf.add_page()
    width = pdf.w - 40

    pdf.set_draw_color(*ACCENT)
    pdf.set_line_width(1.2)
    pdf.rect(10, 10, pdf.w - 20, pdf.h - 20)

    with force_locale(cert.language):
        pdf.set_text_color(*ACCENT)
        pdf.set_font("Roboto", "B", 14)
        pdf.set_xy(20, 22)
        pdf.cell(width, 8, " · ".join(cert.issuer_names), align="C")

        pdf.set_text_color(*INK)
        pdf.set_font("Roboto", "B", 30)
        pdf.set_xy(20, 40)
        pdf.cell(width, 14, _("Certificate of completion"), align="C")

        pdf.set_font("Roboto", "", 14)
        pdf.set_xy(20, 62)
        pdf.cell(width, 8, _("This certifies that"), align="C")

        pdf.set_font("Roboto", "B", 26)
        pdf.set_xy(20, 73)
        pdf.cell(width, 13, cert.holder_name, align="C")

        pdf.set_font("Roboto", "", 14)
        pdf.set_xy(20, 92)
        pdf.cell(width, 8, _("completed the course"), align="C")

        pdf.set_font("Roboto", "B", 18)
        pdf.set_xy(30, 103)
        pdf.multi_cell(width - 20, 9, cert.course_title, align="C")

        pdf.set_font("Roboto", "", 12)
        pdf.set_text_color(*MUTED)
        lines = [
            _("%(hours)s hours", hours=_hours(cert.hours)),
            _("Issued on %(date)s", date=format_date(cert.issued_at, "long")),
        ]
        if cert.expires_at is not None:
            lines.append(_("Valid until %(date)s", date=format_date(cert.expires_at, "long")))
        pdf.set_xy(20, 130)
        pdf.multi_cell(width, 7, "\n".join(lines), align="C")

        pdf.set_text_color(*INK)
        pdf.set_font("Roboto", "", 10)
        pdf.set_xy(20, 168)
        pdf.multi_cell(
            170,
            5.5,
            _("Certificate code: %(code)s", code=codes.display(cert.code))
            + "\n"
            + _("Check it at %(url)s or scan the code.", url=verify_url),
        )

    qr = segno.make(verify_url, error="m")
    image = io.BytesIO()
    qr.save(image, kind="png", scale=8, border=2)
    image.seek(0)
    pdf.image(image, x=pdf.w - 20 - 36, y=pdf.h - 20 - 38, w=36, h=36)
    return bytes(pdf.output())
