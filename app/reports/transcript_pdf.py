"""A person's transcript as a PDF (A4 portrait) for an HR file, drawn by fpdf2 with the
certificate font.

Every text goes through multi_cell with the page's usable width and puts the cursor back at
the left margin, so long e-mails, organisation names, course titles and URLs wrap inside the
page instead of running off its right edge. Quizzes sit in a table whose cells wrap too.
"""

from __future__ import annotations

from flask_babel import format_date, format_datetime
from flask_babel import gettext as _

from app.certificates import codes
from app.certificates.pdf import font_path

from .transcripts import CourseRecord, QuizLine, Transcript

MARGIN = 15
INK = (31, 41, 51)
MUTED = (84, 96, 108)
ACCENT = (0, 94, 122)


def _date(moment) -> str:
    return format_date(moment, "medium")


def _quiz_name(quiz: QuizLine) -> str:
    if quiz.is_final:
        return _("Final exam")
    return quiz.module_title or _("Module quiz")


def _result(quiz: QuizLine) -> str:
    if quiz.passed:
        return _("Passed")
    if quiz.waiting:
        return _("Waiting for grading")
    return _("Not passed") if quiz.attempts else _("Not started")


def _validity(course: CourseRecord, now) -> str:
    cert = course.certificate
    issued = _("Issued on %(date)s", date=_date(cert.issued_at))
    status = cert.status(now)
    if status == "revoked":
        return issued + " · " + _("Revoked on %(date)s", date=_date(cert.revoked_at))
    if status == "expired":
        return issued + " · " + _("Expired on %(date)s", date=_date(cert.expires_at))
    if cert.expires_at is not None:
        return issued + " · " + _("Valid until %(date)s", date=_date(cert.expires_at))
    return issued + " · " + _("It does not expire.")


def render(transcript: Transcript) -> bytes:
    from fpdf import FPDF  # loaded on first use, as for certificates
    from fpdf.enums import XPos, YPos

    class Document(FPDF):
        def footer(self) -> None:
            self.set_y(-MARGIN)
            self.set_font("Roboto", "", 8)
            self.set_text_color(*MUTED)
            self.cell(0, 5, _("Page %(n)s of %(total)s", n=self.page_no(), total="{nb}"), align="C")

    person = transcript.person
    pdf = Document(orientation="portrait", format="A4", unit="mm")
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.set_auto_page_break(True, margin=MARGIN + 8)
    pdf.alias_nb_pages()
    pdf.add_font("Roboto", "", font_path(""))
    pdf.add_font("Roboto", "B", font_path("B"))
    heading = _("Transcript") + f": {person.name}"
    pdf.set_title(heading)
    pdf.set_creation_date(transcript.generated_at)
    pdf.add_page()
    width = pdf.epw

    def line(text: str, height: float = 5) -> None:
        """One paragraph across the usable width; the cursor ends at the next line's start."""
        pdf.multi_cell(width, height, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="L")

    pdf.set_text_color(*INK)
    pdf.set_font("Roboto", "B", 16)
    line(heading, 8)
    pdf.set_font("Roboto", "", 10)
    line(_("E-mail: %(email)s", email=person.email))
    line(_("Organisation: %(name)s", name=transcript.organisation))
    if person.job_title:
        line(_("Job title: %(title)s", title=person.job_title))
    pdf.set_text_color(*MUTED)
    line(_("Generated on %(date)s", date=format_datetime(transcript.generated_at, "long")))
    pdf.set_text_color(*INK)
    pdf.ln(4)
    if not transcript.courses:
        line(_("No courses yet."), 6)
    for course in transcript.courses:
        _course(pdf, line, course, transcript.generated_at)
    return bytes(pdf.output())


def _course(pdf, line, course: CourseRecord, now) -> None:
    enrolment = course.enrolment
    if pdf.will_page_break(30):
        pdf.add_page()  # a course's title never sits alone at the foot of a page
    pdf.set_draw_color(*MUTED)
    pdf.set_font("Roboto", "B", 12)
    pdf.set_text_color(*ACCENT)
    line(enrolment.edition.title, 6)
    pdf.set_text_color(*INK)
    pdf.set_font("Roboto", "", 10)
    facts = [
        _("Status: %(status)s", status=enrolment.status_enum.title),
        _("Enrolled on %(date)s", date=_date(enrolment.enrolled_at)),
    ]
    if enrolment.completed_at:
        facts.append(_("Completed on %(date)s", date=_date(enrolment.completed_at)))
    facts.append(_("%(done)s of %(total)s lessons", done=course.done, total=course.total))
    line(" · ".join(facts))
    if course.quizzes:
        pdf.ln(1)
        pdf.set_font("Roboto", "", 9)
        with pdf.table(
            col_widths=(90, 25, 22, 43),
            width=pdf.epw,
            text_align=("LEFT", "RIGHT", "RIGHT", "LEFT"),
            line_height=4.5,
            padding=1,
        ) as table:
            table.row([_("Quiz"), _("Best score"), _("Attempts"), _("Result")])
            for quiz in course.quizzes:
                table.row(
                    [
                        _quiz_name(quiz),
                        f"{quiz.best:.0f} %" if quiz.best is not None else "–",
                        str(quiz.attempts),
                        _result(quiz),
                    ]
                )
        pdf.set_font("Roboto", "", 10)
    if course.certificate is not None:
        pdf.ln(1)
        line(_("Certificate code: %(code)s", code=codes.display(course.certificate.code)))
        line(_validity(course, now))
        line(_("Verify it at %(url)s", url=course.verify_url))
    pdf.ln(4)
