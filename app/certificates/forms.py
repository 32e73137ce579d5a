"""Forms of the certificate pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, DateField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional


class CodeForm(FlaskForm):
    # A GET form: nothing changes, and the result page's URL can be shared.
    class Meta:
        csrf = False

    code = StringField(_l("Certificate code"), validators=[DataRequired(), Length(max=40)])
    submit = SubmitField(_l("Check"))


class CredentialForm(FlaskForm):
    credential = TextAreaField(
        _l("Paste a credential (JSON or JWT)"), validators=[Optional(), Length(max=200_000)]
    )
    upload = FileField(_l("or choose a file"))
    submit = SubmitField(_l("Check the credential"))


class RevokeForm(FlaskForm):
    reason = StringField(
        _l("Reason (shown on the public verification page)"),
        validators=[DataRequired(), Length(max=500)],
    )
    submit = SubmitField(_l("Revoke"))


class PeriodForm(FlaskForm):
    class Meta:
        csrf = False

    start = DateField(_l("Issued from"), validators=[Optional()])
    end = DateField(_l("Issued until"), validators=[Optional()])
    q = StringField(_l("Search by name or code"), validators=[Optional(), Length(max=100)])
    submit = SubmitField(_l("Show"))


class PrivacyForm(FlaskForm):
    show_name = BooleanField(_l("Show my name on the public verification page"))
    submit = SubmitField(_l("Save"))
