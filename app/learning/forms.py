"""Small forms of the learning pages: each is a button whose post carries a CSRF token."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, SubmitField


class EnrolForm(FlaskForm):
    language = SelectField(_l("Language of the course"))
    submit = SubmitField(_l("Enrol"))


class StaffEnrolForm(FlaskForm):
    course = SelectField(_l("Course"))
    submit = SubmitField(_l("Enrol in this course"))
