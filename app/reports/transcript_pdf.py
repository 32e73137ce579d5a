"""A person's transcript as a PDF (A4 portrait), drawn by fpdf2 with the certificate font."""

from __future__ import annotations

from flask_babel import format_date
from flask_babel import gettext as _

from app.accounts.models import User
from app.certificates import codes
from app.certificates.pdf import font_path


def render(person: User, rows: list) -> bytes:
    from fpdf import FPDF  # loaded on first use, as for certificates

    pdf = FPDF(orientation="portrait", format="A4", unit="mm")
    pdf.add_font("Roboto", "", font_path(""))
    pdf.add_font("Roboto", "B", font_path("B"))
    pdf.set_title(_("Transcript") + f": {person.name}")
    pdf.add_page()
    width = pdf.w - 30
    pdf.set_left_margin(15)
    pdf.set_font("Roboto", "B", 16)
    pdf.multi_cell(width, 8, _("Transcript") + f": {person.name}")
    pdf.set_font("Roboto", "", 10)
    pdf.multi_cell(width, 5, f"{person.email} · {person.organisation.name}")
    pdf.ln(4)
    if not rows:
        pdf.multi_cell(width, 6, _("No courses yet."))
    for enrolment, (done, total), attempts, cert in rows:
        pdf.set_font("Roboto", "B", 12)
        pdf.multi_cell(width, 6, enrolment.edition.title)
        pdf.set_font("Roboto", "", 10)
        line = [
            enrolment.status_enum.title,
            _("Enrolled on %(date)s", date=format_date(enrolment.enrolled_at, "medium")),
            _("%(done)s of %(total)s lessons", done=done, total=total),
        ]
        if enrolment.completed_at:
            line.append(
                _("Completed on %(date)s", date=format_date(enrolment.completed_at, "medium"))
            )
        pdf.multi_cell(width, 5, " · ".join(line))
        for attempt in attempts:
            quiz = _("Final exam") if attempt.quiz_key == "final" else _("Module quiz")
            score = (
                f"{attempt.score:.0f} %" if attempt.score is not None else attempt.state_enum.title
            )
            when = format_date(attempt.submitted_at or attempt.started_at, "medium")
            pdf.multi_cell(
                width, 5, f"   {quiz} · {_('Attempt')} {attempt.number} · {when} · {score}"
            )
        if cert is not None:
            text = (
                _("Certificate")
                + f" {codes.display(cert.code)} · "
                + _("Issued on %(date)s", date=format_date(cert.issued_at, "medium"))
            )
            if cert.revoked_at:
                text += " · " + _(
                    "Revoked on %(date)s", date=format_date(cert.revoked_at, "medium")
                )
            pdf.multi_cell(width, 5, text)
        pdf.ln(3)
    return bytes(pdf.output())
