"""Forms of the learning pages: enrolling, and reviewers' assignments."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, RadioField, SelectField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from app.forms import options


class EnrolForm(FlaskForm):
    language = SelectField(_l("Language of the course"))
    submit = SubmitField(_l("Enrol"))


class StaffEnrolForm(FlaskForm):
    course = SelectField(_l("Course"))
    submit = SubmitField(_l("Enrol in this course"))


class QuizTimeForm(FlaskForm):
    percent = SelectField(_l("Time on timed quizzes"), coerce=int)
    submit = SubmitField(_l("Save the time allowed"))


class AssignmentForm(FlaskForm):
    course = SelectField(_l("Course"), validators=[DataRequired()])
    organisation = SelectField(_l("Organisation or department"), coerce=int)
    people = TextAreaField(
        _l("Only these people (optional)"),
        description=_l(
            "E-mail addresses, one per line. Leave empty to assign the course to everyone in "
            "the organisation, including people who join it later."
        ),
        validators=[Optional(), Length(max=100_000)],
    )
    due_kind = RadioField(
        _l("Due"),
        choices=options(
            [("date", _l("By a date")), ("days", _l("Within a number of days of joining"))]
        ),
        default="date",
    )
    due_on = DateField(_l("Due date"), validators=[Optional()])
    due_days = IntegerField(_l("Days"), validators=[Optional(), NumberRange(min=1, max=3650)])
    submit = SubmitField(_l("Assign"))


class DueForm(FlaskForm):
    """A new due date for an assignment: a date, or a number of days from joining."""

    due_kind = AssignmentForm.due_kind
    due_on = AssignmentForm.due_on
    due_days = AssignmentForm.due_days
    submit = SubmitField(_l("Change the due date"))
