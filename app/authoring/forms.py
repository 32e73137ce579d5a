"""Forms of the authoring screens. Labels are translated; the services check the rest."""

from __future__ import annotations

from flask_babel import format_decimal
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DecimalField,
    EmailField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp

from app.catalog import package as pkg
from app.forms import options
from app.quizzes.gift_write import MOODLE_GRADES, percent_text
from app.quizzes.types import AUTHORABLE

LANGUAGE_NAMES = {
    "es": _l("Spanish"),
    "pt_BR": _l("Portuguese (Brazil)"),
    "fr": _l("French"),
    "en": _l("English"),
}


def language_choices(exclude=()):
    return options((code, LANGUAGE_NAMES[code]) for code in pkg.LANGUAGES if code not in exclude)


class NewCourseForm(FlaskForm):
    slug = StringField(
        _l("Identifier"),
        validators=[
            DataRequired(),
            Length(max=80),
            Regexp(pkg.SLUG.pattern, message=_l("Use lower-case letters, digits and hyphens.")),
        ],
    )
    language = SelectField(_l("First language"), choices=language_choices)
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=300)])
    summary = TextAreaField(_l("Summary"), validators=[DataRequired(), Length(max=2000)])
    hours = DecimalField(_l("Hours"), places=1, validators=[DataRequired(), NumberRange(0.5, 500)])
    pass_mark = IntegerField(
        _l("Pass mark (%)"), default=70, validators=[DataRequired(), NumberRange(1, 100)]
    )
    booklet_title = StringField(_l("Booklet title"), validators=[DataRequired(), Length(max=300)])
    booklet_reference = StringField(
        _l("Booklet reference"), validators=[DataRequired(), Length(max=300)]
    )
    submit = SubmitField(_l("Create the course"))


class SettingsForm(FlaskForm):
    revision = HiddenField()
    hours = DecimalField(_l("Hours"), places=1, validators=[DataRequired(), NumberRange(0.5, 500)])
    pass_mark = IntegerField(_l("Pass mark (%)"), validators=[DataRequired(), NumberRange(1, 100)])
    certificate_validity_months = IntegerField(
        _l("Certificate valid for (months, empty: no expiry)"),
        validators=[Optional(), NumberRange(1, 240)],
    )
    themes = StringField(
        _l("Themes (separated by commas)"),
        validators=[
            Optional(),
            Length(max=500),
            Regexp(r"^[a-z0-9, -]*$", message=_l("Use lower-case letters, digits and hyphens.")),
        ],
    )
    authors = StringField(_l("Authors (separated by commas)"), validators=[Length(max=500)])
    booklet_number = IntegerField(_l("Booklet number"), validators=[Optional(), NumberRange(1)])
    booklet_title = StringField(_l("Booklet title"), validators=[DataRequired(), Length(max=300)])
    booklet_reference = StringField(
        _l("Booklet reference"), validators=[DataRequired(), Length(max=300)]
    )
    booklet_url = StringField(
        _l("Booklet address (URL)"),
        validators=[
            Optional(),
            Length(max=500),
            Regexp(r"^https?://", message=_l("Start with http:// or https://.")),
        ],
    )
    review_required = BooleanField(_l("A reviewer must approve each draft before it is published"))
    submit = SubmitField(_l("Save settings"))


class EditionForm(FlaskForm):
    revision = HiddenField()
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=300)])
    summary = TextAreaField(_l("Summary"), validators=[DataRequired(), Length(max=2000)])
    submit = SubmitField(_l("Save"))


class NewEditionForm(FlaskForm):
    language = SelectField(_l("Language"), choices=language_choices)
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=300)])
    summary = TextAreaField(_l("Summary"), validators=[DataRequired(), Length(max=2000)])
    copy_from = SelectField(_l("Start from"), choices=[], validate_choice=False)
    submit = SubmitField(_l("Add the language"))


class TitleForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=300)])
    submit = SubmitField(_l("Add"))


class ModuleForm(FlaskForm):
    revision = HiddenField()
    title = StringField(_l("Module title"), validators=[DataRequired(), Length(max=300)])
    submit = SubmitField(_l("Rename"))


class LessonForm(FlaskForm):
    revision = HiddenField()
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=300)])
    minutes = IntegerField(
        _l("Reading time (minutes)"), validators=[DataRequired(), NumberRange(1, 600)]
    )
    body = TextAreaField(
        _l("Text (Markdown)"),
        validators=[DataRequired(), Length(max=200_000)],
        render_kw={"rows": 20, "class": "markdown-editor"},
    )
    preview = SubmitField(_l("Preview"))
    submit = SubmitField(_l("Save"))


