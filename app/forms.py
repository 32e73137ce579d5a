"""Form helpers shared by every domain."""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SubmitField
from wtforms.fields.choices import SelectChoice


def options(pairs) -> list[SelectChoice]:
    """Select options from (value, label) pairs; WTForms 3.3 deprecates bare tuples."""
    return [SelectChoice(value, label) for value, label in pairs]


class ConfirmForm(FlaskForm):
    """An empty form: a button whose post carries the CSRF token."""

    submit = SubmitField(_l("Confirm"))


def iso_date(raw: str, name: str, errors: dict[str, str]) -> date | None:
    """A YYYY-MM-DD filter value; a malformed one is named in errors[name] and read as none."""
    raw = raw.strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        errors[name] = _("%(value)s is not a date; use the form YYYY-MM-DD.", value=raw[:20])
        return None
