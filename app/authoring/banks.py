"""A draft's question banks: each module's quiz and each edition's final exam, as GIFT text
with the quiz settings of the package."""

from __future__ import annotations

from dataclasses import dataclass

from app.accounts.models import User
from app.audit.models import record
from app.catalog import package as pkg
from app.extensions import db
from app.quizzes import gift

from .models import Draft, DraftEdition, DraftModule
from .revisions import Invalid, claim, touch


@dataclass(frozen=True)
class QuizBank:
    """A question bank of the draft: a module's quiz or an edition's final exam."""

    key: str  # "m<module id>" or "final-<edition id>"
    label: str
    text: str | None
    settings: dict
    revision: int
    owner: DraftModule | DraftEdition


def banks(draft: Draft) -> list[QuizBank]:
    found = []
    for edition in draft.editions:
        for module in edition.modules:
            found.append(
                QuizBank(
                    f"m{module.id}",
                    f"{edition.language} · {module.position}. {module.title}",
                    module.quiz,
                    module.quiz_settings or {},
                    module.revision,
                    module,
                )
            )
        found.append(
            QuizBank(
                f"final-{edition.id}",
                f"{edition.language} · final",
                edition.final_quiz,
                edition.final_settings or {},
                edition.revision,
                edition,
            )
        )
    return found


def find_bank(draft: Draft, key: str) -> QuizBank | None:
    return next((b for b in banks(draft) if b.key == key), None)


def gift_problems(text: str) -> list[tuple[int, str]]:
    """The quiz engine's parse errors as (line, message); none for a good bank."""
    return pkg.check_gift(text)


def save_bank(actor: User, bank: QuizBank, revision: int, text: str | None, settings: dict):
    """Replace a bank's GIFT text and settings. Text with errors is refused (Invalid)."""
    text = (text or "").replace("\r\n", "\n").strip("\n")
    if not text.strip():
        text = ""  # only blanks: no questions, as the bank page reads it (not an error)
    if text and gift_problems(text):
        raise Invalid("gift")
    value = (text + "\n") if text else None
    if isinstance(bank.owner, DraftModule):
        claim(
            DraftModule,
            bank.owner.id,
            revision,
            bank.text or "",
            quiz=value,
            quiz_settings=settings,
        )
        draft = bank.owner.edition.draft
    else:
        claim(
            DraftEdition,
            bank.owner.id,
            revision,
            bank.text or "",
            final_quiz=value,
            final_settings=settings,
        )
        draft = bank.owner.draft
    touch(draft)
    record("draft.quiz_save", "course", draft.course_id, actor=actor, quiz=bank.label)
    db.session.flush()
    db.session.refresh(bank.owner)


def bank_questions(bank: QuizBank) -> list[dict]:
    return gift.parse(bank.text) if bank.text else []