class MoveForm(FlaskForm):
    step = HiddenField()


class CommentForm(FlaskForm):
    # Its own id: the lesson's text, on the same page, is "body" too.
    body = TextAreaField(
        _l("Comment"), id="comment-body", validators=[DataRequired(), Length(max=5000)]
    )
    submit = SubmitField(_l("Add the comment"))


class ReviewerForm(FlaskForm):
    email = EmailField(
        _l("E-mail address of a trainer"), validators=[DataRequired(), Length(max=254)]
    )
    submit = SubmitField(_l("Ask for a review"))


class PublishForm(FlaskForm):
    note = TextAreaField(
        _l("What changed (shown in the version history)"),
        validators=[DataRequired(), Length(max=2000)],
    )
    submit = SubmitField(_l("Publish a new version"))


class RestoreForm(FlaskForm):
    note = StringField(_l("Why"), validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("Publish this version again"))


class MediaForm(FlaskForm):
    file = FileField(_l("Image or attachment"), validators=[FileRequired(_l("Choose a file."))])
    submit = SubmitField(_l("Upload"))


FEEDBACK_CHOICES = [
    ("after_attempt", _l("After each attempt")),
    ("after_passing", _l("After passing")),
    ("never", _l("Never")),
]


class BankForm(FlaskForm):
    """A question bank as GIFT text, with its quiz settings."""

    revision = HiddenField()
    gift = TextAreaField(_l("Questions (GIFT)"), validators=[Length(max=500_000)])
    upload = FileField(_l("Or upload a .gift file"))
    attempts = IntegerField(
        _l("Attempts allowed (empty: unlimited)"), validators=[Optional(), NumberRange(1, 100)]
    )
    time_limit_minutes = IntegerField(
        _l("Time limit in minutes (empty: none)"), validators=[Optional(), NumberRange(1, 600)]
    )
    draw = IntegerField(
        _l("Draw this many questions at random (empty: all)"),
        validators=[Optional(), NumberRange(1, 500)],
    )
    grading = SelectField(
        _l("Grade kept"),
        choices=options([("highest", _l("Highest attempt")), ("last", _l("Last attempt"))]),
    )
    feedback = SelectField(
        _l("Show correct answers and feedback"), choices=options(FEEDBACK_CHOICES)
    )
    shuffle_questions = BooleanField(_l("Shuffle the questions"))
    shuffle_answers = BooleanField(_l("Shuffle the answers"))
    one_per_page = BooleanField(_l("One question per page"))
    submit = SubmitField(_l("Save the questions and settings"))


#: The per-question form's type menu: every type the quiz engine offers to authors.
QTYPE_CHOICES = [(key, kind.label) for key, kind in AUTHORABLE.items()]


def _credit_choices() -> list:
    """Moodle's grades, so a bank exported from Aula grades the same in Moodle (it refuses
    others or rounds them); blank leaves the type's default (0 or 100)."""
    return options(
        [("", "—")]
        + [
            (percent_text(g), f"{format_decimal(round(g * 100, 5), '#,##0.#####')} %")
            for g in MOODLE_GRADES
        ]
    )


class AnswerRow(Form):
    text = StringField(_l("Answer"), validators=[Optional(), Length(max=2000)])
    match = StringField(_l("Matches"), validators=[Optional(), Length(max=2000)])
    tolerance = StringField(_l("Tolerance"), validators=[Optional(), Length(max=40)])
    percent = SelectField(_l("Credit (%)"), choices=_credit_choices, validators=[Optional()])
    feedback = StringField(_l("Feedback"), validators=[Optional(), Length(max=2000)])


class QuestionForm(FlaskForm):
    qtype = SelectField(_l("Type"), choices=options(QTYPE_CHOICES))
    category = StringField(_l("Category (optional)"), validators=[Optional(), Length(max=200)])
    name = StringField(_l("Title"), validators=[Optional(), Length(max=255)])
    questiontext = TextAreaField(_l("Question"), validators=[DataRequired(), Length(max=20_000)])
    correct = SelectField(
        _l("The statement is"),
        choices=options([("true", _l("True")), ("false", _l("False"))]),
        default="true",
    )
    feedback_right = StringField(
        _l("Feedback for the right choice"),
        validators=[Optional(), Length(max=2000)],
    )
    feedback_wrong = StringField(
        _l("Feedback for the wrong choice"),
        validators=[Optional(), Length(max=2000)],
    )
    answers = FieldList(FormField(AnswerRow), min_entries=6, max_entries=20)
    generalfeedback = TextAreaField(
        _l("General feedback"), validators=[Optional(), Length(max=5000)]
    )
    submit = SubmitField(_l("Save the question"))
