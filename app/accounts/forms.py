"""Forms for signing in, profiles, staff and administration. Labels are translated lazily."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    PasswordField,
    SelectField,
    StringField,
    SubmitField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from app.i18n import LANGUAGE_NAMES

#: Each language named in itself, and marked as such for screen readers (WCAG 3.1.2).
LANGUAGE_CHOICES = [
    SelectChoice(code, name, {"lang": code.replace("_", "-")})
    for code, name in LANGUAGE_NAMES.items()
]

# Fields about the person filling the form name their purpose (WCAG 1.3.5), so browsers
# and assistive tools can fill them in.
EMAIL = {"autocomplete": "email"}
NEW_PASSWORD = {"autocomplete": "new-password"}
CURRENT_PASSWORD = {"autocomplete": "current-password"}


class TimeZoneField(SelectField):
    """A select of IANA zones (choices set by the view: zones.zone_choices); "" inherits,
    which is also what a stored None and a form without the field mean."""

    def __init__(self, label, **kwargs):
        kwargs.setdefault("invalid_choice_message", _l("Choose a time zone from the list."))
        super().__init__(label, choices=[], **kwargs)

    def process_data(self, value) -> None:
        self.data = value or ""


class LoginForm(FlaskForm):
    email = EmailField(
        _l("E-mail address"),
        validators=[DataRequired(), Length(max=254)],
        render_kw={"autocomplete": "username"},
    )
    password = PasswordField(
        _l("Password"), validators=[DataRequired(), Length(max=200)], render_kw=CURRENT_PASSWORD
    )
    remember = BooleanField(_l("Keep me signed in on this device"))
    next = HiddenField()
    submit = SubmitField(_l("Sign in"))


class ForgotPasswordForm(FlaskForm):
    email = EmailField(
        _l("E-mail address"), validators=[DataRequired(), Length(max=254)], render_kw=EMAIL
    )
    submit = SubmitField(_l("Send me a link"))


class SetPasswordForm(FlaskForm):
    password = PasswordField(
        _l("New password"), validators=[DataRequired(), Length(max=200)], render_kw=NEW_PASSWORD
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords do not match."))],
        render_kw=NEW_PASSWORD,
    )
    submit = SubmitField(_l("Save password"))


class ChangePasswordForm(SetPasswordForm):
    current_password = PasswordField(
        _l("Current password"), validators=[DataRequired()], render_kw=CURRENT_PASSWORD
    )
    submit = SubmitField(_l("Change password"))


class ProfileForm(FlaskForm):
    name = StringField(
        _l("Full name"),
        validators=[DataRequired(), Length(max=200)],
        render_kw={"autocomplete": "name"},
    )
    job_title = StringField(
        _l("Job title"),
        validators=[Optional(), Length(max=200)],
        render_kw={"autocomplete": "organization-title"},
    )
    locale = SelectField(_l("Language of pages and e-mails"), choices=LANGUAGE_CHOICES)
    time_zone = TimeZoneField(_l("Time zone of dates and times"))
    submit = SubmitField(_l("Save profile"))


class LanguageForm(FlaskForm):
    locale = SelectField(_l("Language"), choices=LANGUAGE_CHOICES)
    next = HiddenField()
    submit = SubmitField(_l("Change language"))


class InviteForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Length(max=254)])
    name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=200)])
    organisation = SelectField(_l("Organisation or department"), coerce=int)
    job_title = StringField(_l("Job title"), validators=[Optional(), Length(max=200)])
    locale = SelectField(_l("Language"), choices=LANGUAGE_CHOICES)
    submit = SubmitField(_l("Send invitation"))


class ImportForm(FlaskForm):
    organisation = SelectField(_l("Import into"), coerce=int)
    file = FileField(
        _l("CSV or Excel file"), validators=[FileRequired(_l("Choose a CSV or Excel file."))]
    )
    create_departments = BooleanField(_l("Create departments that do not exist yet"))
    send_invitations = BooleanField(_l("E-mail an invitation to each new account"), default=True)
    submit = SubmitField(_l("Check and import"))


class OrganisationForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    slug = StringField(_l("Identifier"), validators=[DataRequired(), Length(max=80)])
    kind = SelectField(_l("Kind"))
    parent = SelectField(_l("Belongs to"), coerce=int)
    time_zone = TimeZoneField(_l("Time zone"))
    submit = SubmitField(_l("Save"))


class UserForm(FlaskForm):
    name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=200)])
    organisation = SelectField(_l("Organisation or department"), coerce=int)
    job_title = StringField(_l("Job title"), validators=[Optional(), Length(max=200)])
    locale = SelectField(_l("Language"), choices=LANGUAGE_CHOICES)
    is_active = BooleanField(_l("Account active"))
    submit = SubmitField(_l("Save"))


class GrantRoleForm(FlaskForm):
    # Ids of their own: the person's form above it on the same page has an organisation and
    # a submit button too.
    role = SelectField(_l("Role"), id="grant-role")
    organisation = SelectField(_l("Over"), coerce=int, id="grant-organisation")
    submit = SubmitField(_l("Grant role"), id="grant-submit")


class ResendForm(FlaskForm):
    """Invitations again: to the people ticked on the staff list, or to everyone waiting."""

    everyone = BooleanField(_l("Everyone in my organisations who has not signed in yet"))
    submit = SubmitField(_l("Send invitations again"))


class EraseForm(FlaskForm):
    """Typing the address is the confirmation: a slip of the mouse cannot erase anyone."""

    email = StringField(
        _l("Type the person's e-mail address to confirm"),
        validators=[DataRequired(), Length(max=254)],
    )
    hide_names = BooleanField(
        _l("Also remove the name from their certificates' public verification page")
    )
    submit = SubmitField(_l("Erase this account"))
