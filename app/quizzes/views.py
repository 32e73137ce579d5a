"""The quiz engine has no pages of its own: this blueprint lends the pages that show
questions (learning's quizzes, authoring's "try a quiz") its templates and two filters."""

from __future__ import annotations

from flask import Blueprint

from .text import render_text
from .types import type_of

bp = Blueprint("quizzes", __name__, template_folder="templates")
bp.add_app_template_filter(render_text, "gift_text")


@bp.app_template_filter("question_fragment")
def question_fragment(question: dict) -> str:
    """The template whose `field` macro renders this question's form field."""
    return type_of(question).fragment
